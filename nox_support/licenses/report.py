"""The licence reports: ``reports/licenses/<service>.json`` and ``reports/licenses.md``.

Building and rendering are pure; :func:`write_service_report`,
:func:`read_service_report` and :func:`write_combined` are the I/O edge
(:func:`nox_support.core.outputs.write_report`: atomic writes that replace, never
follow, a planted symlink, and one clear error when they cannot).  Text from
package metadata is outside text: it is redacted (a URL with credentials in
a ``License`` field) and escaped (:mod:`nox_support.core.markdown`) before it
lands in Markdown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nox_support.core.markdown import cell_code, escape
from nox_support.core.outputs import write_report
from nox_support.core.redact import redact
from nox_support.licenses.policy import (
    Assessment,
    Compliant,
    Excepted,
    PolicyResult,
    UnknownAccepted,
    Violation,
)
from nox_support.licenses.spdx import Declared

REPORT_FORMAT = 1
REPORT_DIR = Path("reports") / "licenses"
COMBINED = Path("reports") / "licenses.md"

RowStatus = Literal["compliant", "excepted", "unknown", "violation"]


@dataclass(frozen=True)
class ReportRow:
    """One package in a licence report."""

    name: str
    version: str
    license: str | None
    """Normalised SPDX expression, ``None`` when unknown."""
    source: str | None
    declared: str | None
    """What the metadata said (redacted)."""
    status: RowStatus
    detail: str
    local_path: str | None


@dataclass(frozen=True)
class LicenseReport:
    """The licence inventory of one service."""

    service: str
    lock: str
    lock_sha256: str
    rows: tuple[ReportRow, ...]
    unused_exceptions: tuple[str, ...]
    expired_exceptions: tuple[str, ...] = ()

    @property
    def violations(self) -> tuple[ReportRow, ...]:
        """The rows that fail the service."""
        return tuple(r for r in self.rows if r.status == "violation")

    def summary_line(self) -> str:
        """``shop: 2 violations (14 packages, 1 unknown, 1 excepted)``.

        Each count agrees with the list: ``unknown`` counts every package whose licence is
        unknown, whether it passed (``unknown = "allow"``) or is one of the violations.
        """
        violations = sum(1 for r in self.rows if r.status == "violation")
        unknown = sum(1 for r in self.rows if r.license is None and r.status != "excepted")
        excepted = sum(1 for r in self.rows if r.status == "excepted")
        verdict = _count(violations, "violation") if violations else "compliant"
        return (
            f"{self.service}: {verdict} ({len(self.rows)} packages, {unknown} unknown, {excepted} excepted)"
        )

    def to_json(self) -> str:
        """The JSON report (stable key order, no timestamps: equal inputs give equal bytes)."""
        data = {
            "format": REPORT_FORMAT,
            "service": self.service,
            "lock": self.lock,
            "lock_sha256": self.lock_sha256,
            "status": "violations" if self.violations else "compliant",
            "packages": [
                {
                    "name": r.name,
                    "version": r.version,
                    "license": r.license,
                    "source": r.source,
                    "declared": r.declared,
                    "status": r.status,
                    "detail": r.detail,
                    "local_path": r.local_path,
                }
                for r in self.rows
            ],
            "unused_exceptions": list(self.unused_exceptions),
            "expired_exceptions": list(self.expired_exceptions),
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LicenseReport | None:
        """Parse a report this version wrote; ``None`` otherwise."""
        try:
            data = json.loads(text)
            if data.get("format") != REPORT_FORMAT:
                return None
            rows = tuple(
                ReportRow(
                    name=str(p["name"]),
                    version=str(p["version"]),
                    license=None if p["license"] is None else str(p["license"]),
                    source=None if p["source"] is None else str(p["source"]),
                    declared=None if p["declared"] is None else str(p["declared"]),
                    status=_status(p["status"]),
                    detail=str(p["detail"]),
                    local_path=None if p["local_path"] is None else str(p["local_path"]),
                )
                for p in data["packages"]
            )
            return cls(
                service=str(data["service"]),
                lock=str(data["lock"]),
                lock_sha256=str(data["lock_sha256"]),
                rows=rows,
                unused_exceptions=tuple(str(u) for u in data["unused_exceptions"]),
                expired_exceptions=tuple(str(u) for u in data["expired_exceptions"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def build_report(service: str, lock: str, lock_sha256: str, result: PolicyResult) -> LicenseReport:
    """The report of one service from its policy result (pure)."""
    return LicenseReport(
        service=service,
        lock=lock,
        lock_sha256=lock_sha256,
        rows=tuple(_row(a) for a in result.assessments),
        unused_exceptions=tuple(f"{e.origin} ({e.package})" for e in result.unused_exceptions),
        expired_exceptions=tuple(
            f"{e.origin} ({e.package}) expired on {e.expires}" for e in result.expired_exceptions
        ),
    )


def render_markdown(reports: tuple[LicenseReport, ...], notes: tuple[str, ...]) -> str:
    """``reports/licenses.md``: one section per service, violations first (pure)."""
    lines = ["# Licences", ""]
    lines += [f"- {escape(report.summary_line())}" for report in reports]
    lines += [f"- {escape(note)}" for note in notes]
    unused_everywhere = set.intersection(*(set(r.unused_exceptions) for r in reports)) if reports else set()
    lines += [
        f"- exception matched no package of any service: {escape(u)}" for u in sorted(unused_everywhere)
    ]
    order = {"violation": 0, "unknown": 1, "excepted": 2, "compliant": 3}
    for report in reports:
        lines += ["", f"## {escape(report.service)}", "", f"Lock: {cell_code(report.lock)}", ""]
        lines += ["| package | version | licence | status | detail |", "| --- | --- | --- | --- | --- |"]
        for row in sorted(report.rows, key=lambda r: (order[r.status], r.name)):
            licence = licence_text(row)
            name = row.name + (f" (local: {row.local_path})" if row.local_path else "")
            cells = (escape(name), escape(row.version), escape(licence), row.status, escape(row.detail))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def licence_text(row: ReportRow) -> str:
    """The licence of *row* for people: the SPDX expression, or ``unknown (what was declared)``."""
    if row.license:
        return row.license
    return f"unknown ({row.declared})" if row.declared else "unknown"


def write_service_report(root: Path, report: LicenseReport) -> Path:
    """Write ``reports/licenses/<service>.json`` atomically."""
    path = root / REPORT_DIR / f"{report.service}.json"
    write_report(path, report.to_json(), root=root)
    return path


def read_service_report(root: Path, service: str) -> LicenseReport | None:
    """The last report of *service*, ``None`` when absent or unreadable."""
    try:
        text = (root / REPORT_DIR / f"{service}.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return LicenseReport.from_json(text)


def write_combined(root: Path, text: str) -> Path:
    """Write ``reports/licenses.md`` atomically."""
    path = root / COMBINED
    write_report(path, text, root=root)
    return path


def _row(assessment: Assessment) -> ReportRow:
    package = assessment.package
    detected = package.detected
    declared = redact(detected.raw) if detected.raw is not None else None
    if isinstance(detected, Declared):
        license_value: str | None = detected.expression
        source: str | None = detected.source
    else:
        license_value, source = None, None
    status: RowStatus
    match assessment:
        case Compliant():
            status, detail = "compliant", ""
        case Excepted(exception=exception):
            status, detail = "excepted", f"{exception.reason} ({exception.origin})"
        case UnknownAccepted():
            status, detail = "unknown", getattr(detected, "reason", "")
        case Violation(why=why):
            status, detail = "violation", why
    return ReportRow(
        name=package.name,
        version=package.version,
        license=license_value,
        source=source,
        declared=declared,
        status=status,
        detail=redact(detail),
        local_path=package.local_path,
    )


def _status(value: object) -> RowStatus:
    if value in {"compliant", "excepted", "unknown", "violation"}:
        return value
    msg = f"unknown status {value!r}"
    raise ValueError(msg)
