"""Interpreters for tools that must run under a service's target Python.

When the target Python is the one running Nox, the tools installed next to
nox-support are used directly (no venv, no install).  Otherwise a tool venv
is created on first need by Nox's own ``VirtualEnv`` (through
:mod:`nox_support._compat`; with uv, a dependency of nox-support), reused
afterwards, and given the newest release *of the series* installed here that
supports the target Python (``pip-tools>=7,<8`` next to pip-tools 7.7.0: 7.5.2
on Python 3.8, 7.6.2 on 3.9).  The digest records only the series
(``compiler=pip-tools==7.*``), so a lock stays fresh across hosts; the
release that really compiled it is ``compiled-by``, read back from the venv.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support import _compat
from nox_support.core import cmd
from nox_support.core.errors import CommandError, NoxSupportError
from nox_support.core.filelock import exclusive
from nox_support.discovery import running_python
from nox_support.indexconfig import read_index_config, uv_arguments, uv_environment
from nox_support.interpreters import Searched, find_interpreter, missing_error, without_downloads
from nox_support.lock.digest import compiler_series

TOOLS_DIR = Path(".nox") / "_tools"
STAMP_NAME = "nox-support-tools.txt"
_INSTALLED = "# installed: "


class ToolEnvError(NoxSupportError):
    """A tool environment could not be created."""


@dataclass(frozen=True)
class ToolPython:
    """An interpreter that can run the tools, and the exact releases it runs them from."""

    executable: str
    releases: tuple[str, ...]
    """``name==version`` of each tool, as installed for this interpreter."""


@functools.cache
def distribution_version(name: str) -> str:
    """Installed version of the distribution *name* in this environment.

    Cached per process: it is part of every lock's digest, so a no-op run
    would otherwise read package metadata once per layer.
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError as exc:
        msg = f"{name} is not installed next to nox-support"
        raise ToolEnvError(msg, hint=f"pip install {name}") from exc


def series_requirement(release: str) -> str:
    """What a tool venv installs for *release* (``name==version``) of this environment (pure).

    Any release of the series the digest records (:func:`~nox_support.lock.digest.compiler_series`):
    ``pip-tools==7.7.0`` gives ``pip-tools>=7,<8``, ``uv==0.13.9`` gives ``uv>=0.13,<0.14``.  The
    installer then takes the newest release whose ``Requires-Python`` admits the target
    Python, with the dependencies (pip) that release needs there.  A version that is not
    ``major.minor...`` stays exact.
    """
    name, _, version = compiler_series(release).partition("==")
    if not version.endswith(".*"):
        return release
    parts = [int(part) for part in version.removesuffix(".*").split(".")]
    upper = [*parts[:-1], parts[-1] + 1]
    return f"{name}>={'.'.join(map(str, parts))},<{'.'.join(map(str, upper))}"


def venv_backend() -> str:
    """``uv`` when it can be found (it is a dependency; much faster), else ``virtualenv``."""
    return "uv" if _compat.uv_binary() else "virtualenv"


def tool_venv(root: Path, python: str, purpose: str) -> Path:
    """Where the tool venv of *purpose* for Python *python* lives."""
    return root / TOOLS_DIR / f"{purpose}-py{python}"


def python_for(root: Path, python: str, *, purpose: str, packages: tuple[str, ...]) -> ToolPython:
    """An interpreter of version *python* that can import *packages* (distribution names)."""
    if python == running_python():
        return ToolPython(sys.executable, tuple(f"{n}=={distribution_version(n)}" for n in packages))
    interpreter = find_interpreter(python)
    if isinstance(interpreter, Searched):
        raise missing_error(interpreter)
    location = tool_venv(root, python, purpose)
    wanted = tuple(series_requirement(f"{name}=={distribution_version(name)}") for name in packages)
    with exclusive(location.with_suffix(".lock"), timeout=600, what=f"tool venv {location.name}"):
        stamped = read_stamp(location)
        if stamped is not None and stamped.requirements == wanted:
            return ToolPython(str(_bin(location) / "python"), stamped.releases)
        backend = venv_backend()
        _create(location, str(interpreter), python, backend)
        tool_python = str(_bin(location) / "python")
        _install(tool_python, wanted, python, backend)
        releases = installed_releases(location, packages)
        (location / STAMP_NAME).write_text(
            "".join(f"{line}\n" for line in wanted) + "".join(f"{_INSTALLED}{r}\n" for r in releases),
            encoding="utf-8",
        )
    return ToolPython(tool_python, releases)


@dataclass(frozen=True)
class ToolStamp:
    """What a tool venv was made with (its ``nox-support-tools.txt``)."""

    requirements: tuple[str, ...]
    """What was asked for (``pip-tools>=7,<8``)."""
    releases: tuple[str, ...]
    """What the installer chose (``pip-tools==7.5.2``)."""


def read_stamp(location: Path) -> ToolStamp | None:
    """What the tool venv at *location* was made with, or ``None`` (none yet, or unusable)."""
    try:
        lines = (location / STAMP_NAME).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    releases = tuple(line.removeprefix(_INSTALLED) for line in lines if line.startswith(_INSTALLED))
    requirements = tuple(line for line in lines if line and not line.startswith("#"))
    if not releases or not (_bin(location) / "python").exists():
        return None
    return ToolStamp(requirements, releases)


def installed_releases(location: Path, packages: tuple[str, ...]) -> tuple[str, ...]:
    """``name==version`` of each of *packages* installed in the venv at *location*."""
    found: dict[str, str] = {}
    for info in [
        *location.glob("lib/python*/site-packages/*.dist-info"),
        *location.glob("Lib/site-packages/*.dist-info"),
    ]:
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found[canonicalize_name(name)] = version
    releases = []
    for package in packages:
        installed = found.get(canonicalize_name(package))
        if installed is None:
            msg = f"{package} is missing from the tool environment at {location} after installing it"
            raise ToolEnvError(msg, hint=f"delete {location} and run the session again")
        releases.append(f"{package}=={_plain(installed)}")
    return tuple(releases)


def _plain(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _install(tool_python: str, wanted: tuple[str, ...], python: str, backend: str) -> None:
    uv = _compat.uv_binary()
    env = without_downloads(cmd.clean_env())
    if backend == "uv" and uv:  # uv venvs have no pip
        # pip's index configuration, as pip would install them; no uv.toml of the repository applies.
        index = read_index_config("pip-tools")
        installer: tuple[str, ...] = (
            uv,
            "pip",
            "install",
            *uv_arguments(index),
            "--quiet",
            "--python",
            tool_python,
        )
        env = uv_environment(index, env)
    else:
        installer = (tool_python, "-m", "pip", "install", "--quiet")
    try:
        cmd.run((*installer, *wanted), env=env)
    except CommandError as exc:
        msg = f"cannot install {' '.join(wanted)} for Python {python}: {exc.message}"
        raise ToolEnvError(
            msg,
            hint=f"no release of that series may support Python {python} (Requires-Python): set "
            'compiler = "uv" (it needs no tool environment) or raise the service\'s target Python; '
            "otherwise check that the installer can reach its index",
        ) from exc


def _create(location: Path, interpreter: str, python: str, backend: str) -> None:
    try:
        _compat.create_tool_venv(location, interpreter, backend)
    except Exception as exc:  # nox raises its own types for missing interpreters
        msg = f"cannot create a Python {python} tool environment at {location}: {exc}"
        raise ToolEnvError(
            msg, hint=f"install Python {python}, or set the service's target Python to {running_python()}"
        ) from exc


def _bin(location: Path) -> Path:
    return location / ("Scripts" if sys.platform == "win32" else "bin")
