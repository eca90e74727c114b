"""The report layer: render the verdicts of a run into one file.  One module per format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from nox_support.audit.verdict import ServiceReport


class Reporter(Protocol):
    """Renders the reports of a run into one text file."""

    filename: str
    """Relative to the reports directory (``audit.md``, ``audit.sarif``)."""

    def render(self, reports: tuple[ServiceReport, ...], *, root: Path) -> str:
        """The file's content for *reports* (pure)."""
        ...
