"""Writing reports and CI output files: whole or not at all, with one clear error.

Reports (``reports/audit/<service>.json``, ``reports/audit.md`` ...) are replaced atomically
through :mod:`nox_support.atomic`, so a planted symlink is replaced, not written through.
Files that CI owns and other steps append to (``$GITHUB_STEP_SUMMARY``, ``$GITHUB_OUTPUT``,
``--summary``, ``--markdown``) are appended to in one write; when that fails (disk full, a
directory, no permission) the file is cut back to its old length.  Either way the caller gets
an :class:`OutputError` naming the file and the cause, never a traceback.

Directories are created through :func:`nox_support.outputs.output_dir`, so ``reports/`` ignores
itself in git whichever writer creates it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from nox_support import atomic
from nox_support.outputs import OutputError, output_dir
from nox_support.paths import display_path


def write_report(path: Path, text: str, *, root: Path) -> None:
    """Replace *path* (a report under *root*) with *text* atomically."""
    try:
        output_dir(root, path.parent)
        atomic.write_text(path, text)
    except OSError as exc:
        shown = display_path(path, root)
        msg = f"cannot write {shown}: {_reason(exc)}"
        raise OutputError(
            msg, hint=f"make {display_path(path.parent, root)} writable, then run again"
        ) from None


def append_text(path: Path, text: str, *, what: str) -> None:
    """Append *text* to *path* (named *what* in messages) in one piece, or not at all."""
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise _append_error(path, what, exc) from None
    try:
        size = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise _append_error(path, what, exc) from None
    finally:
        os.close(fd)


def _append_error(path: Path, what: str, exc: OSError) -> OutputError:
    msg = f"cannot append to {what} {path}: {_reason(exc)}"
    return OutputError(msg, hint=f"{what} must name a writable file (nothing was written to it)")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
