"""``nox -s audit_summary`` on its own combines the latest reports; a missing or outdated one is named."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from nox_support.audit.reports.json_report import write_service_report
from nox_support.audit.scanners.interface import ScanCompleted, Vulnerability
from nox_support.audit.session import AuditFailedError, failure_message, run_audit_summary, settings_for
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, ServiceReport, decide
from nox_support.core.errors import ConfigError
from nox_support.project import Project
from tests.fakes import RecordingSession
from tests.repos import monorepo, write

SOURCE = SourceInfo("offline", "/db", "offline sha256:abc", None)
TODAY = dt.date(2025, 1, 1)
LOCK = "alpha==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"


def report(
    root: Path, service: str, vulnerabilities: tuple[Vulnerability, ...] = (), *, lock_sha: str = ""
) -> ServiceReport:
    lock = root / "services" / service / "requirements.txt"
    context = ReportContext(
        service=service,
        lock=f"services/{service}/requirements.txt",
        lock_sha256=lock_sha or hashlib.sha256(lock.read_bytes()).hexdigest(),
        generated_at="2025-01-01T00:00:00Z",
        run="an-earlier-run",
        venv="already synced",
        not_audited=(),
        lines={},
    )
    return decide(
        context, ((ScanCompleted("pip-audit", "2.10", SOURCE, vulnerabilities), False),), (), today=TODAY
    )


def test_alone_it_combines_the_latest_reports_and_names_missing_and_outdated_ones(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"shop": "alpha\n", "billing": "alpha\n", "lab": "alpha\n"}, copy_noxfile=False)
    for service in ("shop", "billing", "lab"):
        write(root / "services" / service / "requirements.txt", LOCK)
    write_service_report(root, report(root, "shop"))
    write_service_report(root, report(root, "billing", lock_sha="0" * 64))  # the lock changed since

    session = RecordingSession()
    with pytest.raises(AuditFailedError) as failed:
        run_audit_summary(session.as_nox(), Project.load(root))
    assert str(failed.value) == (
        "audit: 2 of 3 services are not clean: billing, lab\n  hint: see reports/audit.md"
    )
    assert session.warnings == [
        "billing: the lock changed since its report of 2025-01-01T00:00:00Z",
        "lab: no report (reports/audit/lab.json is missing): not audited",
    ]
    assert session.logs[-1] == "wrote reports/audit.md, reports/audit.sarif"
    assert "shop" in (root / "reports/audit.md").read_text(encoding="utf-8")


def test_the_failure_message_lists_each_vulnerability_with_its_fix(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"shop": "alpha\n"}, copy_noxfile=False)
    write(root / "services/shop/requirements.txt", LOCK)
    found = (
        Vulnerability("alpha", "1.0", "PYSEC-2099-1", ("CVE-2099-1",), ("1.1", "2.0"), "pip-audit"),
        Vulnerability("alpha", "1.0", "PYSEC-2099-2", (), (), "pip-audit"),
    )
    assert failure_message(report(root, "shop", found)) == (
        "audit of shop: vulnerable\n"
        "2 known vulnerabilities:\n"
        "  - alpha==1.0: PYSEC-2099-1 (fixed in 1.1, 2.0)\n"
        "  - alpha==1.0: PYSEC-2099-2 (no fix yet)"
    )


def test_the_failure_message_of_an_error_shows_twenty_reasons_and_counts_the_rest(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"shop": "alpha\n"}, copy_noxfile=False)
    write(root / "services/shop/requirements.txt", LOCK)
    errored = replace(report(root, "shop"), status="error", errors=tuple(f"reason {n}" for n in range(1, 26)))
    lines = failure_message(errored).splitlines()
    assert lines[:3] == [
        "audit of shop: error",
        "could not tell whether the service is vulnerable:",
        "  - reason 1",
    ]
    assert lines[21:] == ["  - reason 20", "  ... and 5 more (see the JSON report)"]
    assert len(lines) == 23


def test_an_audit_table_that_is_not_a_table_is_a_config_error(tmp_path: Path) -> None:
    root = monorepo(
        tmp_path, {"shop": "alpha\n"}, pyproject='[tool.nox_support]\naudit = "osv"\n', copy_noxfile=False
    )
    with pytest.raises(ConfigError) as info:
        settings_for(Project.load(root))
    assert str(info.value) == "pyproject.toml [tool.nox_support.audit] must be a table"


def test_a_report_of_another_format_or_torn_is_named_not_combined(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"shop": "alpha\n", "lab": "alpha\n"}, copy_noxfile=False)
    for service in ("shop", "lab"):
        write(root / "services" / service / "requirements.txt", LOCK)
    write_service_report(root, report(root, "shop"))
    shop = root / "reports/audit/shop.json"
    shop.write_text(shop.read_text(encoding="utf-8").replace('"format": 1', '"format": 99'), encoding="utf-8")
    write(root / "reports/audit/lab.json", '{"format": 1, "service": "lab"')  # torn by a crash

    session = RecordingSession()
    with pytest.raises(AuditFailedError, match=r"^audit: 2 of 2 services are not clean: lab, shop"):
        run_audit_summary(session.as_nox(), Project.load(root))
    assert session.warnings[0].startswith("lab: unreadable report reports/audit/lab.json: ")
    assert session.warnings[1] == "shop: unreadable report reports/audit/shop.json: unknown report format"
