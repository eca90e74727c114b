"""``reports/audit.sarif``: SARIF 2.1.0, one run per service.

Each result is located at the vulnerable pin's line in the service's lock
(``services/<name>/requirements.txt``, relative to the repository root), so
code scanning annotates the line to change.  Ignored findings carry an
``external`` suppression with the ignore's reason.  A service whose audit
could not tell has ``executionSuccessful: false`` with the reasons.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from nox_support.audit.policy import Finding
    from nox_support.audit.verdict import ServiceReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
TOOL_NAME = "nox-support audit"
INFORMATION_URI = "https://github.com/pypa/pip-audit"


class SarifReporter:
    """The combined SARIF log."""

    filename = "audit.sarif"

    def render(self, reports: tuple[ServiceReport, ...], *, root: Path) -> str:  # noqa: ARG002 - part of the interface
        """A SARIF 2.1.0 log with one run per service."""
        log = {"$schema": SCHEMA, "version": VERSION, "runs": [_run(r) for r in reports]}
        return json.dumps(log, indent=2) + "\n"


def _run(report: ServiceReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        rules.setdefault(finding.id, _rule(finding))
    rule_index = {rule_id: n for n, rule_id in enumerate(rules)}
    notifications = [{"level": "error", "message": {"text": e}} for e in report.errors]
    notifications += [{"level": "warning", "message": {"text": e}} for e in report.expired_ignores]
    notifications += [
        {
            "level": "note",
            "message": {"text": f"{p.name} {p.version} ({p.path}) was not audited: local path package"},
        }
        for p in report.not_audited
    ]
    return {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": _version(),
                "informationUri": INFORMATION_URI,
                "rules": list(rules.values()),
            }
        },
        "automationDetails": {"id": f"nox-support-audit/{report.service}/"},
        "invocations": [
            {"executionSuccessful": report.status != "error", "toolExecutionNotifications": notifications}
        ],
        "results": [_result(report, f, rule_index[f.id]) for f in report.findings],
        "properties": {"service": report.service, "status": report.status, "source": report.source.kind},
    }


def _rule(finding: Finding) -> dict[str, Any]:
    text = finding.summary or f"{finding.id} in {finding.package}"
    return {
        "id": finding.id,
        "name": finding.id.replace("-", ""),
        "shortDescription": {"text": text[:200]},
        "fullDescription": {"text": text},
        "helpUri": f"https://osv.dev/vulnerability/{finding.id}",
        "help": {"text": f"{finding.id} (aliases: {', '.join(finding.aliases) or 'none'})"},
        "properties": {"tags": ["security", "vulnerability"]},
    }


def _result(report: ServiceReport, finding: Finding, index: int) -> dict[str, Any]:
    fix = (
        f"upgrade to {', '.join(finding.fix_versions)}"
        if finding.fix_versions
        else "no fixed version is known"
    )
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": index,
        "level": "error",
        "message": {
            "text": (
                f"{finding.package}=={finding.version} is affected by {finding.id} ({fix}); "
                f"found by {finding.scanner}"
            )
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": report.lock},
                    "region": {"startLine": finding.line or 1},
                }
            }
        ],
        "partialFingerprints": {
            "noxSupportAudit/v1": hashlib.sha256(
                f"{report.service}\0{finding.package}\0{finding.id}".encode()
            ).hexdigest()
        },
    }
    if finding.ignored:
        result["suppressions"] = [{"kind": "external", "justification": finding.ignore_reason or ""}]
    return result


def _version() -> str:
    try:
        return metadata.version("nox-support")
    except metadata.PackageNotFoundError:
        return "0"
