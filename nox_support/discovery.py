"""Find the services of a monorepo, and where each keeps its tests.

A service is a directory matched by one of the configured globs that holds a
``requirements.in``, or a ``pyproject.toml`` with ``[project] dependencies`` (then each
``[dependency-groups]`` group and ``[project.optional-dependencies]`` extra is a layer).
Layered inputs (``requirements-<layer>.in``) are compiled against the service's main lock.
A service is named after its directory, or with ``service_names = "path"`` after its path
from the root (``orders/src/validate`` -> ``orders-src-validate``).
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nox_support.config import (
    DEFAULT_TEST_LAYERS,
    DEFAULT_TESTS,
    ServiceNaming,
    Settings,
    closest,
    normalize_python_version,
)
from nox_support.core import repofiles
from nox_support.core.errors import ConfigError, DiscoveryError
from nox_support.core.paths import Listing, files_in, is_within, real_path, relative_posix
from nox_support.lock import pyproject_inputs as pp
from nox_support.lock.locknames import lock_file_name
from nox_support.lock.uv_workspace import read_toml

SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
MAIN_INPUT = "requirements.in"
RUNNING_INTERPRETER = "running interpreter"
""":attr:`Service.python_source` when no target Python is configured."""
_NOTE_NAMES = 5
"""Services named in the default-Python note before "and N more"."""
_LAYER_INPUT = re.compile(r"requirements-([A-Za-z0-9][A-Za-z0-9._-]*)\.in\Z")


@dataclass(frozen=True)
class Layer:
    """One requirements input of a service and the lock it compiles to."""

    name: str
    source: Path
    lock: Path
    constrained_by: Path | None = None
    """The main lock that pins this layer (``-c``); ``None`` for the main layer."""
    section: pp.Section | None = None
    """Where in ``source`` (a ``pyproject.toml``) the requirements are; ``None``: ``source`` is a
    requirements file."""


@dataclass(frozen=True)
class LocationOfTests:
    """Where a service's tests are looked for."""

    relative: str = DEFAULT_TESTS
    """A path or glob relative to the service's directory, as configured (``../tests/unit``)."""
    setting: str | None = None
    """The setting that chose it, for messages; ``None`` for the default."""


@dataclass(frozen=True)
class Service:
    """A discovered service."""

    name: str
    directory: Path
    relpath: str
    python: str
    python_source: str
    layers: tuple[Layer, ...]
    tests: LocationOfTests = field(default_factory=LocationOfTests)
    test_layers: tuple[str, ...] = DEFAULT_TEST_LAYERS
    """The layers ``tests(<service>)`` installs next to the main lock."""
    unused_pyproject: bool = False
    """A ``pyproject.toml`` with ``[project] dependencies`` sits next to ``requirements.in``, which wins."""

    @property
    def main(self) -> Layer:
        """The main layer (``requirements.in`` or ``[project] dependencies``)."""
        return self.layers[0]

    @property
    def tests_pattern(self) -> str:
        """The tests path or glob relative to the repository root (``orders/tests/unit``)."""
        return posixpath.normpath(f"{self.relpath}/{self.tests.relative}")


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
    collided = ""
    for directory, files in _candidate_dirs(root, settings.service_globs):
        rel = relative_posix(os.fspath(directory), os.fspath(root))
        name = service_name(rel, settings.service_names)
        real = real_path(directory, os.fspath(root))
        if not is_within(real, os.fspath(root)):
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
            collided = collided or rel
            continue
        tests = _tests_location(name, settings)
        if posixpath.normpath(f"{rel}/{tests.relative}").split("/", 1)[0] == "..":
            problems.append(
                f"{rel}: tests = {tests.relative!r} leads outside the repository; "
                "point it at a directory inside the repository"
            )
            continue
        found[name] = _service(directory, rel, tests, settings, files)
    if problems:
        msg = "invalid service directories:\n  " + "\n  ".join(problems)
        hint = "see [tool.nox_support] service_globs in pyproject.toml"
        if collided and settings.service_names == "directory":
            hint = (
                'to keep the directories, set [tool.nox_support] service_names = "path" to name services '
                f"by their path ({collided} -> {service_name(collided, 'path')}); {hint}"
            )
        raise DiscoveryError(msg, hint=hint)
    _check_overrides(root, settings, found.values())
    return tuple(found[n] for n in sorted(found))


def service_name(relpath: str, naming: ServiceNaming) -> str:
    """The name of the service at *relpath* (POSIX, relative to the root) under *naming* (pure)."""
    if naming == "path":
        return relpath.replace("/", "-")
    return relpath.rpartition("/")[2]


def _check_overrides(root: Path, settings: Settings, services: Iterable[Service]) -> None:
    """Every ``[tool.nox_support.services.<name>]`` must name a discovered service."""
    services = tuple(services)
    names = [s.name for s in services]
    for key in settings.services:
        if key in names:
            continue
        same_directory = [s.name for s in services if s.directory.name == key]
        close = closest(key, names)
        if same_directory:
            hint = f"services are named by their path: did you mean {' or '.join(map(repr, same_directory))}?"
        elif close:
            hint = f"did you mean {close!r}?"
        else:
            hint = f"services: {', '.join(names) or 'none'}"
        msg = f"{root / 'pyproject.toml'}: [tool.nox_support.services.{key}] names no service"
        raise ConfigError(msg, hint=hint)


def _tests_location(name: str, settings: Settings) -> LocationOfTests:
    override = settings.services.get(name)
    if override is not None and override.tests is not None:
        return LocationOfTests(
            override.tests, f"[tool.nox_support.services.{name}] tests = {override.tests!r}"
        )
    if settings.tests != DEFAULT_TESTS:
        return LocationOfTests(settings.tests, f"[tool.nox_support] tests = {settings.tests!r}")
    return LocationOfTests()


def _candidate_dirs(root: Path, globs: tuple[str, ...]) -> list[tuple[Path, Listing]]:
    """The directories matched that hold a service's inputs, each with its listing (:func:`files_in`)."""
    seen: set[Path] = set()
    out: list[tuple[Path, Listing]] = []
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if path in seen:
                continue
            files = files_in(path)
            if not files.get(MAIN_INPUT) and _pyproject_service(path, root, files) is None:
                continue
            seen.add(path)
            out.append((path, files))
    return out


def _pyproject_service(directory: Path, root: Path, files: Listing) -> Mapping[str, object] | None:
    """The parsed ``pyproject.toml`` of *directory* when it declares ``[project] dependencies``."""
    if not files.get(pp.PYPROJECT):
        return None
    path = directory / pp.PYPROJECT
    data = read_toml(path, path.relative_to(root).as_posix(), root)
    return data if pp.declares_dependencies(data) else None


def _service(
    directory: Path, rel: str, tests: LocationOfTests, settings: Settings, files: Listing
) -> Service:
    name = service_name(rel, settings.service_names)
    python, source = _target_python(directory, rel, name, settings, files)
    main_lock = directory / lock_file_name("main", settings.lock_format)
    unused_pyproject = False
    if files.get(MAIN_INPUT):
        layers = [Layer("main", directory / MAIN_INPUT, main_lock)]
        # One listing, not a glob per service; sorted as sorted(glob("requirements-*.in")) would be.
        matches = filter(None, map(_LAYER_INPUT.match, files))
        for match in sorted(matches, key=lambda m: os.path.normcase(m.group(0))):
            layer = match.group(1)
            lock = directory / lock_file_name(layer, settings.lock_format)
            layers.append(Layer(layer, directory / match.group(0), lock, constrained_by=main_lock))
        try:
            unused_pyproject = _pyproject_service(directory, _root(directory, rel), files) is not None
        except DiscoveryError:
            unused_pyproject = False  # requirements.in wins anyway; the broken file is not an input
    else:
        pyproject = directory / pp.PYPROJECT
        data = read_toml(pyproject, f"{rel}/{pp.PYPROJECT}", _root(directory, rel))
        layers = [Layer("main", pyproject, main_lock, section=pp.ProjectDependencies())]
        layers += [
            Layer(
                layer,
                pyproject,
                directory / lock_file_name(layer, settings.lock_format),
                constrained_by=main_lock,
                section=section,
            )
            for layer, section in pp.layer_sections(data, f"{rel}/{pp.PYPROJECT}")
        ]
    override = settings.services.get(name)
    test_layers = override.test_layers if override is not None and override.test_layers is not None else None
    return Service(
        name=name,
        directory=directory,
        relpath=rel,
        python=python,
        python_source=source,
        layers=tuple(layers),
        tests=tests,
        test_layers=test_layers or settings.test_layers,
        unused_pyproject=unused_pyproject,
    )


def _root(directory: Path, rel: str) -> Path:
    """The repository root of a service *directory* at *rel* (``root / rel``), asked only where needed."""
    return directory.parents[rel.count("/")]


def _target_python(directory: Path, rel: str, name: str, settings: Settings, ls: Listing) -> tuple[str, str]:
    override = settings.services.get(name)
    if override is not None and override.python:
        return override.python, "pyproject.toml [tool.nox_support.services]"
    file = ".python-version"
    version_text = (
        repofiles.read_optional_text(directory / file, _root(directory, rel)) if file in ls else None
    )
    if version_text is not None:
        first = version_text.strip().splitlines()
        version = normalize_python_version(first[0]) if first else None
        if version is None:
            shown = repofiles.excerpt(first[0] if first else "")
            msg = f"{rel}/.python-version:1: cannot read a Python version from {shown}"
            raise DiscoveryError(msg, hint='write a version such as "3.11" on the first line')
        return version, f"{rel}/.python-version"
    if settings.python:
        return settings.python, "pyproject.toml [tool.nox_support] python"
    return running_python(), RUNNING_INTERPRETER


def default_python_note(services: Iterable[Service]) -> str | None:
    """Which services get the running interpreter as target Python, and how to choose (pure)."""
    unset = [s for s in services if s.python_source == RUNNING_INTERPRETER]
    if not unset:
        return None
    names = ", ".join(s.name for s in unset[:_NOTE_NAMES])
    if len(unset) > _NOTE_NAMES:
        names += f" and {len(unset) - _NOTE_NAMES} more"
    python = unset[0].python
    return (
        f"no target Python is configured for {names}: their locks are compiled for Python {python}, "
        "the interpreter running Nox. To lock for the Python a service deploys with, set "
        '[tool.nox_support] python = "X.Y" (every service), [tool.nox_support.services.<name>] '
        "python, or a .python-version file in the service's directory."
    )


def unused_pyproject_note(services: Iterable[Service]) -> str | None:
    """Which services have both inputs, and that ``requirements.in`` wins (pure)."""
    both = [s.relpath for s in services if s.unused_pyproject]
    if not both:
        return None
    names = ", ".join(both[:_NOTE_NAMES]) + (
        f" and {len(both) - _NOTE_NAMES} more" if len(both) > _NOTE_NAMES else ""
    )
    return (
        f"{names}: requirements.in is locked; the [project] dependencies of pyproject.toml next to it are "
        "not (remove requirements.in to lock from pyproject.toml)"
    )


NO_SERVICE = "none"
"""The one parameter Nox gets when discovery finds no service: the session then fails with
:func:`no_services_error` instead of being skipped ("no parameters") with exit code 0."""


def no_services_error(settings: Settings) -> DiscoveryError:
    """The error of any session in a repository where discovery finds no service (pure)."""
    globs = ", ".join(settings.service_globs)
    msg = (
        f"no services found: no directory matching {globs} holds a requirements.in "
        "or a pyproject.toml with [project] dependencies"
    )
    return DiscoveryError(
        msg,
        hint="with hand-written requirements.txt files, run `nox-support adopt` to see the plan "
        "(`nox-support adopt --write` applies it); or set [tool.nox_support] service_globs "
        "to where the services are",
    )
