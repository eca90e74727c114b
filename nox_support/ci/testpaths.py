"""Where a service keeps its tests: the paths at its tests location that hold Python code.

The location comes from discovery (:class:`~nox_support.discovery.LocationOfTests`); finding
what is there is the ``tests`` session's and CI's business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nox_support.config import is_glob
from nox_support.core.errors import DiscoveryError
from nox_support.discovery import Service


@dataclass(frozen=True)
class FoundTests:
    """Test directories or files that hold Python code."""

    paths: tuple[Path, ...]

    def pytest_args(self, service: Service) -> tuple[str, ...]:
        """The paths relative to the service's directory, where pytest runs."""
        return tuple(os.path.relpath(path, service.directory) for path in self.paths)


@dataclass(frozen=True)
class NoTests:
    """Nothing at the tests location holds Python code."""

    looked_at: str
    """What was looked at and found wanting (``services/api/tests/ does not exist``)."""


def find_tests(root: Path, service: Service) -> FoundTests | NoTests:
    """The paths at *service*'s tests location that hold Python code.

    Raises :class:`DiscoveryError` when a match leads outside the repository
    through a symlink: tests are never collected from outside it.
    """
    root = root.resolve()
    pattern = service.tests_pattern
    matches = sorted(root.glob(pattern)) if is_glob(pattern) else [root / pattern]
    found: list[Path] = []
    for path in matches:
        if not path.exists():
            continue
        real = path.resolve()
        if not real.is_relative_to(root):
            shown = path.relative_to(root).as_posix()
            msg = f"{service.name}: tests location {shown} leads outside the repository (to {real})"
            raise DiscoveryError(msg, hint=_tests_hint(service))
        if _holds_python(path):
            found.append(path)
    if found:
        return FoundTests(tuple(found))
    return NoTests(_why_no_tests(pattern, matches, service))


def _holds_python(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".py"
    return any(name.endswith(".py") for _directory, _dirs, files in os.walk(path) for name in files)


def _why_no_tests(pattern: str, matches: list[Path], service: Service) -> str:
    if is_glob(pattern):
        what = f"nothing matching {pattern} holds a Python file" if matches else f"nothing matches {pattern}"
    elif matches[0].exists():
        what = f"{pattern}/ holds no Python file"
    else:
        what = f"{pattern}/ does not exist"
    return what if service.tests.setting is None else f"{what}; {service.tests.setting}"


def _tests_hint(service: Service) -> str:
    where = service.tests.setting or f"[tool.nox_support.services.{service.name}] tests"
    return f"point {where} at a directory inside the repository"
