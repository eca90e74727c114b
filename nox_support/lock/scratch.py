"""Temporary files a compilation reads: the pins it may prefer, and the main lock's pins."""

from __future__ import annotations

from pathlib import Path

from nox_support.core.errors import LockValidationError
from nox_support.core.paths import display_path
from nox_support.lock import lockfile, lockformat
from nox_support.lock.model import ParsedLock
from nox_support.lock.regenerate import regenerate_command


def write_seed(
    output: Path, seed: bytes | None, *, shown: str, reuse_hashes: bool, pylock_output: bool
) -> None:
    """Put the pins the compiler may prefer where it writes its output."""
    if pylock_output:
        if seed:  # uv reads an existing pylock output file as preferences, and refuses an empty one
            output.write_bytes(seed)
        return
    if seed and not reuse_hashes:
        # pip >= 26.2 checks a seeded lock's hashes against the files it downloads, so a file whose
        # bytes changed on the index would fail the compilation instead of getting its new hash.
        # Without reuse, the old lock offers its pins alone; every hash is computed anew.
        seed = lockfile.pins_as_constraints(seed.decode("utf-8"), path=shown).encode("utf-8")
    output.write_bytes(seed or b"")


def main_pins(main_lock: Path, root: Path, service: str) -> Path:
    """A temporary file next to *main_lock* holding its ``name==version`` pins.

    A pylock main lock gives the pins of its validated packages (:func:`lockformat.read_state`).
    """
    shown = display_path(main_lock, root)
    if lockformat.is_pylock(main_lock):
        state = lockformat.read_state(main_lock, shown=shown)
        if not isinstance(state, ParsedLock):
            msg = f"the main lock {shown} {lockfile.describe_state(state)}"
            command = regenerate_command(service, force=True)
            hint = f"nothing was written; regenerate the main lock with {command}"
            raise LockValidationError(msg, hint=hint)
        pins = "".join(
            f"{p.name}=={p.version}" + (f" ; {p.marker}\n" if p.marker else "\n") for p in state.packages
        )
    else:
        pins = lockfile.pins_as_constraints(main_lock.read_text(encoding="utf-8"), path=shown)
    pinned = lockfile.temporary_sibling(main_lock)
    pinned.write_text(pins, encoding="utf-8")
    return pinned
