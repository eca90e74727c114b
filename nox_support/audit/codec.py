"""The JSON form of audit values: ``reports/audit/<service>.json`` and the sources in the verdict cache.

Source locations and warnings pass through :func:`nox_support.core.redact.redact` on the way out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nox_support.audit.policy import Finding
from nox_support.audit.scanners.interface import LocalPackage, ScanCompleted, SkippedPackage, Vulnerability
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import NOT_AUDITED_REASON, ScannerRun, ServiceReport
from nox_support.core.redact import redact

if TYPE_CHECKING:
    from collections.abc import Mapping

REPORT_FORMAT = 1


def source_to_json(source: SourceInfo) -> dict[str, Any]:
    """JSON form of a :class:`SourceInfo`."""
    return {
        "kind": source.kind,
        "location": redact(source.location),
        "identity": source.identity,
        "ttl_seconds": source.ttl_seconds,
        "details": dict(source.details),
        "warnings": [redact(w) for w in source.warnings],
    }


def source_from_json(data: Mapping[str, Any]) -> SourceInfo:
    """Inverse of :func:`source_to_json`."""
    ttl = data.get("ttl_seconds")
    return SourceInfo(
        kind=str(data["kind"]),
        location=str(data["location"]),
        identity=str(data["identity"]),
        ttl_seconds=None if ttl is None else float(ttl),
        details=tuple((str(k), str(v)) for k, v in dict(data.get("details") or {}).items()),
        warnings=tuple(str(w) for w in data.get("warnings") or ()),
    )


def report_to_json(report: ServiceReport) -> str:
    """``reports/audit/<service>.json``."""
    data = {
        "format": REPORT_FORMAT,
        "service": report.service,
        "status": report.status,
        "counts": {
            "vulnerable": report.vulnerable_count,
            "ignored": report.ignored_count,
            "errors": len(report.errors),
            "not_audited": len(report.not_audited),
        },
        "lock": report.lock,
        "lock_sha256": report.lock_sha256,
        "generated_at": report.generated_at,
        "run": report.run,
        "source": source_to_json(report.source),
        "scanners": [
            {
                "name": r.name,
                "version": r.version,
                "outcome": r.outcome,
                "cached": r.cached,
                "source": source_to_json(r.source),
                "reason": r.reason,
            }
            for r in report.scanners
        ],
        "findings": [
            {
                "package": f.package,
                "version": f.version,
                "id": f.id,
                "aliases": list(f.aliases),
                "fix_versions": list(f.fix_versions),
                "scanner": f.scanner,
                "summary": f.summary,
                "ignored": f.ignored,
                "ignore_reason": f.ignore_reason,
                "note": f.note,
                "line": f.line,
            }
            for f in report.findings
        ],
        "not_audited": [
            {"package": p.name, "version": p.version, "path": p.path, "reason": NOT_AUDITED_REASON}
            for p in report.not_audited
        ],
        "skipped": [
            {"package": s.package, "version": s.version, "reason": s.reason, "scanner": s.scanner}
            for s in report.skipped
        ],
        "errors": list(report.errors),
        "expired_ignores": list(report.expired_ignores),
        "unmatched_ignores": list(report.unmatched_ignores),
        "venv": report.venv,
        "warnings": list(report.warnings),
    }
    return json.dumps(data, indent=2) + "\n"


def report_from_json(text: str) -> ServiceReport:
    """Inverse of :func:`report_to_json`; raises ``ValueError``/``KeyError`` when malformed."""
    data = json.loads(text)
    if data.get("format") != REPORT_FORMAT:
        msg = "unknown report format"
        raise ValueError(msg)
    return ServiceReport(
        service=data["service"],
        status=data["status"],
        lock=data["lock"],
        lock_sha256=data["lock_sha256"],
        generated_at=data["generated_at"],
        run=str(data.get("run", "")),
        source=source_from_json(data["source"]),
        scanners=tuple(
            ScannerRun(
                r["name"], r["version"], r["outcome"], r["cached"], source_from_json(r["source"]), r["reason"]
            )
            for r in data["scanners"]
        ),
        findings=tuple(
            Finding(
                vulnerability=Vulnerability(
                    package=f["package"],
                    version=f["version"],
                    id=f["id"],
                    aliases=tuple(f["aliases"]),
                    fix_versions=tuple(f["fix_versions"]),
                    scanner=f["scanner"],
                    summary=f["summary"],
                ),
                ignored=f["ignored"],
                ignore_reason=f["ignore_reason"],
                note=f["note"],
                line=f["line"],
            )
            for f in data["findings"]
        ),
        not_audited=tuple(LocalPackage(p["package"], p["version"], p["path"]) for p in data["not_audited"]),
        skipped=tuple(
            SkippedPackage(s["package"], s["version"], s["reason"], s["scanner"]) for s in data["skipped"]
        ),
        errors=tuple(data["errors"]),
        expired_ignores=tuple(data["expired_ignores"]),
        unmatched_ignores=tuple(data["unmatched_ignores"]),
        venv=data["venv"],
        warnings=tuple(str(w) for w in data.get("warnings") or ()),
    )


def outcome_to_json(outcome: ScanCompleted) -> dict[str, Any]:
    """JSON form of a completed scan (the verdict cache's entries)."""
    return {
        "scanner": outcome.scanner,
        "scanner_version": outcome.scanner_version,
        "source": source_to_json(outcome.source),
        "vulnerabilities": [
            {
                "package": v.package,
                "version": v.version,
                "id": v.id,
                "aliases": list(v.aliases),
                "fix_versions": list(v.fix_versions),
                "scanner": v.scanner,
                "summary": v.summary,
            }
            for v in outcome.vulnerabilities
        ],
        "skipped": [[s.package, s.version, s.reason, s.scanner] for s in outcome.skipped],
        "problems": list(outcome.problems),
    }


def outcome_from_json(data: dict[str, Any]) -> ScanCompleted:
    """Inverse of :func:`outcome_to_json`."""
    return ScanCompleted(
        scanner=str(data["scanner"]),
        scanner_version=str(data["scanner_version"]),
        source=source_from_json(data["source"]),
        vulnerabilities=tuple(
            Vulnerability(
                package=v["package"],
                version=v["version"],
                id=v["id"],
                aliases=tuple(v["aliases"]),
                fix_versions=tuple(v["fix_versions"]),
                scanner=v["scanner"],
                summary=v["summary"],
            )
            for v in data["vulnerabilities"]
        ),
        skipped=tuple(SkippedPackage(*s) for s in data["skipped"]),
        problems=tuple(data["problems"]),
    )
