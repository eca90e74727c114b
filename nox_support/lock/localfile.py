"""Local path packages live next to a lock, not in it.

pip refuses directories in hash-checking mode ("Can't verify hashes for these
file:// requirements because they point to directories"), so a lock that
names ``../../libs/common`` cannot be installed by ``pip install
--require-hashes -r requirements.txt``, which is what deploy steps run.  The
compiled lock is therefore split in two:

* ``requirements.txt``: every named package, ``==`` with hashes, plus a note
  naming the second file;
* ``requirements.local.txt`` (``requirements.local-<layer>.txt`` for a layer):
  the local path lines, with the lock's inputs line so that a stale pair is
  noticed.  Their dependencies are pinned and hashed in the main lock, so they
  are installed after it with ``pip install --no-deps``.

The names cannot collide with a layer: layer locks are
``requirements-<layer>.txt`` and these start with ``requirements.``.
Everything here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nox_support.lock import digest, reqfile
from nox_support.lock.digest import MARKER

# Options a compiler copies from the inputs into its output; they shaped the resolution only.
_COPIED = frozenset({"--no-binary", "--only-binary", "--prefer-binary", "--pre"})

NOTE_PREFIX = "# local path packages: "
# pip-compile's comment above an unhashable requirement; meaningless once the line moved out.
_PIP_COMPILE_WARNING = (
    "# WARNING: pip install will require the following package to be hashed.",
    "# Consider using a hashable URL like ",
)


@dataclass(frozen=True)
class SplitLock:
    """A compiled lock without its local path lines, and those lines (with their ``# via``)."""

    hashed: str
    local: tuple[str, ...]


def local_file_for(lock: Path) -> Path:
    """Where *lock*'s local path packages go.

    ``requirements.txt`` -> ``requirements.local.txt``, ``requirements-dev.txt`` ->
    ``requirements.local-dev.txt``.
    """
    stem = lock.name.removesuffix(".txt")
    if stem.startswith("requirements-"):
        return lock.with_name("requirements.local-" + stem.removeprefix("requirements-") + ".txt")
    return lock.with_name(f"{stem}.local.txt")


def split(text: str, *, path: str) -> SplitLock:
    """Move the local path entries of a compiled lock out of it, and drop its option lines.

    A lock carries no option (its grammar, :mod:`nox_support.lock.grammar`): the options of the
    inputs (``--only-binary``, ``--pre`` ...) that a compiler copies into its output applied to
    the resolution, and the hashes already say which files may be installed.
    """
    entries = reqfile.parse(text, path=path)
    starts = {entry.line for entry in entries if isinstance(entry, reqfile.LocalPath)}
    options = {entry.line for entry in entries if isinstance(entry, reqfile.Option) and entry.name in _COPIED}
    hashed: list[str] = []
    local: list[list[str]] = []
    in_local = False
    for number, line in enumerate(text.splitlines(), start=1):
        if number in options:
            in_local = False
        elif number in starts:
            local.append([line])
            in_local = True
        elif in_local and line.startswith((" ", "\t")) and line.strip().startswith("#"):
            local[-1].append(line)
        elif line.startswith(_PIP_COMPILE_WARNING):
            in_local = False
        else:
            in_local = False
            hashed.append(line)
    return SplitLock("\n".join(hashed) + "\n", tuple("\n".join(block) for block in local))


def with_note(lock_text: str, local_name: str) -> str:
    """Name *local_name* right below the inputs line of *lock_text* (the head freshness reads)."""
    note = (
        f"{NOTE_PREFIX}{local_name} (pip cannot hash a directory; install them after this file,\n"
        f"#   from this directory: pip install --no-deps -r {local_name})"
    )
    lines = lock_text.splitlines()
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith(MARKER)), 0)
    lines.insert(at, note)
    return "\n".join(lines) + "\n"


def local_text(
    blocks: tuple[str, ...], *, lock_name: str, local_name: str, digest_line: str | None, command: str
) -> str:
    """The content of the local packages file for *blocks* split out of *lock_name*.

    Without *digest_line*, the content the lock's ``local=`` digest covers.
    """
    header = [
        "#",
        f"# Local path packages of {lock_name}, written with it by: {command}",
        "# pip cannot hash a directory, so they are not in the hash-checked lock. Their dependencies",
        "# are; install this file after it, from this directory:",
        "#",
        f"#    pip install --require-hashes -r {lock_name}",
        f"#    pip install --no-deps -r {local_name}",
        "#",
        *([digest_line] if digest_line is not None else []),
    ]
    return "\n".join([*header, *blocks]) + "\n"


def digest_line(text: str) -> str | None:
    """The ``# nox-support-inputs:`` line of a lock's (or local file's) *text*, if any."""
    split = digest.split(text)
    return split.line if split is not None else None
