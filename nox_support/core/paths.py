"""How nox-support names a file to users: relative to a base directory when it lies inside."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path, base: Path) -> str:
    """*path* relative to *base* as a POSIX string, or *path* itself when it lies outside.

    The path as given is tried first (cheap, and it keeps the names a user sees when a
    directory is a symlink); only then both sides are resolved.
    """
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
