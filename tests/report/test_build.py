"""The page model and its HTML without a browser: missing is missing, unreadable is said, never clean."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nox_support.audit.codec import report_to_json
from nox_support.audit.scanners.interface import ScanCompleted, Vulnerability
from nox_support.audit.verdict import ReportContext, ServiceReport, decide
from nox_support.core.outputs import OutputError
from nox_support.lock import freshness
from nox_support.project import Project
from nox_support.report import read as read_module
from nox_support.report.assets import SCRIPT, STYLE
from nox_support.report.build import build_page, findings, lock_check
from nox_support.report.model import (
    AuditResult,
    DriftView,
    LicenceResult,
    LockCheck,
    Missing,
    Page,
    PytestResult,
    ReportText,
    ServiceInputs,
    ServiceRow,
    Unreadable,
)
from nox_support.report.page import csp_hash, render
from nox_support.report.read import read_report
from nox_support.report.session import absent_lines, run_report
from tests.fakes import RecordingSession
from tests.report import scenes
from tests.report.scenes import SOURCE, TODAY
from tests.repos import monorepo, write

FRESH = (LockCheck("services/a/requirements.txt", "fresh", "a: services/a/requirements.txt is fresh"),)
SHA = "ab" * 32


def audit_json(service: str, *vulns: Vulnerability, lock_sha256: str = SHA) -> str:
    context = ReportContext(service, "l", lock_sha256, "2026-01-01T00:00:00Z", "r", "synced", (), {})
    outcome = ScanCompleted("pip-audit", "2.10", SOURCE, vulns)
    return report_to_json(decide(context, ((outcome, False),), (), today=TODAY))


def inputs(name: str = "a", **reports: object) -> ServiceInputs:
    base: dict[str, object] = {
        "audit": Missing(f"reports/audit/{name}.json"),
        "licences": Missing(f"reports/licenses/{name}.json"),
        "tests": Missing(f"reports/tests/{name}.xml"),
    }
    base.update(reports)
    return ServiceInputs(name, FRESH, SHA, **base)  # type: ignore[arg-type]


def test_missing_reports_stay_missing_and_are_listed() -> None:
    page = build_page((inputs(),), Missing("reports/drift.json"))
    (row,) = page.services
    assert (row.audit, row.licences, row.tests) == (
        Missing("reports/audit/a.json"),
        Missing("reports/licenses/a.json"),
        Missing("reports/tests/a.xml"),
    )
    assert page.drift == Missing("reports/drift.json")
    assert absent_lines(page) == [
        "audit: 1 of 1 services have no report, shown as missing (run nox -s audit)",
        "licences: 1 of 1 services have no report, shown as missing (run nox -s licenses)",
        "tests: 1 of 1 services have no report, shown as missing (run nox -s tests)",
        "drift: reports/drift.json is missing, shown as missing (run nox -s drift)",
    ]


def test_unreadable_reports_say_why_and_are_never_clean() -> None:
    page = build_page(
        (
            inputs(
                audit=ReportText("reports/audit/a.json", '{"format": 99}'),
                licences=ReportText("reports/licenses/a.json", "[]"),
                tests=ReportText("reports/tests/a.xml", "<testsuites><testsuite tests='x'/></testsuites>"),
            ),
        ),
        ReportText("reports/drift.json", '{"schema": "other"}'),
    )
    (row,) = page.services
    assert row.audit == Unreadable(
        "reports/audit/a.json", "not an audit report this version wrote (ValueError: unknown report format)"
    )
    assert row.licences == Unreadable("reports/licenses/a.json", "not a licence report this version wrote")
    assert isinstance(row.tests, Unreadable)
    assert row.tests.reason.startswith("not a JUnit report")
    assert page.drift == Unreadable("reports/drift.json", "not a nox-support/drift 1 report")
    html = render(page, title="t", generated_at="now")
    assert html.count('"t":"unreadable"') == 3


def test_an_audit_of_an_older_lock_is_not_shown_as_clean() -> None:
    current = build_page((inputs(audit=ReportText("p", audit_json("a"))),), Missing("d"))
    older = build_page((inputs(audit=ReportText("p", audit_json("a", lock_sha256="0" * 64))),), Missing("d"))
    assert current.services[0].audit == AuditResult("clean", 0, 0, 0, 0, "2026-01-01T00:00:00Z", current=True)
    assert isinstance(older.services[0].audit, AuditResult)
    assert older.services[0].audit.current is False
    page = render(older, title="t", generated_at="now")
    assert '"s":"warn","t":"clean, older lock"' in page


def test_licences_and_tests_are_counted() -> None:
    licence = json.dumps(
        {
            "format": 1,
            "service": "a",
            "lock": "l",
            "lock_sha256": SHA,
            "status": "violations",
            "packages": [
                {
                    "name": n,
                    "version": "1",
                    "license": None,
                    "source": None,
                    "declared": None,
                    "status": s,
                    "detail": "",
                    "local_path": None,
                }
                for n, s in (("x", "violation"), ("y", "unknown"), ("z", "compliant"))
            ],
            "unused_exceptions": [],
            "expired_exceptions": [],
        }
    )
    junit = (
        '<testsuites><testsuite tests="5" failures="1" errors="1" skipped="1"/>'
        '<testsuite tests="2" failures="0" errors="0" skipped="0"/></testsuites>'
    )
    page = build_page(
        (inputs(licences=ReportText("l", licence), tests=ReportText("t", junit)),), Missing("d")
    )
    (row,) = page.services
    assert row.licences == LicenceResult(packages=3, violations=1, unknown=1, excepted=0, current=True)
    assert row.tests == PytestResult(tests=7, failures=1, errors=1, skipped=1)
    assert row.tests.passed == 4


def test_findings_are_grouped_across_services_with_ignored_ones_apart() -> None:
    vuln = Vulnerability("Pkg", "1.0", "PYSEC-1", ("CVE-1",), ("1.1",), "pip-audit", "bad")
    other = Vulnerability("pkg", "1.2", "PYSEC-1", ("GHSA-1",), ("1.3",), "pip-audit", "")
    reports = [
        decide(
            ReportContext(s, "l", SHA, "t", "r", "v", (), {}),
            ((ScanCompleted("pip-audit", "2", SOURCE, (v,)), False),),
            (),
            today=TODAY,
        )
        for s, v in (("a", vuln), ("b", other))
    ]
    ignored = ServiceReport(
        **{
            **reports[1].__dict__,
            "service": "c",
            "findings": (
                reports[1].findings[0].__class__(**{**reports[1].findings[0].__dict__, "ignored": True}),
            ),
        }
    )
    (row,) = findings((*reports, ignored))
    assert (row.id, row.package, row.summary) == ("PYSEC-1", "Pkg", "bad")
    assert row.aliases == ("CVE-1", "GHSA-1")
    assert row.fix_versions == ("1.1", "1.3")
    assert row.versions == ("1.0", "1.2")
    assert row.services == ("a", "b")
    assert row.ignored_in == ("c",)


def test_drift_cells_mark_only_the_versions_a_services_audit_found() -> None:
    drift = {
        "schema": "nox-support/drift",
        "schema_version": 1,
        "locks": ["a", "b", "b:dev"],
        "summary": {"packages_locked": 9},
        "packages": [
            {
                "name": "Pkg",
                "versions": [
                    {"version": "2.0", "locks": [{"lock": "a"}]},
                    {"version": "1.0", "locks": [{"lock": "b"}, {"lock": "b:dev"}]},
                ],
                "convergence": {"verdict": "fits-all"},
            }
        ],
        "problems": ["x: no lock"],
        "notes": [],
    }
    vuln = Vulnerability("pkg", "1.0", "PYSEC-9", (), (), "pip-audit")
    page = build_page(
        (inputs("a"), inputs("b", audit=ReportText("p", audit_json("b", vuln)))),
        ReportText("reports/drift.json", json.dumps(drift)),
    )
    assert isinstance(page.drift, DriftView)
    (row,) = page.drift.rows
    assert row.versions == ("2.0", "1.0")
    assert [(c.lock, c.version, c.vulnerable) for c in row.cells] == [
        ("a", "2.0", ()),
        ("b", "1.0", ("PYSEC-9",)),
        ("b:dev", "1.0", ("PYSEC-9",)),
    ]
    assert page.notes == ("x: no lock",)


def test_lock_states_come_from_the_freshness_verdicts() -> None:
    assert lock_check(freshness.FreshLock("a", "l")) == LockCheck("l", "fresh", "a: l is fresh")
    stale = lock_check(freshness.MissingLock("a", "l"))
    assert stale.state == "missing"
    assert stale.message.startswith("a: l is missing; fix: nox -s")


def test_the_policy_allows_exactly_the_pages_own_script_and_style() -> None:
    page = render(build_page((inputs(),), Missing("d")), title="<t>", generated_at="now")
    digest = hashlib.sha256(SCRIPT.encode()).digest()
    assert csp_hash(SCRIPT) == f"'sha256-{base64.b64encode(digest).decode()}'"
    policy = f"default-src 'none'; script-src {csp_hash(SCRIPT)}; style-src {csp_hash(STYLE)};"
    assert html.escape(policy) in page
    assert f"<script>{SCRIPT}</script>" in page
    assert f"<style>{STYLE}</style>" in page
    assert "<h1>&lt;t&gt;</h1>" in page


def test_read_report_tells_missing_from_unreadable(tmp_path: Path) -> None:
    assert read_report(tmp_path, tmp_path / "r.json") == Missing("r.json")
    (tmp_path / "d.json").mkdir()
    assert isinstance(read_report(tmp_path, tmp_path / "d.json"), Unreadable)
    (tmp_path / "b.json").write_bytes(b"\xff")
    assert read_report(tmp_path, tmp_path / "b.json") == Unreadable(
        "b.json", "not UTF-8 (invalid start byte at byte 0)"
    )
    (tmp_path / "ok.json").write_text("{}", encoding="utf-8")
    assert read_report(tmp_path, tmp_path / "ok.json") == ReportText("ok.json", "{}")


def test_the_session_writes_the_page_and_warns_about_what_is_missing(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"a": "alpha\n"})
    session = RecordingSession()
    run_report(session.as_nox(), Project.load(root))
    assert (root / "reports" / "index.html").is_file()
    assert (root / "reports" / ".gitignore").read_text(encoding="utf-8") == "*\n"
    assert "audit: 1 of 1 services have no report, shown as missing (run nox -s audit)" in session.warnings
    assert session.logs[-1].startswith("wrote reports/index.html (1 services, 0 findings, ")


def test_the_session_writes_through_outputs_never_through_a_planted_link(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"a": "alpha\n"})
    outside = tmp_path / "outside.html"
    outside.write_text("keep", encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "index.html").symlink_to(outside)
    run_report(RecordingSession().as_nox(), Project.load(root))
    assert outside.read_text(encoding="utf-8") == "keep"
    assert not (root / "reports" / "index.html").is_symlink()


def test_a_file_where_reports_should_be_is_one_clear_error(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"a": "alpha\n"})
    write(root / "reports", "not a directory")
    with pytest.raises(OutputError, match="cannot create reports/"):
        run_report(RecordingSession().as_nox(), Project.load(root))


def test_the_sample_page_is_built_from_the_sample_reports(tmp_path: Path) -> None:
    root = scenes.sample(tmp_path)
    session = RecordingSession()
    run_report(session.as_nox(), Project.load(root))
    assert session.warnings == [
        "audit: 2 of 4 services have no report, shown as missing (run nox -s audit)",
        "licences: 2 of 4 services have no report, shown as missing (run nox -s licenses)",
        "tests: 3 of 4 services have no report, shown as missing (run nox -s tests)",
    ]
    sha = hashlib.sha256((root / "services/orders/requirements.txt").read_bytes()).hexdigest()
    assert sha in (root / "reports/audit/orders.json").read_text(encoding="utf-8")


def page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def cells(row: ServiceRow) -> dict[str, tuple[str, str]]:
    page = Page(services=(row,), drift=Missing("d"), findings=(), notes=())
    (service,) = page_data(render(page, title="t", generated_at="now"))["services"]
    return {key: (cell["s"], cell["t"]) for key, cell in service["cells"].items()}


def test_each_verdict_has_its_colour_and_words() -> None:
    stale = LockCheck("services/a/requirements-dev.txt", "stale", "a: ... is stale")
    row = ServiceRow(
        "a",
        (*FRESH, stale),
        AuditResult("error", 1, 2, 3, 1, "t", current=False),
        LicenceResult(packages=3, violations=0, unknown=2, excepted=0, current=False),
        PytestResult(tests=0, failures=0, errors=0, skipped=0),
    )
    assert cells(row) == {
        "lock": ("bad", "stale (1 of 2 locks)"),
        "audit": ("bad", "error (1 vulnerable, 3 errors, 2 ignored, 1 not audited), older lock"),
        "licences": ("warn", "compliant, 2 unknown, older lock"),
        "tests": ("warn", "no tests ran"),
    }
    clean = ServiceRow(
        "b",
        FRESH,
        AuditResult("clean", 0, 0, 0, 0, "t", current=True),
        LicenceResult(packages=3, violations=0, unknown=0, excepted=1, current=False),
        PytestResult(tests=3, failures=0, errors=0, skipped=0),
    )
    assert cells(clean) == {
        "lock": ("good", "fresh"),
        "audit": ("good", "clean"),
        "licences": ("warn", "compliant, older lock"),  # never green for a lock that changed since
        "tests": ("good", "3 passed"),
    }


def test_malformed_junit_and_drift_reports_are_unreadable() -> None:
    page = build_page(
        (inputs(tests=ReportText("t.xml", "<other/>")),),
        ReportText("reports/drift.json", '{"schema": "nox-support/drift", "schema_version": 1}'),
    )
    assert page.services[0].tests == Unreadable("t.xml", "no <testsuite> in this JUnit report")
    assert page.drift == Unreadable(
        "reports/drift.json", "not a drift report this version wrote (KeyError: 'packages')"
    )
    assert absent_lines(page)[-1] == (
        "drift: reports/drift.json is unreadable "
        "(not a drift report this version wrote (KeyError: 'packages'))"
    )
    html = render(page, title="t", generated_at="now")
    assert '<p class="bad">unreadable: reports/drift.json: not a drift report' in html
    assert page_data(html)["drift"] == {"state": "unreadable"}


def test_a_report_too_large_to_read_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_module, "MAX_REPORT_BYTES", 4)
    (tmp_path / "big.json").write_text("12345", encoding="utf-8")
    assert read_report(tmp_path, tmp_path / "big.json") == Unreadable("big.json", "larger than 0 MiB")
