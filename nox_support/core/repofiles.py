"""Reading a file of the repository: a regular file, inside the repository, of bounded size.

A committed file is someone else's text.  ``.python-version`` committed as a symlink to
``/proc/self/environ`` or ``~/.netrc`` would otherwise be read (and quoted in an error) on every
``nox`` command; a FIFO would hang it; ``/dev/zero`` would fill the memory.  :func:`read_bytes`
refuses all of them with one :class:`RepoFileError` naming the file, and :func:`excerpt` is the
only way a message quotes what such a file holds: short, and neutralized by
:func:`nox_support.core.logsafe.field`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from nox_support.core import logsafe
from nox_support.core.errors import NoxSupportError
from nox_support.core.paths import display_path, is_within, real_path

MAX_BYTES = 4 * 1024 * 1024
"""The largest file read from the repository (requirements, ``pyproject.toml``, metadata)."""
EXCERPT_CHARS = 40
"""The most of a file's text an error message quotes."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class RepoFileError(NoxSupportError):
    """A file read from the repository is outside it, not a regular file, or too large."""


class NotRegularFileError(OSError):
    """A path opened for reading is a directory, FIFO, device or socket (*mode* says which)."""

    def __init__(self, path: str | os.PathLike[str], mode: int) -> None:
        super().__init__(f"{path} is {file_kind(mode)}, not a regular file")
        self.mode = mode


@contextmanager
def open_regular(path: str | os.PathLike[str], *, follow: bool = True) -> Iterator[BinaryIO]:
    """*path* open for reading if it is a regular file, else :class:`NotRegularFileError`.

    The one way nox-support opens a file someone else may have planted: ``O_NONBLOCK`` so that
    opening a FIFO returns at once instead of waiting for a writer, then the type is checked on
    the open file (no race with a rename); without *follow*, a symlink at *path* is not opened.
    Other failures are the :class:`OSError` of :func:`os.open`.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode  # before fdopen, which refuses a directory with its own error
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFileError(path, mode)
    with os.fdopen(fd, "rb") as handle:
        yield handle


def read_bytes(path: Path, root: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The content of *path*, a regular file that resolves inside *root*, of at most *limit* bytes.

    A missing file raises :class:`FileNotFoundError` (callers say what it should have been); any
    other refusal is a :class:`RepoFileError`; an unreadable file is an :class:`OSError`.
    """
    return _read(real_path(path), real_path(root), limit=limit, shown=lambda: display_path(path, root))


def read_resolved(
    real: str, real_root: str, *, named: str | os.PathLike[str] | None = None, limit: int = MAX_BYTES
) -> bytes:
    """:func:`read_bytes` of a path already resolved: *real* and *real_root* from :func:`os.path.realpath`.

    For a caller that resolved the path for its own checks: the same refusals, without resolving
    it again.  A message names the file as *named* (the path as the caller found it), else *real*,
    relative to the root.
    """
    return _read(
        real, real_root, limit=limit, shown=lambda: display_path(Path(named or real), Path(real_root))
    )


def _read(real: str, real_root: str, *, limit: int, shown: Callable[[], str]) -> bytes:
    if not is_within(real, real_root):
        name = shown()
        msg = f"{name} is a link to a file outside the repository"
        raise RepoFileError(
            msg, hint=f"replace {name} with a regular file (nothing outside the repository is read)"
        )
    try:
        with open_regular(real, follow=False) as handle:  # the resolved name is the file
            data = read_at_most(handle, limit + 1)
    except NotRegularFileError as exc:
        name = shown()
        msg = f"{name} is {file_kind(exc.mode)}, not a regular file"
        raise RepoFileError(msg, hint=f"replace {name} with a regular file") from None
    if len(data) > limit:
        msg = f"{shown()} is larger than {limit // 1024} KiB"
        raise RepoFileError(
            msg, hint="a file nox-support reads from the repository is small text; check what it is"
        )
    return data


def read_at_most(handle: BinaryIO, most: int) -> bytes:
    """Up to *most* bytes of a regular file, asking for what its size says (plus one to see growth).

    ``read(most)`` would allocate *most* bytes first: 4 MiB for every small file read.
    """
    size = os.fstat(handle.fileno()).st_size
    data = handle.read(min(size + 1, most))
    if size < len(data) < most:  # it grew since: read on, up to the bound
        data += handle.read(most - len(data))
    return data


def read_text(path: Path, root: Path, *, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a :class:`UnicodeDecodeError` for other bytes)."""
    return read_bytes(path, root, limit=limit).decode("utf-8")


def read_optional_text(path: Path, root: Path, *, limit: int = MAX_BYTES) -> str | None:
    """:func:`read_text` of *path*, None when nothing is there; every failure a :class:`RepoFileError`."""
    if not os.path.lexists(path):
        return None
    shown = display_path(path, root)
    try:
        return read_text(path, root, limit=limit)
    except FileNotFoundError:
        msg = f"{shown} is a link to nothing"
        raise RepoFileError(msg, hint=f"remove {shown} or make it a regular file") from None
    except UnicodeDecodeError as exc:
        msg = f"{shown} is not UTF-8 text (byte offset {exc.start})"
        raise RepoFileError(msg, hint=f"save {shown} as UTF-8") from None
    except OSError as exc:
        msg = f"{shown} cannot be read: {exc.strerror or exc}"
        raise RepoFileError(msg, hint=f"make {shown} a readable file") from None


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message ("a FIFO (named pipe)")."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def special_file(path: Path) -> str | None:
    """What *path* is when it exists and is a FIFO, device or socket (followed links), else None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return file_kind(mode)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most *limit* characters of *text*, neutralized, quoted; ``...`` marks a cut."""
    cut = text[:limit]
    return f'"{logsafe.field(cut)}{"..." if len(text) > limit else ""}"'
