"""``reports/audit/<service>.json``: one report per service, read back by the summary.

:class:`JsonReporter` is the :class:`~nox_support.audit.reports.interface.Reporter` of one
service's report; its schema is :func:`nox_support.audit.codec.report_to_json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nox_support.audit.codec import report_from_json, report_to_json
from nox_support.audit.verdict import ServiceReport
from nox_support.core.outputs import write_report

if TYPE_CHECKING:
    from pathlib import Path

REPORTS_DIR = "reports"
SERVICE_DIR = "audit"


class JsonReporter:
    """The JSON report of one service (``audit/<service>.json`` under the reports directory)."""

    def __init__(self, service: str) -> None:
        """Render the report of *service*."""
        self.filename = f"{SERVICE_DIR}/{service}.json"

    def render(self, reports: tuple[ServiceReport, ...], *, root: Path) -> str:  # noqa: ARG002 - part of the interface
        """The JSON of the one report of this reporter's service."""
        (report,) = reports
        return report_to_json(report)


def service_report_path(root: Path, service: str) -> Path:
    """Where the JSON report of *service* lives."""
    return root / REPORTS_DIR / SERVICE_DIR / f"{service}.json"


def write_service_report(root: Path, report: ServiceReport) -> Path:
    """Write *report* atomically (never through a planted symlink) and return its path."""
    reporter = JsonReporter(report.service)
    path = root / REPORTS_DIR / reporter.filename
    write_report(path, reporter.render((report,), root=root), root=root)
    return path


def read_service_report(root: Path, service: str) -> ServiceReport | str:
    """The report of *service*, or a message saying why there is none."""
    path = service_report_path(root, service)
    try:
        return report_from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{service}: no report ({path.relative_to(root).as_posix()} is missing): not audited"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{service}: unreadable report {path.relative_to(root).as_posix()}: {exc}"
