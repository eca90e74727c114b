"""``reports/``: where sessions leave files for people and CI, kept out of git as Nox keeps ``.nox/``.

Reports are build output: a ``.gitignore`` holding ``*`` is written into ``reports/`` when it has
none, so ``git status`` stays clean without touching the repository's own ``.gitignore``.  A
repository that wants to commit its reports puts its own ``reports/.gitignore`` there (an empty
one will do); an existing file, or a link, is never replaced.
"""

from __future__ import annotations

import os
from pathlib import Path

from nox_support import atomic
from nox_support.errors import NoxSupportError
from nox_support.paths import display_path

REPORTS = "reports"
"""The reports directory, relative to the repository root."""
IGNORE_EVERYTHING = "*\n"


class OutputError(NoxSupportError):
    """A report, an output file or the directory for it cannot be written."""


class OutputDirError(OutputError):
    """A directory for reports cannot be created."""


def reports_dir(root: Path, *parts: str) -> Path:
    """``root/reports/<parts>``, created (with the self-ignoring ``reports/.gitignore``)."""
    return output_dir(root, root.joinpath(REPORTS, *parts))


def output_dir(root: Path, directory: Path) -> Path:
    """Create *directory*; when it lies in ``root/reports``, ``reports/`` ignores itself in git."""
    reports = root / REPORTS
    try:
        if directory.absolute().is_relative_to(reports.absolute()):
            reports.mkdir(parents=True, exist_ok=True)
            gitignore = reports / ".gitignore"
            if not os.path.lexists(gitignore):
                atomic.write_text(gitignore, IGNORE_EVERYTHING)
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        culprit = f"{display_path(Path(exc.filename), root)}: " if exc.filename else ""
        msg = f"cannot create {display_path(directory, root)}/: {culprit}{exc.strerror or exc}"
        raise OutputDirError(msg, hint="make the directory writable, or remove what is in its way") from None
    return directory
