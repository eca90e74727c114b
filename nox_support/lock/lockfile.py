"""Finishing, validating, reading back and atomically writing lock files.

Pure helpers (:func:`with_digest_line`, :func:`validate`, :func:`inspect`) shape and
check the text; :func:`read_state` reads a committed lock into one of the
:data:`LockState` variants; :func:`interruptible` and :func:`remove_stale_temporaries`
make sure that neither Ctrl-C, SIGTERM nor ``kill -9`` leaves a truncated lock or a
temporary file behind for good.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import unquote

from nox_support import atomic, cmd, redact
from nox_support.errors import LockValidationError, NoxSupportError, RequirementsFileError
from nox_support.lock import digest, reqfile
from nox_support.lock.digest import MARKER

_FILE_URL = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*@\s*)?file://(?P<path>/[^\s;#\\]+)"
)
# Fragments pip itself reads from a URL (``#sha256=...``, ``#egg=...``): never credentials.
_PIP_FRAGMENT = re.compile(
    r"#(?:(?:egg|subdirectory|md5|sha1|sha224|sha256|sha384|sha512)=[^&\s]*&?)+(?=\s|$)"
)
# The only options a lock may carry: each can only narrow what pip installs.
_HARMLESS_OPTIONS = frozenset(
    {"--no-binary", "--only-binary", "--prefer-binary", "--pre", "--require-hashes"}
)
TEMP_PREFIX = atomic.TEMP_PREFIX


class LockFileError(NoxSupportError):
    """A lock file cannot be read or written (directory in the way, permissions, encoding)."""


@dataclass(frozen=True)
class LockMissing:
    """No file at the lock's path."""


@dataclass(frozen=True)
class LockDirectory:
    """A directory sits at the lock's path."""


@dataclass(frozen=True)
class LockUnreadable:
    """The file cannot be read as a lock (not UTF-8, permissions)."""

    reason: str


@dataclass(frozen=True)
class LockUnmarked:
    """The file has no usable digest line (empty, written by another tool, older format)."""

    reason: str
    text: str = ""


@dataclass(frozen=True)
class LockAltered:
    """The lines below the digest line changed after nox-support wrote them."""

    recorded: digest.RecordedLine
    problems: tuple[str, ...]
    """What is wrong with the content on top of the mismatch (may be empty)."""


@dataclass(frozen=True)
class LockIntact:
    """The body matches its digest; ``problems`` lists content rules it still breaks."""

    recorded: digest.RecordedLine
    text: str
    problems: tuple[str, ...]


LockState = LockMissing | LockDirectory | LockUnreadable | LockUnmarked | LockAltered | LockIntact


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


def with_digest_line(text: str, inputs: digest.InputDigest, *, compiled_by: str) -> str:
    """Put the digest line right below the compiler's header, replacing an old one (pure).

    The line records *inputs* and the digest of every line below it.
    """
    lines = [entry for entry in text.splitlines() if not entry.startswith(MARKER)]
    insert_at = _header_end(lines)
    body = lines[insert_at:]
    lines.insert(insert_at, inputs.line(body=digest.body_digest(body), compiled_by=compiled_by))
    return "\n".join(lines) + "\n"


def inspect(text: str, *, path: str) -> LockState:
    """What a committed lock's *text* is: intact, altered or unmarked (pure)."""
    if not text.strip():
        return LockUnmarked("is empty" if not text else "holds only whitespace")
    split = digest.split(text)
    if split is None:
        return LockUnmarked("has no nox-support inputs line (written by hand or by another tool)", text)
    recorded = digest.parse_line(split.line)
    if recorded is None:
        return LockUnmarked(
            "has a malformed nox-support inputs line, or one written by an older nox-support "
            "without a body digest",
            text,
        )
    problems = content_problems(text, path)
    if digest.body_digest(split.body) != recorded.body:
        return LockAltered(recorded, problems)
    return LockIntact(recorded, text, problems)


def read_state(lock: Path, *, shown: str) -> LockState:
    """Read the committed lock at *lock* (*shown* names it in messages)."""
    try:
        data = lock.read_bytes()
    except FileNotFoundError:
        return LockMissing()
    except IsADirectoryError:
        return LockDirectory()
    except OSError as exc:
        return LockUnreadable(f"cannot be read ({exc.strerror or exc})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LockUnreadable(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    return inspect(text, path=shown)


def describe_state(state: LockState) -> str:
    """What is wrong with a lock in *state*, in words that follow its name (pure)."""
    match state:
        case LockMissing():
            return "is missing"
        case LockDirectory():
            return "is a directory, not a lock file"
        case LockUnreadable(reason=reason) | LockUnmarked(reason=reason):
            return reason
        case LockAltered(problems=problems):
            what = "was edited after nox-support wrote it (its lines no longer match the body digest)"
            return f"{what}: {'; '.join(problems)}" if problems else what
        case LockIntact(problems=problems):
            return "breaks the lock rules: " + "; ".join(problems) if problems else "is intact"


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


def validate(text: str, *, path: str, forbidden: tuple[str, ...]) -> None:
    """Refuse a lock that is unpinned, unhashed or leaks machine details (pure).

    *forbidden* holds strings that must not appear anywhere (the repository's
    absolute path, the home and temporary directories).
    """
    problems = [
        *(f"contains the machine path {needle!r}" for needle in forbidden if needle and needle in text),
        *content_problems(text, path),
    ]
    if problems:
        msg = f"refusing to write {path}: " + "; ".join(dict.fromkeys(problems))
        raise LockValidationError(
            msg, hint="the previous lock was kept; report this with the compiler output"
        )


def has_credentials(text: str) -> bool:
    """Whether *text* holds a URL user part, a query value or a ``${VAR}`` (pure).

    The fragments pip reads itself (``#sha256=``, ``#egg=``, ``#subdirectory=``) do not count.
    """
    return redact.has_credentials(_PIP_FRAGMENT.sub("", text))


def content_problems(text: str, path: str) -> tuple[str, ...]:
    """Every rule a lock's *text* breaks, one phrase each (pure).

    A lock holds only ``==`` pins with hashes, local paths relative to the lock, and options
    that can only narrow what pip installs: no index or find-links options, no includes,
    no editable URLs, no ``file://`` URLs and no credentials.
    """
    problems: list[str] = []
    if "file://" in text:
        problems.append("contains a file:// URL")
    if has_credentials(text):
        problems.append("contains a credential in a URL (a user part, a query value or a ${VARIABLE})")
    try:
        entries = reqfile.parse(text, path=path)
    except RequirementsFileError as exc:
        return (*problems, f"does not parse: {exc.message}")
    for entry in entries:
        match entry:
            case reqfile.Option(name=name) if name not in _HARMLESS_OPTIONS:
                written = reqfile.abbreviation(entry)
                shown = name if written is None else f"{written} (pip reads it as {name})"
                problems.append(f"line {entry.line}: has the option {shown}")
            case reqfile.Include(flag=flag):
                problems.append(f"line {entry.line}: includes another file ({flag} {entry.target})")
            case reqfile.NamedRequirement(url=None, pin=None):
                problems.append(f"line {entry.line}: {entry.text} is not pinned with ==")
            case reqfile.NamedRequirement(url=None, hashes=()):
                problems.append(f"line {entry.line}: {entry.name} has no --hash")
            case reqfile.LocalPath(path=local) if local.startswith(("/", "~")):
                problems.append(f"line {entry.line}: absolute local path {local}")
            case _:
                pass
    # The phrases quote the lock: a URL in them is shown without its credentials.
    return tuple(dict.fromkeys(redact.redact(problem) for problem in problems))


def pins_as_constraints(text: str, *, path: str) -> str:
    """The ``name==version`` pins of a lock, as a constraints file pip accepts (pure)."""
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
