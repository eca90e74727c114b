"""``reports/audit/<service>.json``: one report per service, read back by the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nox_support.audit.verdict import ServiceReport, report_from_json, report_to_json
from nox_support.outfiles import write_report

if TYPE_CHECKING:
    from pathlib import Path

REPORTS_DIR = "reports"
SERVICE_DIR = "audit"


def service_report_path(root: Path, service: str) -> Path:
    """Where the JSON report of *service* lives."""
    return root / REPORTS_DIR / SERVICE_DIR / f"{service}.json"


def write_service_report(root: Path, report: ServiceReport) -> Path:
    """Write *report* atomically (never through a planted symlink) and return its path."""
    path = service_report_path(root, report.service)
    write_report(path, report_to_json(report), root=root)
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
