"""Compiling one layer into a PEP 751 lock: the seed, the finished file and its temporary directory.

uv writes PEP 751 only to a file named ``pylock.toml`` or ``pylock.<name>.toml``, so it writes
into a temporary directory next to the lock; the result is read against the pylock grammar,
given its ``[tool.nox-support]`` table, and refused when it would not install elsewhere.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nox_support.core.errors import LockValidationError
from nox_support.lock import digest, lockfile, pylock
from nox_support.lock.model import LockMissing, ParsedLock

_SHOWN_PROBLEMS = 3
"""A lock resolved from a local directory breaks the rules once per file: the first few say it."""


@dataclass(frozen=True)
class PylockWrite:
    """What compiling a pylock layer did: whether the file changed, and a note on the old lock."""

    changed: bool
    note: str | None


def seed(state: lockfile.LockState, current: digest.InputDigest) -> tuple[bytes | None, str | None]:
    """The old pylock file uv may prefer pins from, and a note when it is not offered (pure).

    An intact, valid lock for the same Python is offered whole (uv reads a pylock output file
    as its preferences); anything else is recompiled from the inputs alone.
    """
    match state:
        case ParsedLock(recorded=recorded, text=text):
            if recorded.inputs.python == current.python:
                return text.encode("utf-8"), None
            before, after = recorded.inputs.python, current.python
            return None, f"targets Python {after} instead of {before}: recompiled without its old pins"
        case LockMissing():
            return None, None
        case _:
            return None, f"{lockfile.describe_state(state)}: recompiled from its inputs alone"


def finish(
    text: str, current: digest.InputDigest, *, compiled_by: str, path: str, forbidden: tuple[str, ...]
) -> str:
    """The pylock *text* uv wrote, with its ``[tool.nox-support]`` table; refused off-grammar (pure)."""
    content = pylock.with_tool_table(text, current, compiled_by=compiled_by)
    problems = pylock.parse(content, forbidden=forbidden).problems
    if problems:
        more = len(problems) - _SHOWN_PROBLEMS
        shown = problems[:_SHOWN_PROBLEMS] + ((f"and {more} more of the same kind",) if more > 0 else ())
        msg = f"refusing to write {path}: " + "; ".join(shown)
        raise LockValidationError(
            msg,
            hint="the previous lock was kept. A pylock file names the URL of every file it locks: lock "
            "from an index everyone can reach (no find-links directory or file:// index of this machine, "
            'no credentials in index URLs), or keep lock_format = "requirements"',
        )
    return content


def compile_and_write(  # noqa: PLR0913 - every input of the write is explicit
    lock: Path,
    state: lockfile.LockState,
    current: digest.InputDigest,
    compile_text: Callable[[bytes | None], str],
    *,
    compiled_by: str,
    path: str,
    forbidden: tuple[str, ...],
) -> PylockWrite:
    """Compile with *compile_text* (given the seed), finish the file and replace *lock* when it changed."""
    seeded, note = seed(state, current)
    old = state.text if isinstance(state, ParsedLock) else None
    content = finish(compile_text(seeded), current, compiled_by=compiled_by, path=path, forbidden=forbidden)
    if old == content:
        return PylockWrite(changed=False, note=None)
    lockfile.write_lock(lock, content)
    return PylockWrite(changed=True, note=note)


def output_directory(temp: Path) -> Path:
    """A fresh directory next to the temporary file *temp*, for uv's ``pylock*.toml`` output."""
    directory = temp.with_name(temp.name + ".d")
    try:
        directory.mkdir()
    except OSError as exc:
        raise lockfile.write_error(directory, exc) from exc
    return directory


def remove_stale_directories(directory: Path, lock_names: tuple[str, ...]) -> None:
    """Remove the output directories a killed run left next to the pylock locks named *lock_names*.

    Only call this while holding the service's lock: then no live run owns such a directory.
    """
    prefixes = tuple(f"{lockfile.TEMP_PREFIX}{name}." for name in lock_names if pylock.is_pylock_name(name))
    if not prefixes:
        return
    with contextlib.suppress(OSError):
        for entry in directory.iterdir():
            if entry.name.startswith(prefixes) and entry.name.endswith(".tmp.d") and entry.is_dir():
                remove_directory(entry)


def remove_directory(directory: Path) -> None:
    """Remove what :func:`output_directory` made (never a partial lock left behind)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(directory)
