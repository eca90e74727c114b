"""Where the two lock formats branch: requirements files and PEP 751 ``pylock.toml``.

Every reader of a lock that may be a pylock file asks this module, not the file:
:func:`read_state` gives the lock model (:mod:`nox_support.lock.model`) whatever the format,
so installers, audits, drift, conflicts and SBOMs get the same validated pins and hashes.  A
requirements lock is read by :func:`nox_support.lock.lockfile.read_state` (the lock grammar);
a pylock file by :func:`inspect` (the PEP 751 subset nox-support writes, :mod:`~.pylock`).
"""

from __future__ import annotations

from pathlib import Path

from nox_support.lock import digest, lockfile, pylock
from nox_support.lock.model import (
    LocalFile,
    LockAltered,
    LockOffGrammar,
    LockUnmarked,
    OffGrammar,
    ParsedLock,
    TextProblem,
)

OFF_SUBSET = "outside the PEP 751 subset nox-support writes"
"""The reason of every :class:`OffGrammar` of a pylock file."""


def is_pylock(lock: Path) -> bool:
    """Whether *lock* is a PEP 751 lock (by its name, which nox-support chose)."""
    return pylock.is_pylock_name(lock.name)


def inspect(text: str, *, path: str) -> ParsedLock | TextProblem:
    """What a committed pylock *text* is (pure); *path* names it in the model.

    Empty, without its ``[tool.nox-support]`` table last or with a malformed inputs line:
    :class:`LockUnmarked`.  Anything outside the subset nox-support writes, whatever the digest
    says: :class:`LockOffGrammar` naming the first problem (redacted) and its line.  A body that
    no longer matches its digest: :class:`LockAltered`.
    """
    if not text.strip():
        return LockUnmarked("is empty" if not text else "holds only whitespace")
    split = pylock.split(text)
    if split is None:
        reason = (
            f"has no {pylock.TOOL_HEADER} table with its inputs as the last table "
            "(written by hand or by another tool)"
        )
        return LockUnmarked(reason, text)
    recorded = digest.parse_line(split.inputs_line)
    if recorded is None:
        return LockUnmarked(f"has a malformed {pylock.TOOL_HEADER} inputs line", text)
    parsed = pylock.parse(text)
    if parsed.problems:  # as the lock grammar does: unusable whatever its digest says
        problem = OffGrammar(line=parsed.lines[0], excerpt=parsed.problems[0], reason=OFF_SUBSET)
        return LockOffGrammar(recorded, problem)
    if pylock.body_digest(split.body) != recorded.body:
        return LockAltered(recorded)
    packages = pylock.locked_packages(parsed.lock)
    return ParsedLock(
        path=path,
        recorded=recorded,
        digest_line=split.inputs_line,
        local_file=None,
        text=text,
        pins=lambda _text: packages,
    )


def read_state(lock: Path, *, shown: str) -> lockfile.LockState:
    """The committed lock at *lock* (*shown* names it in messages) in the lock model, in either format.

    Missing, a directory or unreadable: as :func:`~nox_support.lock.lockfile.read_state` says.
    Readable text of a pylock file is then read as a pylock file only, whatever a
    requirements-format reader would make of it.
    """
    if not is_pylock(lock):
        return lockfile.read_state(lock, shown=shown)
    text = lockfile.read_lock_text(lock)
    if not isinstance(text, str):
        return text
    return inspect(text, path=shown)


def read_local_state(lock_path: Path, lock: ParsedLock) -> LocalFile | str | None:
    """The local packages file of *lock* (:func:`~nox_support.lock.lockfile.read_local_state`).

    A pylock file has none: its grammar refuses local paths.
    """
    if is_pylock(lock_path):
        return None
    return lockfile.read_local_state(lock_path, lock)


def pins_text(lock: Path, text: str, *, path: str) -> str:
    """The ``name==version`` pins of the lock *lock*'s *text*, as constraints pip accepts (pure)."""
    if is_pylock(lock):
        return pylock.pins_text(text)
    return lockfile.pins_as_constraints(text, path=path)
