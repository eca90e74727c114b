"""A loaded monorepo: its root, settings, services and compiler."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from nox_support.config import Settings, load_settings
from nox_support.core.errors import DiscoveryError
from nox_support.discovery import Service, discover
from nox_support.lock.compile.interface import Compiler
from nox_support.lock.compile.registry import compiler_for


@dataclass(frozen=True)
class Project:
    """Everything nox-support knows about one repository."""

    root: Path
    settings: Settings
    services: tuple[Service, ...]
    compiler: Compiler

    @classmethod
    def load(cls, root: Path) -> Project:
        """Read settings and discover services under *root*."""
        root = root.resolve()
        settings = load_settings(root)
        return cls(root, settings, discover(root, settings), compiler_for(root, settings.compiler))

    def service(self, name: str) -> Service:
        """The service called *name*."""
        for service in self.services:
            if service.name == name:
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        msg = f"no service named {name!r} (services: {known})"
        raise DiscoveryError(msg, hint="run `nox -l` to list the sessions")

    def select(self, names: tuple[str, ...]) -> tuple[Service, ...]:
        """The named services, or all of them when *names* is empty."""
        if not names:
            return self.services
        return tuple(self.service(name) for name in names)


@functools.cache
def cached_project(root: Path) -> Project:
    """:meth:`Project.load`, once per process (Nox runs all sessions in one process)."""
    return Project.load(root)
