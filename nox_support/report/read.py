"""The I/O edge of the page: the report files other sessions wrote, and the offline lock check.

Lock state is computed here rather than read: ``freshness`` writes no report, and its offline
check (:func:`nox_support.lock.freshness.check_services`) reads only the inputs and the locks,
takes milliseconds and never resolves or installs anything.  Everything else is read, never re-run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from nox_support.audit.reports.json_report import service_report_path
from nox_support.ci.tests_session import REPORTS_SUBDIR as TESTS_SUBDIR
from nox_support.core.outputs import REPORTS
from nox_support.core.paths import display_path
from nox_support.discovery import Service
from nox_support.drift.session import JSON_REPORT as DRIFT_REPORT
from nox_support.licenses.report import REPORT_DIR as LICENCES_DIR
from nox_support.lock.freshness import check_services
from nox_support.project import Project
from nox_support.report.build import lock_check
from nox_support.report.model import LockCheck, Missing, Report, ReportText, ServiceInputs, Unreadable

MAX_REPORT_BYTES = 256 * 1024 * 1024
"""A report larger than this is not read (a planted file must not exhaust memory)."""


def read_report(root: Path, path: Path) -> Report:
    """The text of the report at *path*, or why there is none."""
    shown = display_path(path, root)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        return Missing(shown)
    except OSError as exc:
        return Unreadable(shown, exc.strerror or str(exc))
    if len(data) > MAX_REPORT_BYTES:
        return Unreadable(shown, f"larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB")
    try:
        return ReportText(shown, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Unreadable(shown, f"not UTF-8 ({exc.reason} at byte {exc.start})")


def service_inputs(project: Project) -> tuple[ServiceInputs, ...]:
    """What the page needs about every service of *project*."""
    root = project.root
    checks: dict[str, list[LockCheck]] = defaultdict(list)
    for verdict in check_services(project, project.services):
        checks[verdict.service].append(lock_check(verdict))
    return tuple(
        ServiceInputs(
            name=service.name,
            locks=tuple(checks[service.name]),
            lock_sha256=_sha256(service),
            audit=read_report(root, service_report_path(root, service.name)),
            licences=read_report(root, root / LICENCES_DIR / f"{service.name}.json"),
            tests=read_report(root, root / REPORTS / TESTS_SUBDIR / f"{service.name}.xml"),
        )
        for service in project.services
    )


def drift_report(root: Path) -> Report:
    """``reports/drift.json``, or why there is none."""
    return read_report(root, root / DRIFT_REPORT)


def _sha256(service: Service) -> str:
    try:
        return hashlib.sha256(service.main.lock.read_bytes()).hexdigest()
    except OSError:
        return ""
