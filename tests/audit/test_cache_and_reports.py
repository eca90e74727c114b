from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from nox_support.audit.cache import ScanCache, cache_key, cacheable
from nox_support.audit.codec import report_from_json, report_to_json
from nox_support.audit.config import ExpiresOn, Ignore
from nox_support.audit.reports.markdown import MarkdownReporter, truncate
from nox_support.audit.reports.sarif import SarifReporter
from nox_support.audit.scanners.interface import (
    LocalPackage,
    ScanCompleted,
    ScanFailed,
    SkippedPackage,
    Vulnerability,
)
from nox_support.audit.session import append_audit_summary, stale_ignores
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, decide
from nox_support.venv.values import Stamp

ONLINE = SourceInfo("osv", "https://api.osv.dev/v1/query", "osv https://api.osv.dev/v1/query", 3600)
OFFLINE = SourceInfo("offline", "/db", "offline sha256:abc", None, (("records", "3"),))
STAMP = Stamp(
    (("requirements.txt", "aa"),),
    "3.11.7 /py 1:2",
    "3.11.7",
    "fp",
    ("alpha-1.0.dist-info",),
    (("alpha", "1.0"),),
    (),
    "uv",
)
VULN = Vulnerability("alpha", "1.0", "PYSEC-1", ("CVE-1",), ("1.1",), "pip-audit", "bad things")
CONTEXT = ReportContext(
    service="svc",
    lock="services/svc/requirements.txt",
    lock_sha256="ff",
    generated_at="2025-01-01T00:00:00Z",
    run="run-1",
    venv="already synced",
    not_audited=(LocalPackage("acme-common", "0.3.0", "../../libs/common"),),
    lines={"alpha": 9},
)
TODAY = dt.date(2025, 1, 1)


def test_cache_key_changes_with_each_part() -> None:
    base = cache_key(STAMP, "pip-audit", "2.10", OFFLINE)
    assert base == cache_key(STAMP, "pip-audit", "2.10", OFFLINE)
    assert base != cache_key(STAMP, "pip-audit", "2.11", OFFLINE)
    assert base != cache_key(STAMP, "pip-audit", "2.10", ONLINE)
    other = Stamp(**{**STAMP.__dict__, "locks": (("requirements.txt", "bb"),)})
    assert base != cache_key(other, "pip-audit", "2.10", OFFLINE)


def test_cache_round_trip_and_ttl(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path)
    online = ScanCompleted("pip-audit", "2.10", ONLINE, (VULN,))
    cache.put("svc", "k", online, now=1000.0)
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0 + 3599) == online
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0 + 3600) is None  # past the TTL
    assert cache.get("svc", "pip-audit", "other-key", ttl_seconds=3600, now=1000.0) is None
    offline = ScanCompleted("pip-audit", "2.10", OFFLINE, ())
    cache.put("svc", "k2", offline, now=0.0)
    assert (
        cache.get("svc", "pip-audit", "k2", ttl_seconds=None, now=10.0**9) == offline
    )  # identified by content: no TTL


def test_answers_that_could_not_tell_are_not_cacheable() -> None:
    assert cacheable(ScanCompleted("pip-audit", "1", OFFLINE, ()))
    assert not cacheable(
        ScanCompleted("pip-audit", "1", OFFLINE, (), (SkippedPackage("a", "1", "x", "pip-audit"),))
    )
    assert not cacheable(ScanCompleted("pip-audit", "1", OFFLINE, (), (), ("problem",)))


def test_verdicts_fail_closed() -> None:
    clean = decide(CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, ()), False),), (), today=TODAY)
    assert clean.status == "clean"
    vulnerable = decide(
        CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, (VULN,)), False),), (), today=TODAY
    )
    assert vulnerable.status == "vulnerable"
    skipped = ScanCompleted(
        "pip-audit", "1", OFFLINE, (VULN,), (SkippedPackage("beta", "1", "not found", "pip-audit"),)
    )
    assert decide(CONTEXT, ((skipped, False),), (), today=TODAY).status == "error"
    failed = decide(
        CONTEXT, ((ScanFailed("safety", "unavailable", OFFLINE, "not installed"), False),), (), today=TODAY
    )
    assert failed.status == "error"
    assert decide(CONTEXT, (), (), today=TODAY).status == "error"
    ignore = Ignore("CVE-1", "alpha", (), "accepted", ExpiresOn(dt.date(2025, 2, 1)), "x")
    ignored = decide(
        CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, (VULN,)), True),), (ignore,), today=TODAY
    )
    assert ignored.status == "clean"
    assert ignored.findings[0].ignored
    assert ignored.scanners[0].cached


def test_report_json_round_trip_has_the_required_fields() -> None:
    report = decide(CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, (VULN,)), False),), (), today=TODAY)
    text = report_to_json(report)
    data = json.loads(text)
    assert {"service", "status", "source", "findings", "not_audited"} <= set(data)
    assert set(data["findings"][0]) >= {
        "package",
        "version",
        "id",
        "aliases",
        "fix_versions",
        "scanner",
        "ignored",
        "ignore_reason",
    }
    assert data["not_audited"][0]["package"] == "acme-common"
    assert report_from_json(text) == report


def test_sarif_is_2_1_0_with_locations_at_the_pin_line() -> None:
    ignore = Ignore("PYSEC-1", "alpha", ("other",), "r", ExpiresOn(dt.date(2030, 1, 1)), "x")
    reports = (
        decide(
            CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, (VULN,)), False),), (ignore,), today=TODAY
        ),
        decide(
            ReportContext(
                **{**CONTEXT.__dict__, "service": "other", "lock": "services/other/requirements.txt"}
            ),
            ((ScanCompleted("pip-audit", "1", OFFLINE, (VULN,)), False),),
            (ignore,),
            today=TODAY,
        ),
    )
    log = json.loads(SarifReporter().render(reports, root=Path()))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 2
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "PYSEC-1"
    (result,) = run["results"]
    assert result["ruleId"] == "PYSEC-1"
    assert result["ruleIndex"] == 0
    location = result["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "services/svc/requirements.txt"},
        "region": {"startLine": 9},
    }
    assert "suppressions" not in result
    assert log["runs"][1]["results"][0]["suppressions"] == [{"kind": "external", "justification": "r"}]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_markdown_stays_under_one_mebibyte(tmp_path: Path) -> None:
    many = tuple(
        Vulnerability("alpha", "1.0", f"PYSEC-{n}", ("CVE-X",), (), "pip-audit", "x" * 200)
        for n in range(20000)
    )
    report = decide(CONTEXT, ((ScanCompleted("pip-audit", "1", OFFLINE, many), False),), (), today=TODAY)
    text = MarkdownReporter().render((report,), root=tmp_path)
    assert len(text.encode()) < 1024 * 1024
    assert text.startswith("# Security audit")
    assert "truncated" in text
    summary = tmp_path / "step-summary.md"
    summary.write_text("x" * (1024 * 1024 - 5000), encoding="utf-8")
    append_audit_summary(text, str(summary))
    assert summary.stat().st_size < 1024 * 1024
    assert truncate("short", 100) == "short"


def test_stale_ignores_are_those_unmatched_everywhere() -> None:
    a = decide(CONTEXT, (), (), today=TODAY)
    reports = [
        a.__class__(**{**a.__dict__, "unmatched_ignores": ("X (a)", "Y (b)")}),
        a.__class__(**{**a.__dict__, "unmatched_ignores": ("Y (b)",)}),
    ]
    assert stale_ignores(reports) == ("Y (b)",)
