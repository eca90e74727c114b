"""The fingerprint of the local path packages a venv holds: a changed file means a new sync.

A non-editable local package is a copy of its source, built when it was installed, so the
fingerprint covers the *bytes* of every file of its directory (sizes and modification times miss
an edit that keeps both: a restored, copied or quickly rewritten file).  An editable package runs
from its source, so only its metadata (what a new build would change) counts.  Only regular files
are read: a FIFO or device planted in a package directory is named in the fingerprint, never opened
for reading in a way that could block.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.core import repofiles
from nox_support.lock.inputs import metadata_files

if TYPE_CHECKING:
    from nox_support.venv.values import LocalRequirement

_SKIPPED_DIRS = frozenset({"__pycache__", "build", "dist", "node_modules"})
_CHUNK = 1 << 20


def local_fingerprint(local: tuple[LocalRequirement, ...]) -> str:
    """sha256 over the local packages' paths, options and the contents of their files."""
    digest = hashlib.sha256()
    for requirement in sorted(local, key=lambda r: str(r.path)):
        digest.update(f"{requirement.path}{requirement.extras} editable={requirement.editable}\n".encode())
        for path in _fingerprint_files(requirement):
            content = _content_digest(path)
            if content is not None:
                digest.update(f"{path}\0{content}\n".encode())
    return digest.hexdigest()


def _fingerprint_files(requirement: LocalRequirement) -> list[Path]:
    root = requirement.path
    if root.is_file():
        return [root]
    if requirement.editable:
        return list(metadata_files(root))
    files: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d not in _SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        files.extend(Path(directory) / f for f in sorted(filenames))
    return files


def _content_digest(path: Path) -> str | None:
    """sha256 of a regular file's bytes; its kind for anything else; ``None`` when it is gone."""
    digest = hashlib.sha256()
    try:
        with repofiles.open_regular(path) as handle:
            try:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
            except OSError as exc:
                return f"unreadable ({exc.errno})"
    except repofiles.NotRegularFileError as exc:
        return f"not a regular file ({stat.filemode(exc.mode)})"
    except OSError:  # gone since the walk found it
        return None
    return digest.hexdigest()
