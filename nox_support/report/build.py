"""The page model from the texts of the reports other sessions wrote (pure: no I/O).

Each report is parsed with the reader of the session that wrote it (the audit codec, the licence
report, pytest's JUnit counts, drift's JSON schema); anything it cannot read becomes
:class:`~nox_support.report.model.Unreadable` with the reason, never an empty result.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from packaging.utils import canonicalize_name

from nox_support.audit.codec import report_from_json
from nox_support.audit.verdict import ServiceReport
from nox_support.licenses.report import LicenseReport
from nox_support.lock import freshness
from nox_support.report.model import (
    AuditResult,
    DriftCell,
    DriftRow,
    DriftView,
    FindingRow,
    LicenceResult,
    LockCheck,
    LockState,
    Missing,
    Page,
    PytestResult,
    Report,
    ReportText,
    ServiceInputs,
    ServiceRow,
    Unreadable,
)

DRIFT_SCHEMA = "nox-support/drift"
DRIFT_SCHEMA_VERSION = 1

_LOCK_STATES: dict[type, LockState] = {
    freshness.FreshLock: "fresh",
    freshness.StaleLock: "stale",
    freshness.MissingLock: "missing",
    freshness.UnmarkedLock: "unmarked",
    freshness.UnreadableLock: "unreadable",
    freshness.AlteredLock: "altered",
    freshness.StaleLocalFile: "stale-local",
    freshness.DriftedLock: "stale",
    freshness.BrokenInputs: "broken",
}

# (service, package, version) -> advisory ids its audit did not ignore
_Vulnerable = dict[tuple[str, str, str], list[str]]


def lock_check(verdict: freshness.Verdict) -> LockCheck:
    """One lock's freshness verdict as the page shows it (with ``freshness``'s own message)."""
    return LockCheck(verdict.lock, _LOCK_STATES[type(verdict)], freshness.describe(verdict))


def build_page(services: tuple[ServiceInputs, ...], drift: Report) -> Page:
    """The page of *services* and the drift report."""
    audits = {s.name: _audit_report(s.audit) for s in services}
    rows = []
    for service in services:
        audit = audits[service.name]
        rows.append(
            ServiceRow(
                name=service.name,
                locks=service.locks,
                audit=_audit_result(audit, service.lock_sha256),
                licences=_licence_result(service.licences, service.lock_sha256),
                tests=_tests_result(service.tests),
            )
        )
    readable = tuple(a for a in audits.values() if isinstance(a, ServiceReport))
    drift_view, drift_notes = _drift_view(drift, _vulnerable(readable))
    return Page(services=tuple(rows), drift=drift_view, findings=findings(readable), notes=tuple(drift_notes))


def _audit_report(report: Report) -> ServiceReport | Missing | Unreadable:
    if not isinstance(report, ReportText):
        return report
    try:
        return report_from_json(report.text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Unreadable(
            report.path, f"not an audit report this version wrote ({type(exc).__name__}: {exc})"
        )


def _audit_result(
    report: ServiceReport | Missing | Unreadable, lock_sha256: str
) -> AuditResult | Missing | Unreadable:
    if not isinstance(report, ServiceReport):
        return report
    return AuditResult(
        status=report.status,
        vulnerable=report.vulnerable_count,
        ignored=report.ignored_count,
        errors=len(report.errors),
        not_audited=len(report.not_audited),
        generated_at=report.generated_at,
        current=bool(lock_sha256) and report.lock_sha256 == lock_sha256,
    )


def _licence_result(report: Report, lock_sha256: str) -> LicenceResult | Missing | Unreadable:
    if not isinstance(report, ReportText):
        return report
    parsed = LicenseReport.from_json(report.text)
    if parsed is None:
        return Unreadable(report.path, "not a licence report this version wrote")
    statuses = [row.status for row in parsed.rows]
    return LicenceResult(
        packages=len(statuses),
        violations=statuses.count("violation"),
        unknown=statuses.count("unknown"),
        excepted=statuses.count("excepted"),
        current=bool(lock_sha256) and parsed.lock_sha256 == lock_sha256,
    )


def _tests_result(report: Report) -> PytestResult | Missing | Unreadable:
    """The JUnit counts pytest wrote, summed over its ``testsuite`` elements."""
    if not isinstance(report, ReportText):
        return report
    try:
        # Written by pytest in tests(<service>); expat refuses entity expansion bombs and
        # ElementTree never fetches external entities.
        root = ET.fromstring(report.text)  # noqa: S314
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        if not suites:
            return Unreadable(report.path, "no <testsuite> in this JUnit report")
        total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for suite in suites:
            for key in total:
                total[key] += int(suite.get(key, "0"))
    except (ET.ParseError, ValueError) as exc:
        return Unreadable(report.path, f"not a JUnit report: {exc}")
    return PytestResult(**total)


def _vulnerable(reports: tuple[ServiceReport, ...]) -> _Vulnerable:
    found: _Vulnerable = defaultdict(list)
    for report in reports:
        for f in report.findings:
            if not f.ignored:
                found[report.service, canonicalize_name(f.package), f.version].append(f.id)
    return found


def findings(reports: tuple[ServiceReport, ...]) -> tuple[FindingRow, ...]:
    """One row per (advisory, package) over every service's audit report, most services first."""
    groups: dict[tuple[str, str], list[tuple[str, Any]]] = defaultdict(list)
    for report in reports:
        for f in report.findings:
            groups[f.id, canonicalize_name(f.package)].append((report.service, f))
    rows = []
    for (advisory, _), entries in groups.items():
        first = entries[0][1]
        rows.append(
            FindingRow(
                id=advisory,
                package=first.package,
                summary=next((f.summary for _, f in entries if f.summary), ""),
                aliases=_union(f.aliases for _, f in entries),
                fix_versions=_union(f.fix_versions for _, f in entries),
                versions=_union((f.version,) for _, f in entries),
                services=_union((s,) for s, f in entries if not f.ignored),
                ignored_in=_union((s,) for s, f in entries if f.ignored),
            )
        )
    return tuple(sorted(rows, key=lambda r: (-len(r.services), r.package, r.id)))


def _union(groups: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for group in groups for item in group))


def _drift_view(
    report: Report, vulnerable: _Vulnerable
) -> tuple[DriftView | Missing | Unreadable, list[str]]:
    if not isinstance(report, ReportText):
        return report, []
    try:
        data = json.loads(report.text)
        if data.get("schema") != DRIFT_SCHEMA or data.get("schema_version") != DRIFT_SCHEMA_VERSION:
            return Unreadable(report.path, f"not a {DRIFT_SCHEMA} {DRIFT_SCHEMA_VERSION} report"), []
        rows = tuple(_drift_row(p, vulnerable) for p in data["packages"])
        view = DriftView(
            locks=tuple(str(lock) for lock in data["locks"]),
            packages_locked=int(data["summary"]["packages_locked"]),
            rows=rows,
        )
        notes = [str(n) for n in (*data.get("problems", ()), *data.get("notes", ()))]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Unreadable(
            report.path, f"not a drift report this version wrote ({type(exc).__name__}: {exc})"
        ), []
    return view, notes


def _drift_row(package: dict[str, Any], vulnerable: _Vulnerable) -> DriftRow:
    name = str(package["name"])
    key = canonicalize_name(name)
    cells = []
    for group in package["versions"]:
        version = str(group["version"])
        for holder in group["locks"]:
            lock = str(holder["lock"])
            service = lock.split(":", 1)[0]
            ids = tuple(vulnerable.get((service, key, version), ()))
            cells.append(DriftCell(lock, version, ids))
    return DriftRow(name, str(package["convergence"]["verdict"]), tuple(cells))
