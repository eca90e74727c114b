"""Which services a set of changed paths affects (pure; inputs come from :mod:`.discover`).

A service is affected when a changed path is under its directory, is one of
the files its locks are computed from (``-r``/``-c`` includes, shared
constraints, local package metadata), or lies anywhere inside a local path
package it installs.  A change to a global path (the noxfile, nox-support
itself, the root ``pyproject.toml``) affects every service.  pytest reads
configuration from the directories above the tests it runs: a test
configuration file (:data:`TEST_CONFIG_FILES`) outside every service affects
each service below its directory (at the root: every service).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from nox_support.ci.git import PathChange
from nox_support.discovery import MAIN_INPUT

TEST_CONFIG_FILES = frozenset(
    {"conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml"}
)
"""Files pytest reads from the directories above the tests (``pyproject.toml``: its
``[tool.pytest.ini_options]``; the root one is a global path anyway)."""


@dataclass(frozen=True)
class ServiceInputs:
    """Where one service's inputs live, relative to the root."""

    name: str
    directory: str
    files: frozenset[str]
    """Input files outside the service directory (includes, constraints, package metadata)."""
    trees: tuple[str, ...]
    """Directories of local path packages: every file inside counts."""
    problem: str | None = None
    """Why the inputs could not be read (then the service is always affected)."""
    tests: tuple[str, ...] = ()
    """Its test directories and files (configurable, so they may lie outside its directory)."""


@dataclass(frozen=True)
class GlobalChange:
    """A path that affects every service changed."""

    path: str


@dataclass(frozen=True)
class OwnFile:
    """A file under the service's directory changed."""

    path: str


@dataclass(frozen=True)
class InputFile:
    """A file outside the service that feeds one of its locks changed."""

    path: str


@dataclass(frozen=True)
class LocalPackageFile:
    """A file inside a local path package the service installs changed."""

    path: str
    package: str


@dataclass(frozen=True)
class ServiceTestsFile:
    """A file of the service's tests, outside its directory, changed."""

    path: str


@dataclass(frozen=True)
class SharedTestConfig:
    """A pytest configuration file in a directory above the service (or its tests) changed."""

    path: str


@dataclass(frozen=True)
class UnreadableInputs:
    """The service's inputs cannot be read now; it is included so that its jobs report why."""

    problem: str


@dataclass(frozen=True)
class Everything:
    """No base was given: every service is selected."""


Reason = (
    GlobalChange
    | OwnFile
    | InputFile
    | LocalPackageFile
    | ServiceTestsFile
    | SharedTestConfig
    | UnreadableInputs
    | Everything
)


@dataclass(frozen=True)
class AffectedService:
    """A selected service and why (the first few reasons)."""

    name: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RemovedService:
    """A service directory that existed at the base and is gone now."""

    directory: str
    renamed_to: str | None = None


@dataclass(frozen=True)
class Affected:
    """The outcome: affected services (sorted by name) and removed ones."""

    services: tuple[AffectedService, ...]
    removed: tuple[RemovedService, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the affected services."""
        return tuple(s.name for s in self.services)


MAX_REASONS = 3


def describe(reason: Reason) -> str:
    """Human words for *reason*."""
    match reason:
        case GlobalChange(path=path):
            return f"{path} changed (affects every service)"
        case OwnFile(path=path):
            return f"{path} changed"
        case InputFile(path=path):
            return f"input {path} changed"
        case LocalPackageFile(path=path, package=package):
            return f"{path} changed (local package {package})"
        case ServiceTestsFile(path=path):
            return f"{path} changed (tests)"
        case SharedTestConfig(path=path):
            return f"{path} changed (test configuration above the service)"
        case UnreadableInputs(problem=problem):
            return f"inputs cannot be read: {problem}"
        case Everything():
            return "every service selected"


def everything(services: Iterable[ServiceInputs]) -> Affected:
    """Every service, for runs without ``--changed-since``."""
    return Affected(tuple(AffectedService(s.name, (Everything(),)) for s in sorted_by_name(services)), ())


def affected_services(
    changes: tuple[PathChange, ...],
    services: tuple[ServiceInputs, ...],
    *,
    global_paths: tuple[str, ...],
    service_globs: tuple[str, ...],
) -> Affected:
    """The services *changes* affect, and the service directories they removed."""
    ordered = sorted_by_name(services)
    reasons: dict[str, list[Reason]] = {s.name: [] for s in ordered}
    for service in ordered:
        if service.problem is not None:
            reasons[service.name].append(UnreadableInputs(service.problem))
    paths = sorted({p for change in changes for p in change.paths()})
    global_hits = [p for p in paths if matches_any(p, global_paths)]
    if global_hits:
        for service in ordered:
            reasons[service.name][:0] = [GlobalChange(p) for p in global_hits[:MAX_REASONS]]
    else:
        index = _Index(ordered)
        for path in paths:
            for name, reason in index.hits(path):
                if len(reasons[name]) < MAX_REASONS:
                    reasons[name].append(reason)
    affected = tuple(AffectedService(name, tuple(r)) for name, r in reasons.items() if r)
    return Affected(affected, removed_services(changes, ordered, service_globs))


def removed_services(
    changes: tuple[PathChange, ...], services: tuple[ServiceInputs, ...], service_globs: tuple[str, ...]
) -> tuple[RemovedService, ...]:
    """Service directories whose ``requirements.in`` was deleted or moved away."""
    current = {s.directory: s.name for s in services}
    removed: dict[str, RemovedService] = {}
    for change in changes:
        if change.status not in {"D", "R"}:
            continue
        old = change.old_path if change.status == "R" else change.path
        if old is None:
            continue
        directory, _, base = old.rpartition("/")
        if base != MAIN_INPUT or directory in current or not _is_service_dir(directory, service_globs):
            continue
        renamed_to = None
        if change.status == "R":
            new_dir, _, new_base = change.path.rpartition("/")
            if new_base == MAIN_INPUT and new_dir in current:
                renamed_to = current[new_dir]
        removed[directory] = RemovedService(directory, renamed_to)
    return tuple(removed[d] for d in sorted(removed))


def sorted_by_name(services: Iterable[ServiceInputs]) -> tuple[ServiceInputs, ...]:
    """*services* ordered by name."""
    return tuple(sorted(services, key=lambda s: s.name))


class _Index:
    """Path -> services lookups in O(depth) per changed path, for thousands of services."""

    def __init__(self, services: tuple[ServiceInputs, ...]) -> None:
        self.files: dict[str, list[str]] = {}
        self.dirs: dict[str, list[tuple[str, str | None]]] = {}
        self.tests: dict[str, list[str]] = {}
        for service in services:
            self.dirs.setdefault(service.directory.rstrip("/"), []).append((service.name, None))
            for tree in service.trees:
                self.dirs.setdefault(tree.rstrip("/"), []).append((service.name, tree))
            for path in service.files:
                self.files.setdefault(path, []).append(service.name)
            for path in service.tests:
                self.tests.setdefault(path.rstrip("/"), []).append(service.name)
        self.locations = [
            (service.name, tuple(p.rstrip("/") for p in (service.directory, *service.tests)))
            for service in services
        ]

    def hits(self, path: str) -> list[tuple[str, Reason]]:
        found: list[tuple[str, Reason]] = []
        seen: set[str] = set()
        parts = path.split("/")
        for depth in range(len(parts) - 1, 0, -1):
            for name, package in self.dirs.get("/".join(parts[:depth]), ()):
                if name not in seen:
                    seen.add(name)
                    found.append(
                        (name, OwnFile(path) if package is None else LocalPackageFile(path, package))
                    )
        for name in self.files.get(path, ()):
            if name not in seen:
                seen.add(name)
                found.append((name, InputFile(path)))
        for depth in range(len(parts), 0, -1):
            for name in self.tests.get("/".join(parts[:depth]), ()):
                if name not in seen:
                    seen.add(name)
                    found.append((name, ServiceTestsFile(path)))
        if parts[-1] in TEST_CONFIG_FILES:
            found += self.below(path, "/".join(parts[:-1]), seen)
        return found

    def below(self, path: str, directory: str, seen: set[str]) -> list[tuple[str, Reason]]:
        """Services whose directory or tests lie inside *directory*, besides those *seen*."""
        return [
            (name, SharedTestConfig(path))
            for name, locations in self.locations
            if name not in seen and any(_below(location, directory) for location in locations)
        ]


def _below(location: str, directory: str) -> bool:
    """Whether *location* lies inside *directory* (``""``: the root)."""
    return not directory or location.startswith(directory + "/")


def matches_any(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether *path* is one of *patterns* (a trailing ``/`` matches the whole directory)."""
    for pattern in patterns:
        if pattern.endswith("/"):
            if path.startswith(pattern):
                return True
        elif path == pattern or fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def _is_service_dir(directory: str, globs: tuple[str, ...]) -> bool:
    depth = directory.count("/")
    return any(
        fnmatch.fnmatchcase(directory, glob) and ("**" in glob or glob.rstrip("/").count("/") == depth)
        for glob in globs
    )
