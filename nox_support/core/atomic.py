"""Writing a file so that readers see the old content or the new one, never a half.

Every file nox-support writes for the user (locks, reports, cache entries) goes through
:func:`write_text`: the content goes to a temporary sibling, is flushed to disk, gets the
permissions a plain ``open()`` would have given it (the umask's, or the old file's), and is then
renamed over the target.  Renaming replaces a symlink planted at the target instead of writing
through it, so a link at ``reports/audit.md`` cannot redirect the write to another file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

#: Prefix of every temporary file nox-support creates next to a target (cleanup looks for it).
TEMP_PREFIX = ".nox-support-"


def umask() -> int:
    """The process umask (read without changing it for longer than two calls)."""
    current = os.umask(0)
    os.umask(current)
    return current


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666`` less the umask."""
    return 0o666 & ~umask()


def temporary_sibling(path: Path) -> Path:
    """A fresh, unique, empty temporary file next to *path* (same filesystem: rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def write_bytes(path: Path, data: bytes) -> None:
    """Replace *path* with *data* atomically (see the module docstring)."""
    temp = temporary_sibling(path)
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def write_text(path: Path, text: str) -> None:
    """Replace *path* with *text* (UTF-8, newline line endings) atomically."""
    write_bytes(path, text.encode("utf-8"))


def _mode_for(path: Path) -> int:
    # The old file's permissions when a regular file is replaced; a symlink's target is not ours.
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return new_file_mode()
    if stat.S_ISLNK(status.st_mode):
        return new_file_mode()
    return stat.S_IMODE(status.st_mode)
