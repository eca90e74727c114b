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
import sys
from importlib import metadata
from pathlib import Path

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
    location = root / TOOLS_DIR / f"{purpose}-py{python}"
    stamp = location / "nox-support-tools.txt"
    wanted = "\n".join(f"{name}=={distribution_version(name)}" for name in packages) + "\n"
    with exclusive(location.with_suffix(".lock"), timeout=600, what=f"tool venv {location.name}"):
        if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
            return str(_bin(location) / "python")
        backend = venv_backend()
        _create(location, python, backend)
        interpreter = str(_bin(location) / "python")
        uv = _compat.uv_binary()
        if backend == "uv" and uv:  # uv venvs have no pip
            installer: tuple[str, ...] = (uv, "pip", "install", "--quiet", "--python", interpreter)
        else:
            installer = (interpreter, "-m", "pip", "install", "--quiet")
        cmd.run((*installer, *wanted.split()))
        stamp.write_text(wanted, encoding="utf-8")
    return str(_bin(location) / "python")


def _create(location: Path, python: str, backend: str) -> None:
    try:
        _compat.create_tool_venv(location, python, backend)
    except Exception as exc:  # nox raises its own types for missing interpreters
        msg = f"cannot create a Python {python} tool environment at {location}: {exc}"
        raise ToolEnvError(
            msg, hint=f"install Python {python}, or set the service's target Python to {running_python()}"
        ) from exc


def _bin(location: Path) -> Path:
    return location / ("Scripts" if sys.platform == "win32" else "bin")
