"""Finishing, validating, reading back and atomically writing lock files.

Pure helpers (:func:`with_digest_line`, :func:`validate`, :func:`inspect`) shape and
check the text; :func:`read_state` reads a committed lock into the lock model
(:mod:`nox_support.lock.model`, through :mod:`nox_support.lock.grammar`), and
:func:`read_local_state` its local packages file; :func:`interruptible` and :func:`remove_stale_temporaries`
make sure that neither Ctrl-C, SIGTERM nor ``kill -9`` leaves a truncated lock or a
temporary file behind for good.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import unquote

from nox_support.core import atomic, cmd, redact, repofiles
from nox_support.core.errors import LockValidationError, NoxSupportError
from nox_support.lock import digest, fastlock, grammar, localfile, reqfile
from nox_support.lock.digest import MARKER
from nox_support.lock.model import (
    LocalFile,
    LockDirectory,
    LockMissing,
    LockProblem,
    LockUnreadable,
    ParsedLock,
    TextProblem,
    describe_problem,
)

_FILE_URL = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*@\s*)?file://(?P<path>/[^\s;#\\]+)"
)
# Fragments pip itself reads from a URL (``#sha256=...``, ``#egg=...``): never credentials.
_PIP_FRAGMENT = re.compile(
    r"#(?:(?:egg|subdirectory|md5|sha1|sha224|sha256|sha384|sha512)=[^&\s]*&?)+(?=\s|$)"
)
TEMP_PREFIX = atomic.TEMP_PREFIX


class LockFileError(NoxSupportError):
    """A lock file cannot be read or written (directory in the way, permissions, encoding)."""


LockState = ParsedLock | LockProblem
"""A committed lock as read: usable (:class:`ParsedLock`) or why it is not."""


def relativize(text: str, *, root: Path, lock_dir: Path) -> str:
    """Rewrite ``file://`` URLs inside *root* as paths relative to *lock_dir* (pure)."""
    root_str = str(root)

    def replace(match: re.Match[str]) -> str:
        path = unquote(match.group("path"))
        if path != root_str and not path.startswith(root_str + "/"):
            return match.group(0)
        relative = Path(os.path.relpath(path, lock_dir)).as_posix()
        if not relative.startswith("."):
            relative = "./" + relative
        return relative

    return _FILE_URL.sub(replace, text)


def with_digest_line(
    text: str, inputs: digest.InputDigest, *, compiled_by: str, local: str | None = None
) -> str:
    """Put the digest line right below the compiler's header, replacing an old one (pure).

    The line records *inputs*, the digest of every line below it and the digest of the local
    packages file written with the lock (*local*, :func:`nox_support.lock.digest.local_digest`).
    """
    lines = [entry for entry in text.splitlines() if not entry.startswith(MARKER)]
    insert_at = _header_end(lines)
    body = lines[insert_at:]
    lines.insert(insert_at, inputs.line(body=digest.body_digest(body), compiled_by=compiled_by, local=local))
    return "\n".join(lines) + "\n"


def inspect(text: str, *, path: str) -> ParsedLock | TextProblem:
    """What a committed lock's *text* is (pure): :func:`nox_support.lock.grammar.read_lock`."""
    return grammar.read_lock(text, path)


def read_state(lock: Path, *, shown: str) -> LockState:
    """Read the committed lock at *lock* (*shown* names it in messages) against the lock grammar."""
    text = read_lock_text(lock)
    if not isinstance(text, str):
        return text
    return grammar.read_lock(text, shown)


def read_local_state(lock_path: Path, lock: ParsedLock) -> LocalFile | str | None:
    """The local packages file next to *lock_path* that *lock* names, ``None``, or what is wrong.

    Read once and checked whole (:func:`nox_support.lock.grammar.read_local`): the file the lock
    names, with the lock's own digest line, in its grammar, and matching the lock's ``local=``.
    """
    local_path = localfile.local_file_for(lock_path)
    text = read_lock_text(local_path)
    if isinstance(text, LockMissing):
        return grammar.read_local(None, lock=lock, name=local_path.name)
    if not isinstance(text, str):
        return f"{local_path.name} {describe_state(text)}"
    return grammar.read_local(text, lock=lock, name=local_path.name)


def read_lock_text(path: Path) -> str | LockMissing | LockDirectory | LockUnreadable:
    """The UTF-8 text of the file at *path*, or why there is none to read.

    A FIFO, device or socket at a lock's path is refused without waiting on it
    (:func:`~nox_support.core.repofiles.open_regular`): a planted one must not hang freshness
    or an audit.
    """
    try:
        with repofiles.open_regular(path) as handle:
            data = handle.read()
    except FileNotFoundError:
        return LockMissing()
    except IsADirectoryError:  # pragma: no cover - POSIX opens a directory; Windows refuses here
        return LockDirectory()
    except repofiles.NotRegularFileError as exc:
        if stat.S_ISDIR(exc.mode):
            return LockDirectory()
        return LockUnreadable(f"is {repofiles.file_kind(exc.mode)}, not a regular file")
    except OSError as exc:
        return LockUnreadable(f"cannot be read ({exc.strerror or exc})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LockUnreadable(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")


def describe_state(state: LockState) -> str:
    """What is wrong with a lock in *state*, in words that follow its name (pure)."""
    if isinstance(state, ParsedLock):
        return "is intact"
    return describe_problem(state)


def _header_end(lines: list[str]) -> int:
    """Index after pip-tools' header: the bare ``#`` that closes it after the command line."""
    seen_command = False
    for index, entry in enumerate(lines):
        if not entry.startswith("#"):
            return index
        if entry.startswith("#    "):
            seen_command = True
        elif entry.strip() == "#" and seen_command:
            return index + 1
    return len(lines)


def validate(text: str, *, path: str, forbidden: tuple[str, ...]) -> ParsedLock:
    """Refuse a lock that is off the lock grammar or leaks machine details (pure).

    *forbidden* holds strings that must not appear anywhere (the repository's
    absolute path, the home and temporary directories).
    """
    problems = [f"contains the machine path {needle!r}" for needle in forbidden if needle and needle in text]
    parsed = grammar.read_lock(text, path)
    if not isinstance(parsed, ParsedLock):
        problems.append(describe_problem(parsed))
    if problems or not isinstance(parsed, ParsedLock):
        raise _refused(path, problems)
    return parsed


def validate_local(text: str, *, lock: ParsedLock, path: str, forbidden: tuple[str, ...]) -> None:
    """Refuse a local packages file that is off its grammar or leaks machine details (pure)."""
    problems = [f"contains the machine path {needle!r}" for needle in forbidden if needle and needle in text]
    local = grammar.read_local(text, lock=lock, name=lock.local_file or "")
    if isinstance(local, str):
        problems.append(local)
    if problems:
        raise _refused(path, problems)


def _refused(path: str, problems: list[str]) -> LockValidationError:
    msg = f"refusing to write {path}: " + "; ".join(dict.fromkeys(redact.redact(p) for p in problems))
    return LockValidationError(msg, hint="the previous lock was kept; report this with the compiler output")


def has_credentials(text: str) -> bool:
    """Whether *text* holds a URL user part, a query value or a ``${VAR}`` (pure).

    The fragments pip reads itself (``#sha256=``, ``#egg=``, ``#subdirectory=``) do not count.
    """
    return redact.has_credentials(_PIP_FRAGMENT.sub("", text))


def pins_as_constraints(text: str, *, path: str) -> str:
    """The ``name==version`` pins of a lock, as a constraints file pip accepts (pure).

    A lock nox-support wrote is read by the lock grammar (:func:`grammar.read_pins`, remembered
    by content, so a main lock constraining several layers is read once); any other text (a
    lock written by hand, before adoption) as pip reads a requirements file.
    """
    heads = fastlock.pin_heads(text)
    if heads is not None:
        return "".join(f"{name}=={version}\n" for name, version in heads)
    pins = grammar.read_pins(text)
    if isinstance(pins, tuple):
        return "".join(f"{pin.name}=={pin.version}\n" for pin in pins)
    lines = [
        f"{entry.name}=={entry.pin}"
        for entry in reqfile.parse(text, path=path)
        if isinstance(entry, reqfile.NamedRequirement) and entry.pin is not None
    ]
    return "".join(f"{line}\n" for line in lines)


def machine_paths(root: Path) -> tuple[str, ...]:
    """Absolute paths of this machine that must never appear in a lock."""
    candidates = {str(root), str(Path.home()), tempfile.gettempdir(), str(root.resolve())}
    return tuple(sorted(c for c in candidates if c not in {"", "/"}))


def temporary_sibling(path: Path) -> Path:
    """A fresh, unique temporary file next to *path* (same filesystem, so rename is atomic)."""
    try:
        return atomic.temporary_sibling(path)
    except OSError as exc:
        raise write_error(path, exc) from exc


def write_lock(path: Path, content: str) -> None:
    """Replace the lock at *path* atomically, with the umask's (or the old file's) mode."""
    try:
        atomic.write_text(path, content)
    except OSError as exc:
        raise write_error(path, exc) from exc


def write_error(path: Path, exc: OSError) -> LockFileError:
    """The error for a lock that cannot be written next to *path*."""
    reason = exc.strerror or str(exc)
    return LockFileError(
        f"cannot write the lock {path.name} in {path.parent}: {reason}",
        hint=f"make {path.parent} writable (nothing was written; the previous lock, if any, is unchanged)",
    )


def remove_stale_temporaries(directory: Path, lock_names: tuple[str, ...]) -> tuple[Path, ...]:
    """Remove temporary files a killed run left next to the locks named *lock_names*.

    Only call this while holding the service's lock: then no live run owns such a file.
    """
    removed = []
    prefixes = tuple(f"{TEMP_PREFIX}{name}." for name in lock_names)
    with contextlib.suppress(OSError):
        for entry in directory.iterdir():
            if entry.name.startswith(prefixes) and entry.name.endswith(".tmp") and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return tuple(removed)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; raised like Ctrl-C so that cleanup runs."""


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while the block runs (main thread only)."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise Terminated

    with cmd.on_sigterm(on_term):  # not the main thread: the default behaviour stays
        yield
