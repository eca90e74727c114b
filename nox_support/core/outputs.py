"""``reports/``: where sessions leave files for people and CI, kept out of git as Nox keeps ``.nox/``.

Reports are build output: a ``.gitignore`` holding ``*`` is written into ``reports/`` when it has
none, so ``git status`` stays clean without touching the repository's own ``.gitignore``.  A
repository that wants to commit its reports puts its own ``reports/.gitignore`` there (an empty
one will do); an existing file, or a link, is never replaced.

Writing reports and CI output files: whole or not at all, with one clear error.

Reports (``reports/audit/<service>.json``, ``reports/audit.md`` ...) are replaced atomically
through :mod:`nox_support.core.atomic`, so a planted symlink is replaced, not written through.
Files that CI owns and other steps append to (``$GITHUB_STEP_SUMMARY``, ``$GITHUB_OUTPUT``,
``--summary``, ``--markdown``) are appended to in one write; when that fails (disk full, a
directory, no permission) the file is cut back to its old length.  Either way the caller gets
an :class:`OutputError` naming the file and the cause, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from nox_support.core import atomic, repofiles
from nox_support.core.errors import NoxSupportError
from nox_support.core.paths import display_path

REPORTS = "reports"
"""The reports directory, relative to the repository root."""
IGNORE_EVERYTHING = "*\n"


class OutputError(NoxSupportError):
    """A report, an output file or the directory for it cannot be written."""


class OutputDirError(OutputError):
    """A directory for reports cannot be created."""


def reports_dir(root: Path, *parts: str) -> Path:
    """``root/reports/<parts>``, created (with the self-ignoring ``reports/.gitignore``)."""
    return output_dir(root, root.joinpath(REPORTS, *parts))


def output_dir(root: Path, directory: Path) -> Path:
    """Create *directory*; when it lies in ``root/reports``, ``reports/`` ignores itself in git."""
    reports = root / REPORTS
    try:
        if directory.absolute().is_relative_to(reports.absolute()):
            _refuse_links(root, reports, directory)
            reports.mkdir(parents=True, exist_ok=True)
            gitignore = reports / ".gitignore"
            if not os.path.lexists(gitignore):
                atomic.write_text(gitignore, IGNORE_EVERYTHING)
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        culprit = f"{display_path(Path(exc.filename), root)}: " if exc.filename else ""
        msg = f"cannot create {display_path(directory, root)}/: {culprit}{exc.strerror or exc}"
        raise OutputDirError(msg, hint="make the directory writable, or remove what is in its way") from None
    return directory


def _refuse_links(root: Path, reports: Path, directory: Path) -> None:
    """``reports/`` and the directories in it are real directories, never links to elsewhere."""
    relative = directory.absolute().relative_to(reports.absolute())
    for part in (reports, *(reports.joinpath(*relative.parts[: n + 1]) for n in range(len(relative.parts)))):
        if part.is_symlink():
            shown = display_path(part, root)
            msg = f"cannot write reports: {shown} is a symlink (reports are never written through a link)"
            raise OutputDirError(
                msg, hint=f"remove the link {shown}; nox-support creates the directory itself"
            )


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
    special = repofiles.special_file(path)
    if special is not None:
        raise _not_regular(path, what, special)
    # O_NONBLOCK: a FIFO put in place after the check fails to open instead of waiting forever.
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        raise _append_error(path, what, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, what, repofiles.file_kind(mode))
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


def _not_regular(path: Path, what: str, kind: str) -> OutputError:
    msg = f"cannot append to {what} {path}: it is {kind}, not a regular file"
    return OutputError(msg, hint=f"{what} must name a regular file (nothing was written to it)")


def _append_error(path: Path, what: str, exc: OSError) -> OutputError:
    msg = f"cannot append to {what} {path}: {_reason(exc)}"
    return OutputError(msg, hint=f"{what} must name a writable file (nothing was written to it)")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub rejects a step summary over 1 MiB."""


def step_summary_room(path: Path) -> int:
    """Bytes ``$GITHUB_STEP_SUMMARY`` at *path* can still take under GitHub's limit."""
    try:
        used = path.stat().st_size
    except OSError:
        used = 0  # missing: created; unreadable: append_text names the problem
    return STEP_SUMMARY_LIMIT - used


def append_step_summary(text: str, path: str | None) -> bool:
    """Append *text* whole to ``$GITHUB_STEP_SUMMARY`` (when set) if it fits; whether it did.

    A file that cannot be appended to is an :class:`OutputError`, never a traceback.
    """
    if not path:
        return False
    target = Path(path)
    if len(text.encode("utf-8")) > step_summary_room(target):
        return False
    append_text(target, text, what="$GITHUB_STEP_SUMMARY")
    return True
