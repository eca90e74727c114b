"""The licence files an installed distribution ships, read only when its metadata leaves the licence open.

``License-File`` names a path inside the ``.dist-info`` (core metadata 2.4 puts it under
``licenses/``; older wheels put it beside ``METADATA``).  A distribution that names none is
looked at for the usual ``LICENSE*`` / ``LICENCE*`` / ``COPYING*`` files.  Only regular files
inside the ``.dist-info`` are read, never a link, and only their start: a licence is named in
its first lines, and a venv is not trusted to hold small files.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from nox_support.core import repofiles
from nox_support.licenses.spdx import Detected, LicenceFile, Unknown, detect, wants_licence_file
from nox_support.venv.sitemeta import DistMetadata

READ_LIMIT = 64 * 1024
"""Bytes read of each licence file."""
MAX_FILES = 8
_USUAL = ("LICENSE", "LICENCE", "COPYING")


def detect_installed(dist_info: Path, meta: DistMetadata) -> Detected:
    """:func:`~nox_support.licenses.spdx.detect`, reading the licence files only when they can tell."""
    detected = detect(meta)
    if not isinstance(detected, Unknown) or not wants_licence_file(meta):
        return detected
    return detect(meta, licence_files(dist_info, meta))


def licence_files(dist_info: Path, meta: DistMetadata) -> tuple[LicenceFile, ...]:
    """The licence files of the distribution at *dist_info* (unreadable ones are left out)."""
    names = list(meta.license_files) or _usual_names(dist_info)
    found: list[LicenceFile] = []
    for name in names[:MAX_FILES]:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            continue  # metadata naming a file outside the .dist-info: not read
        for path in (dist_info / "licenses" / relative, dist_info / relative):
            text = _read_start(path)
            if text is not None:
                found.append(LicenceFile(name, text))
                break
    return tuple(found)


def _usual_names(dist_info: Path) -> list[str]:
    try:
        entries = sorted(entry.name for entry in dist_info.iterdir())
    except OSError:
        return []
    return [e for e in entries if e.upper().startswith(_USUAL)]


def _read_start(path: Path) -> str | None:
    try:
        with repofiles.open_regular(path, follow=False) as handle:
            data = handle.read(READ_LIMIT)
    except OSError:  # missing, a link, not a regular file (NotRegularFileError), unreadable
        return None
    return data.decode("utf-8", errors="replace")
