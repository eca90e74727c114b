"""Find the services of a monorepo.

A service is a directory matched by one of the configured globs that holds a
``requirements.in``.  Layered inputs (``requirements-<layer>.in``) are compiled
against the service's main lock.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from nox_support.config import Settings, normalize_python_version
from nox_support.errors import DiscoveryError

SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
MAIN_INPUT = "requirements.in"
_LAYER_INPUT = re.compile(r"requirements-([A-Za-z0-9][A-Za-z0-9._-]*)\.in\Z")


@dataclass(frozen=True)
class Layer:
    """One requirements input of a service and the lock it compiles to."""

    name: str
    source: Path
    lock: Path
    constrained_by: Path | None = None
    """The main lock that pins this layer (``-c``); ``None`` for the main layer."""


@dataclass(frozen=True)
class Service:
    """A discovered service."""

    name: str
    directory: Path
    relpath: str
    python: str
    python_source: str
    layers: tuple[Layer, ...]

    @property
    def main(self) -> Layer:
        """The ``requirements.in`` layer."""
        return self.layers[0]


def running_python() -> str:
    """``"X.Y"`` of the interpreter running nox-support."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def discover(root: Path, settings: Settings) -> tuple[Service, ...]:
    """All services under *root*, sorted by name.

    Raises :class:`DiscoveryError` listing every problem found (bad names,
    duplicates, directories escaping the repository) in one message.
    """
    root = root.resolve()
    found: dict[str, Service] = {}
    problems: list[str] = []
    for directory in _candidate_dirs(root, settings.service_globs):
        rel = directory.relative_to(root).as_posix()
        name = directory.name
        real = directory.resolve()
        if not real.is_relative_to(root):
            problems.append(
                f"{rel}: symlink leads outside the repository (to {real}); "
                "move the service into the repository or remove the link"
            )
            continue
        if not SERVICE_NAME.match(name):
            problems.append(
                f"{rel}: {name!r} is not a valid service name; rename the directory "
                "to letters, digits, '.', '_' or '-' (starting with a letter or digit)"
            )
            continue
        if name in found:
            problems.append(
                f"{rel}: service name {name!r} is already used by {found[name].relpath}; "
                "service names must be unique across all service_globs"
            )
            continue
        found[name] = _service(directory, rel, settings)
    if problems:
        msg = "invalid service directories:\n  " + "\n  ".join(problems)
        raise DiscoveryError(msg, hint="see [tool.nox_support] service_globs in pyproject.toml")
    return tuple(found[n] for n in sorted(found))


def _candidate_dirs(root: Path, globs: tuple[str, ...]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if path in seen or not (path / MAIN_INPUT).is_file():
                continue
            seen.add(path)
            out.append(path)
    return out


def _service(directory: Path, rel: str, settings: Settings) -> Service:
    python, source = _target_python(directory, rel, settings)
    main_lock = directory / "requirements.txt"
    layers = [Layer("main", directory / MAIN_INPUT, main_lock)]
    for path in sorted(directory.glob("requirements-*.in")):
        match = _LAYER_INPUT.match(path.name)
        if match:
            name = match.group(1)
            layers.append(Layer(name, path, directory / f"requirements-{name}.txt", constrained_by=main_lock))
    return Service(
        name=directory.name,
        directory=directory,
        relpath=rel,
        python=python,
        python_source=source,
        layers=tuple(layers),
    )


def _target_python(directory: Path, rel: str, settings: Settings) -> tuple[str, str]:
    override = settings.services.get(directory.name)
    if override is not None and override.python:
        return override.python, "pyproject.toml [tool.nox_support.services]"
    version_file = directory / ".python-version"
    if version_file.is_file():
        first = version_file.read_text(encoding="utf-8").strip().splitlines()
        version = normalize_python_version(first[0]) if first else None
        if version is None:
            msg = f"{rel}/.python-version:1: cannot read a Python version from {first[:1]}"
            raise DiscoveryError(msg, hint='write a version such as "3.11" on the first line')
        return version, f"{rel}/.python-version"
    if settings.python:
        return settings.python, "pyproject.toml [tool.nox_support] python"
    return running_python(), "running interpreter"
