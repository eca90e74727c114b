"""Where a service's target Python is found: one lookup for every session.

``lock`` (the pip-tools tool venv), ``audit``, ``tests``, ``sbom`` and
``licenses`` all use :func:`find_interpreter`: the Python running Nox when it
is the target version, else ``pythonX.Y`` on PATH (pyenv and asdf shims
skipped), else the newest install of that version in pyenv's, asdf's and uv's
install directories.  Nox is handed the path found here, never a bare
version, so that it neither looks elsewhere nor downloads an interpreter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from nox_support.core.errors import NoxSupportError
from nox_support.discovery import running_python

NO_DOWNLOADS = ("UV_PYTHON_DOWNLOADS", "never")
"""The variable that keeps uv (Nox's venv backend, ``uv pip``) from downloading a CPython."""


class InterpreterNotFoundError(NoxSupportError):
    """A service's target Python is installed in none of the places searched."""


@dataclass(frozen=True)
class Searched:
    """Where an interpreter was looked for and not found."""

    python: str
    places: tuple[str, ...]


def find_interpreter(
    python: str,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    running: tuple[str, Path] | None = None,
) -> Path | Searched:
    """The interpreter of version *python* (``X.Y``), or where it was looked for.

    *running* is ``(version, executable)`` of the Python running Nox (default: this
    process), used when it is the target version.  pyenv and asdf shims on PATH are
    skipped: a shim of a version that is not selected fails when run.
    """
    current_version, current = running or (running_python(), Path(sys.executable))
    if python == current_version:
        return current
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    executable = f"python{python}"
    path_dirs = [
        Path(d) for d in env.get("PATH", os.defpath).split(os.pathsep) if d and Path(d).name != "shims"
    ]
    found = next((d / executable for d in path_dirs if _runnable(d / executable)), None)
    if found is not None:
        return found
    pyenv = Path(env.get("PYENV_ROOT") or home / ".pyenv") / "versions"
    asdf = Path(env.get("ASDF_DATA_DIR") or home / ".asdf") / "installs" / "python"
    uv_root = Path(
        env.get("UV_PYTHON_INSTALL_DIR")
        or Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "uv" / "python"
    )
    for directory, pattern in (
        (pyenv, f"{python}.*"),
        (asdf, f"{python}.*"),
        (uv_root, f"cpython-{python}.*"),
    ):
        candidates = [p for p in _glob(directory, f"{pattern}/bin/{executable}") if _runnable(p)]
        if candidates:
            return max(candidates, key=_install_version)
    return Searched(
        python,
        (
            f"{executable} on PATH (shims skipped)",
            f"{pyenv}/{python}.*",
            f"{asdf}/{python}.*",
            f"{uv_root}/cpython-{python}.*",
        ),
    )


def require_interpreter(python: str, *, service: str | None = None) -> Path:
    """The interpreter of version *python*; :class:`InterpreterNotFoundError` naming where it looked."""
    found = find_interpreter(python)
    if isinstance(found, Searched):
        raise missing_error(found, service=service)
    return found


def interpreter_error(python: str, *, service: str) -> InterpreterNotFoundError | None:
    """Why *service* cannot have a venv of Python *python* (it is installed nowhere), or ``None``."""
    found = find_interpreter(python)
    return missing_error(found, service=service) if isinstance(found, Searched) else None


def missing_error(searched: Searched, *, service: str | None = None) -> InterpreterNotFoundError:
    """The error for an interpreter that is nowhere: what, where it was looked for, how to provide it."""
    python = searched.python
    whose = f"service {service!r} targets Python {python}, which" if service else f"Python {python}"
    msg = f"{whose} is not installed; looked for " + ", ".join(searched.places)
    return InterpreterNotFoundError(
        msg,
        hint=f"install it (pyenv install {python}, uv python install {python} or the system's package), "
        f"or set the service's target Python to one that is installed (this one is {running_python()}); "
        "nox-support never downloads interpreters",
    )


def without_downloads(environ: Mapping[str, str]) -> dict[str, str]:
    """*environ* with uv's interpreter downloads off, unless the user set the variable (pure)."""
    name, value = NO_DOWNLOADS
    return {**environ, name: environ.get(name) or value}


def _glob(directory: Path, pattern: str) -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _install_version(interpreter: Path) -> tuple[Version, str]:
    """``3.9.18`` of ``.../3.9.18/bin/python3.9`` or ``.../cpython-3.9.18-linux-x86_64-gnu/bin/...``."""
    words = interpreter.parent.parent.name.removeprefix("cpython-").split("-")
    try:
        return Version(words[0]), str(interpreter)
    except InvalidVersion:
        return Version("0"), str(interpreter)
