"""Reading the latest audit reports (an I/O edge of drift; :mod:`nox_support.lock.services` reads locks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nox_support.discovery import Service


@dataclass(frozen=True)
class AuditFinding:
    """A vulnerability the latest audit report of a service lists for a pinned package."""

    service: str
    package: str
    version: str
    id: str
    ignored: bool


def read_audit_findings(
    root: Path, services: tuple[Service, ...]
) -> tuple[tuple[AuditFinding, ...], tuple[str, ...]]:
    """Findings of the latest ``reports/audit/<service>.json``, and notes on unreadable reports.

    A missing report is no finding (the service was not audited); an unreadable one is noted.
    """
    from nox_support.audit.reports.json_report import (  # noqa: PLC0415 - only when reports exist
        read_service_report,
        service_report_path,
    )
    from nox_support.audit.verdict import ServiceReport  # noqa: PLC0415

    findings: list[AuditFinding] = []
    notes: list[str] = []
    for service in services:
        if not service_report_path(root, service.name).is_file():
            continue
        report = read_service_report(root, service.name)
        if not isinstance(report, ServiceReport):
            notes.append(report)
            continue
        findings.extend(
            AuditFinding(service.name, f.package, f.version, f.id, f.ignored) for f in report.findings
        )
    return tuple(findings), tuple(notes)
