"""Interpreters for tools that must run under a service's target Python.

When the target Python is the one running Nox, the tools installed next to
nox-support are used directly (no venv, no install).  Otherwise a tool venv
is created on first need by Nox's own ``VirtualEnv`` (through
:mod:`nox_support._compat`; with uv, a dependency of nox-support), reused
afterwards, and given the *same* tool versions as this environment so
that digests (which record the tool version) agree.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.version import InvalidVersion, Version

from nox_support import _compat, cmd
from nox_support.discovery import running_python
from nox_support.errors import NoxSupportError
from nox_support.filelock import exclusive

TOOLS_DIR = Path(".nox") / "_tools"


class ToolEnvError(NoxSupportError):
    """A tool environment could not be created."""


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


def venv_backend() -> str:
    """``uv`` when it can be found (it is a dependency; much faster), else ``virtualenv``."""
    return "uv" if _compat.uv_binary() else "virtualenv"


def python_for(root: Path, python: str, *, purpose: str, packages: tuple[str, ...]) -> str:
    """An interpreter of version *python* that can import *packages* (distribution names)."""
    if python == running_python():
        return sys.executable
    interpreter = find_interpreter(python)
    if not isinstance(interpreter, Path):
        raise _missing(interpreter)
    location = root / TOOLS_DIR / f"{purpose}-py{python}"
    stamp = location / "nox-support-tools.txt"
    wanted = "\n".join(f"{name}=={distribution_version(name)}" for name in packages) + "\n"
    with exclusive(location.with_suffix(".lock"), timeout=600, what=f"tool venv {location.name}"):
        if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
            return str(_bin(location) / "python")
        backend = venv_backend()
        _create(location, str(interpreter), python, backend)
        tool_python = str(_bin(location) / "python")
        uv = _compat.uv_binary()
        if backend == "uv" and uv:  # uv venvs have no pip
            installer: tuple[str, ...] = (uv, "pip", "install", "--quiet", "--python", tool_python)
        else:
            installer = (tool_python, "-m", "pip", "install", "--quiet")
        env = cmd.clean_env()
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")  # unless the user enabled downloads
        cmd.run((*installer, *wanted.split()), env=env)
        stamp.write_text(wanted, encoding="utf-8")
    return str(_bin(location) / "python")


@dataclass(frozen=True)
class Searched:
    """Where an interpreter was looked for and not found."""

    python: str
    places: tuple[str, ...]


def find_interpreter(
    python: str, *, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> Path | Searched:
    """``pythonX.Y`` for *python*: on PATH, else the newest pyenv install, else the newest uv-managed one.

    pyenv and asdf shims on PATH are skipped (a shim of a version that is not
    selected fails when run).  Nothing is downloaded: uv only looks in the
    same places when nox-support hands it this path.
    """
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
    uv_root = env.get("UV_PYTHON_INSTALL_DIR") or str(
        Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "uv" / "python"
    )
    for candidates in (
        [p for p in _glob(pyenv, f"{python}.*/bin/{executable}") if _runnable(p)],
        [p for p in _glob(Path(uv_root), f"cpython-{python}.*/bin/{executable}") if _runnable(p)],
    ):
        if candidates:
            return max(candidates, key=_install_version)
    return Searched(
        python,
        (f"{executable} on PATH (shims skipped)", f"{pyenv}/{python}.*", f"{uv_root}/cpython-{python}.*"),
    )


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


def _missing(searched: Searched) -> ToolEnvError:
    python = searched.python
    msg = f"Python {python} is not installed; looked for " + ", ".join(searched.places)
    return ToolEnvError(
        msg,
        hint=f"install it (pyenv install {python}, uv python install {python} or the system's package), "
        f"or set the service's target Python to one that is installed (this one is {running_python()}); "
        "nox-support never downloads interpreters",
    )


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
