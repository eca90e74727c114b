"""Verifying a restored venv whole: ``pyvenv.cfg``, ``bin/`` and every start-up hook, then RECORDs.

A venv restored from a cache runs code from more places than ``site-packages``: ``pyvenv.cfg``
says where the standard library is (``home``) and whether the machine's ``site-packages`` join
``sys.path``; ``bin/`` is first on ``PATH`` in a session; a ``sitecustomize``/``usercustomize``
module or a ``.pth`` file anywhere on ``sys.path`` runs at every start.  :func:`verify` checks:

- ``pyvenv.cfg`` (read as Python reads it: keys in any case, the last one wins): ``home`` is the
  directory of the interpreter ``bin/python`` is, outside the venv, and
  ``include-system-site-packages = false``;
- ``bin/``: every entry is a script some RECORD lists or one the venv tool creates (``python*``,
  ``activate*``), and every ``python*`` there is that same interpreter;
- start-up hooks: no ``sitecustomize``, ``usercustomize`` or ``.pth`` anywhere in the venv that no
  RECORD lists (the venv tool's ``_virtualenv.pth`` holds exactly ``import _virtualenv``);

after every file of ``site-packages`` is checked against its RECORD
(:func:`nox_support.venv.record.verify`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from nox_support.venv import record

VENV_TOOL_SCRIPTS = frozenset(
    {
        "activate",
        "activate.bat",
        "activate.csh",
        "activate.fish",
        "activate.nu",
        "activate.ps1",
        "Activate.ps1",
        "activate.xsh",
        "activate_this.py",
        "deactivate.bat",
        "deactivate.csh",
        "deactivate.nu",
        "pydoc.bat",
    }
)
"""What ``venv``, ``virtualenv`` and ``uv venv`` put in ``bin/`` besides the interpreter."""
VIRTUALENV_HOOK = "_virtualenv.pth"
VIRTUALENV_HOOK_TEXT = "import _virtualenv"
_HOOK_MODULES = frozenset({"sitecustomize", "usercustomize"})


def verify(location: Path, site: Path, expected: record.Fingerprint) -> tuple[str, ...]:
    """Everything that differs from a venv the venv tool and the installers made (empty: intact)."""
    listed = record.listed_paths(location, site)
    return (
        *record.verify(location, site, expected),
        *pyvenv_problems(location),
        *bin_problems(location, listed),
        *hook_problems(location, site, listed),
    )


def read_pyvenv_cfg(location: Path) -> dict[str, str] | None:
    """``pyvenv.cfg`` as Python's start-up reads it: keys lower-cased, the last occurrence wins."""
    try:
        text = (location / "pyvenv.cfg").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals:
            values[key.strip().lower()] = value.strip()
    return values


def pyvenv_problems(location: Path) -> tuple[str, ...]:
    """What is wrong with ``pyvenv.cfg``: ``home`` and ``include-system-site-packages``."""
    cfg = read_pyvenv_cfg(location)
    if cfg is None:
        return ("pyvenv.cfg is missing or unreadable",)
    problems = []
    system_site = cfg.get("include-system-site-packages")
    if system_site is None or system_site.lower() != "false":
        problems.append(
            f"pyvenv.cfg: include-system-site-packages = {system_site} (must be false: the site-packages "
            "of the machine would join sys.path)"
        )
    problems += _home_problems(location, cfg.get("home"))
    return tuple(problems)


def _home_problems(location: Path, home: str | None) -> list[str]:
    if not home:
        return ["pyvenv.cfg names no home (the interpreter's directory)"]
    real_home = Path(home).resolve()
    if real_home.is_relative_to(location.resolve()):
        return [
            f"pyvenv.cfg: home = {home} points into the venv (the standard library would come from the venv)"
        ]
    interpreter = _interpreter(location)
    if interpreter is None:
        return ["bin/python is missing"]
    if not any(
        _same_interpreter(candidate, interpreter) for candidate in _home_pythons(real_home, interpreter)
    ):
        return [f"pyvenv.cfg: home = {home} is not the directory of the interpreter of the venv"]
    return []


def _interpreter(location: Path) -> Path | None:
    python = location / "bin" / "python"
    try:
        return python.resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _home_pythons(home: Path, interpreter: Path) -> list[Path]:
    names = {interpreter.name, "python", "python3"}
    return [home / name for name in sorted(names)]


def _same_interpreter(candidate: Path, interpreter: Path) -> bool:
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    if real == interpreter:
        return True
    # A venv made with copies: its interpreter is a copy of home's.
    digest = _digest(interpreter)
    return digest is not None and _digest(real) == digest


def bin_problems(location: Path, listed: frozenset[str]) -> tuple[str, ...]:
    """Entries of ``bin/`` that no RECORD lists and the venv tool does not create."""
    directory = location / "bin"
    try:
        names = sorted(os.listdir(directory))  # noqa: PTH208 - names, not a Path per entry
    except OSError:
        return ()
    interpreter = _interpreter(location)
    problems = []
    for name in names:
        path = directory / name
        if f"bin/{name}" in listed or name in VENV_TOOL_SCRIPTS:
            continue
        if name.startswith("python") and interpreter is not None and _is_venv_python(path, interpreter):
            continue
        problems.append(f"bin/{name} is neither listed in a RECORD nor made by the venv tool")
    return tuple(problems)


def _is_venv_python(path: Path, interpreter: Path) -> bool:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real == interpreter or (path.is_symlink() and real.parent == interpreter.parent)


def hook_problems(location: Path, site: Path, listed: frozenset[str]) -> tuple[str, ...]:
    """``sitecustomize``/``usercustomize`` modules and ``.pth`` files in the venv no RECORD lists."""
    problems = []
    for directory, dirnames, filenames in os.walk(location):
        dirnames.sort()
        here = Path(directory)
        for name in sorted([*filenames, *dirnames]):
            if not _is_hook(name):
                continue
            relative = (here / name).relative_to(location).as_posix()
            if relative in listed or any(item.startswith(f"{relative}/") for item in listed):
                continue
            if here == site and name == VIRTUALENV_HOOK and _text(here / name) == VIRTUALENV_HOOK_TEXT:
                continue
            problems.append(f"{relative} runs at every start and no RECORD lists it")
    return tuple(problems)


def _is_hook(name: str) -> bool:
    return name.endswith(".pth") or name.split(".", 1)[0] in _HOOK_MODULES


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
