"""Finishing, validating and atomically writing lock files.

Pure helpers (:func:`finish`, :func:`validate`) shape and check the text;
:func:`replace_atomically` and :func:`interruptible` make sure that neither
Ctrl-C nor SIGTERM at any moment can leave a truncated lock or a temporary
file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import unquote

from nox_support import reqfile
from nox_support.digest import MARKER
from nox_support.errors import LockValidationError

_FILE_URL = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*@\s*)?file://(?P<path>/[^\s;#\\]+)"
)
_CREDENTIALS = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
_ABSOLUTE_INCLUDE = re.compile(r"(?:^|\s)-[rc]\s+/")
_FORBIDDEN_OPTIONS = frozenset(
    {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--no-index"}
)
TEMP_PREFIX = ".nox-support-"


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


def with_digest_line(text: str, line: str) -> str:
    """Put the digest *line* right below the compiler's header, replacing an old one (pure)."""
    lines = [entry for entry in text.splitlines() if not entry.startswith(MARKER)]
    insert_at = _header_end(lines)
    lines.insert(insert_at, line)
    return "\n".join(lines) + "\n"


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
    problems = [*_text_problems(text, forbidden), *_entry_problems(text, path)]
    if problems:
        msg = f"refusing to write {path}: " + "; ".join(dict.fromkeys(problems))
        raise LockValidationError(
            msg, hint="the previous lock was kept; report this with the compiler output"
        )


def _text_problems(text: str, forbidden: tuple[str, ...]) -> list[str]:
    problems = [f"contains the machine path {needle!r}" for needle in forbidden if needle and needle in text]
    if "file://" in text:
        problems.append("contains a file:// URL")
    if _CREDENTIALS.search(text):
        problems.append("contains credentials in a URL")
    problems.extend(
        f"line {number}: names an absolute -r/-c path"
        for number, raw in enumerate(text.splitlines(), start=1)
        if _ABSOLUTE_INCLUDE.search(raw)
    )
    return problems


def _entry_problems(text: str, path: str) -> list[str]:
    try:
        entries = reqfile.parse(text, path=path)
    except Exception as exc:  # noqa: BLE001 - any parse failure makes the lock invalid
        return [f"does not parse: {exc}"]
    problems: list[str] = []
    for entry in entries:
        if isinstance(entry, reqfile.Option) and entry.name in _FORBIDDEN_OPTIONS:
            problems.append(f"line {entry.line}: emits {entry.name}")
        elif isinstance(entry, reqfile.NamedRequirement) and entry.url is None:
            if entry.pin is None:
                problems.append(f"line {entry.line}: {entry.text} is not pinned with ==")
            elif not entry.hashes:
                problems.append(f"line {entry.line}: {entry.name} has no --hash")
        elif isinstance(entry, reqfile.LocalPath) and entry.path.startswith(("/", "~")):
            problems.append(f"line {entry.line}: absolute local path {entry.path}")
    return problems


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
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def replace_atomically(path: Path, content: str, *, temp: Path) -> None:
    """Write *content* to *temp*, flush it to disk and rename it over *path*."""
    with temp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    with contextlib.suppress(FileNotFoundError):
        os.chmod(temp, os.stat(path).st_mode & 0o777)
    os.replace(temp, path)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; raised like Ctrl-C so that cleanup runs."""


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while the block runs (main thread only)."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: keep the default behaviour
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
