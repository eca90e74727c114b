"""Where the two lock formats branch: requirements files and PEP 751 ``pylock.toml``.

Every reader asks this module, not the file: :func:`read_state` gives a lock's
:data:`~nox_support.lock.lockfile.LockState` whatever its format, and :func:`requirements_text`
gives the hashed requirements text installers, audits, drift and SBOMs read (a pylock file is
validated against its grammar and converted; a requirements lock is returned as it is).
"""

from __future__ import annotations

from pathlib import Path

from nox_support.errors import LockValidationError
from nox_support.lock import digest, lockfile, pylock
from nox_support.lock.regenerate import regenerate_command


def is_pylock(lock: Path) -> bool:
    """Whether *lock* is a PEP 751 lock (by its name, which nox-support chose)."""
    return pylock.is_pylock_name(lock.name)


def inspect(text: str, *, forbidden: tuple[str, ...] = ()) -> lockfile.LockState:
    """What a committed pylock *text* is: intact, altered or unmarked (pure)."""
    if not text.strip():
        return lockfile.LockUnmarked("is empty" if not text else "holds only whitespace")
    split = pylock.split(text)
    if split is None:
        return lockfile.LockUnmarked(
            f"has no {pylock.TOOL_HEADER} table with its inputs as the last table "
            "(written by hand or by another tool)",
            text,
        )
    recorded = digest.parse_line(split.inputs_line)
    if recorded is None:
        return lockfile.LockUnmarked(f"has a malformed {pylock.TOOL_HEADER} inputs line", text)
    problems = pylock.parse(text, forbidden=forbidden).problems
    if pylock.body_digest(split.body) != recorded.body:
        return lockfile.LockAltered(recorded, problems)
    return lockfile.LockIntact(recorded, text, problems)


def read_state(lock: Path, *, shown: str) -> lockfile.LockState:
    """The state of the committed lock at *lock*, in either format."""
    if not is_pylock(lock):
        return lockfile.read_state(lock, shown=shown)
    # Missing, a directory, unreadable: the same words.  Any readable text is then inspected as a
    # pylock file only, whatever a requirements-format reader would make of it.
    state = lockfile.read_state(lock, shown=shown)
    if isinstance(state, lockfile.LockMissing | lockfile.LockDirectory | lockfile.LockUnreadable):
        return state
    try:
        return inspect(lock.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:  # changed since: as unreadable as it is now
        return lockfile.LockUnreadable(f"cannot be read ({exc})")


def converted(text: str, *, path: str, service: str) -> str:
    """The hashed requirements text of a pylock *text*, refused unless it follows the grammar.

    *path* names the file in the error, *service* the command that repairs it.
    """
    parsed = pylock.parse(text)
    if parsed.problems:
        msg = f"refusing {path}: " + "; ".join(parsed.problems)
        raise LockValidationError(
            msg, hint=f"nothing was installed from it; regenerate it with {regenerate_command(service)}"
        )
    return pylock.requirements_text(parsed.lock)


def requirements_text(lock: Path, *, shown: str, service: str) -> str:
    """The requirements text of the lock at *lock* (read; converted when it is a pylock file).

    Raises :class:`OSError` and :class:`UnicodeDecodeError` as :meth:`Path.read_text` does.
    """
    text = lock.read_text(encoding="utf-8")
    return converted(text, path=shown, service=service) if is_pylock(lock) else text
