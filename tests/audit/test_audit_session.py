"""The audit end to end: real venvs, real pip-audit, the real loopback OSV server."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from nox_support.audit.scanners.interface import (
    AuditedPackage,
    LocalPackage,
    ScanCompleted,
    ScanFailed,
    ScanOutcome,
    ScanTarget,
)
from nox_support.audit.scanners.pip_audit import PipAuditScanner
from nox_support.audit.session import AuditFailedError, run_audit, run_audit_summary
from nox_support.audit.sources.offline import OfflineOsvSource
from nox_support.project import Project
from tests.audit.conftest import SHARED_ADVISORY_DB, FakeSession, make_repo, osv_record, write_osv_db
from tests.repos import stamp_lock, write
from tests.wheels import Dist, build_all

pytestmark = pytest.mark.slow

VULNERABLE = [
    osv_record("PYSEC-2099-1", "alpha", fixed="1.1", aliases=("CVE-2024-0001",)),
    osv_record("TEST-ALPHA-OLD", "alpha", fixed="1.0"),
    osv_record("TEST-BETA-W", "beta", fixed="9", withdrawn="2024-06-01T00:00:00Z"),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """One repository for the module: its venv is created once and reused, as Nox does."""
    return make_repo(
        tmp_path_factory.mktemp("audit") / "repo", wheelhouse, {"svc": {"alpha": "1.0", "beta": "1.0"}}
    )


@pytest.fixture
def env(repo: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    write(repo / "pyproject.toml", "")
    return offline_env


def audit(repo: Path, *posargs: str, service: str = "svc") -> tuple[FakeSession, dict[str, Any]]:
    session = FakeSession(repo / ".nox" / f"audit-{service}", posargs=posargs)
    try:
        run_audit(session.as_nox(), Project.load(repo), service)
    finally:
        report = json.loads((repo / "reports" / "audit" / f"{service}.json").read_text(encoding="utf-8"))
    return session, report


def expect_failure(repo: Path, *posargs: str, service: str = "svc") -> tuple[str, dict[str, Any]]:
    with pytest.raises(AuditFailedError) as info:
        audit(repo, *posargs, service=service)
    report = json.loads((repo / "reports" / "audit" / f"{service}.json").read_text(encoding="utf-8"))
    return str(info.value), report


def use_db(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", str(directory))


@pytest.mark.usefixtures("env")
def test_clean_service_then_a_cached_no_op(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", [osv_record("TEST-ALPHA-OLD", "alpha", fixed="1.0")]))
    session, report = audit(repo)
    assert report["status"] == "clean"
    assert report["findings"] == []
    assert report["source"]["kind"] == "offline"
    assert report["source"]["details"]["records"] == "1"
    assert report["not_audited"] == [
        {
            "package": "acme-common",
            "version": "0.3.0",
            "path": "../../libs/common",
            "reason": "local path package: not published, so no source can audit it",
        }
    ]
    assert report["scanners"][0]["cached"] is False
    assert session.notified == ["audit_summary"]

    _, again = audit(repo)
    assert again["status"] == "clean"
    assert again["venv"] == "already synced"
    assert again["scanners"][0]["cached"] is True

    _, refreshed = audit(repo, "--refresh")
    assert refreshed["scanners"][0]["cached"] is False


@pytest.mark.usefixtures("env")
def test_vulnerable_service_fails_and_says_which(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", VULNERABLE))
    message, report = expect_failure(repo)
    assert "audit of svc: vulnerable" in message
    assert "alpha==1.0: PYSEC-2099-1 (fixed in 1.1)" in message
    (finding,) = report["findings"]
    assert finding["id"] == "PYSEC-2099-1"
    assert finding["aliases"] == ["CVE-2024-0001"]
    assert finding["fix_versions"] == ["1.1"]
    assert finding["scanner"] == "pip-audit"
    assert finding["ignored"] is False
    lock_lines = (repo / "services/svc/requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lock_lines[finding["line"] - 1].startswith("alpha==1.0")


IGNORE = """
[tool.nox_support.audit]
[[tool.nox_support.audit.ignore]]
id = "{id}"
package = "alpha"
reason = "only reachable through an API we do not call"
expires = {expires}
"""


@pytest.mark.usefixtures("env")
def test_an_ignore_by_alias_makes_the_service_clean(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", VULNERABLE))
    write(repo / "pyproject.toml", IGNORE.format(id="CVE-2024-0001", expires="2999-01-01"))
    _, report = audit(repo)
    assert report["status"] == "clean"
    (finding,) = report["findings"]
    assert finding["ignored"] is True
    assert finding["ignore_reason"] == "only reachable through an API we do not call"
    assert report["expired_ignores"] == []


@pytest.mark.parametrize(
    ("expires", "note", "expired"),
    [
        ("2020-01-01", "expired on 2020-01-01", 1),
        ('"until-fixed"', "a fix exists (1.1)", 0),
    ],
    ids=["expired", "until-fixed-with-a-fix"],
)
@pytest.mark.usefixtures("env")
def test_an_ignore_that_no_longer_applies_leaves_the_service_vulnerable(  # noqa: PLR0913
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expires: str, note: str, expired: int
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", VULNERABLE))
    write(repo / "pyproject.toml", IGNORE.format(id="PYSEC-2099-1", expires=expires))
    _, report = expect_failure(repo)
    assert report["status"] == "vulnerable"
    (finding,) = report["findings"]
    assert finding["ignored"] is False
    assert note in finding["note"]
    assert len(report["expired_ignores"]) == expired


@pytest.mark.usefixtures("env")
def test_until_fixed_ignores_while_there_is_no_fix_and_stale_ignores_are_reported(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", [osv_record("TEST-NOFIX", "beta", introduced="0.5")]))
    write(
        repo / "pyproject.toml",
        IGNORE.format(id="TEST-NOFIX", expires='"until-fixed"').replace(
            'package = "alpha"', 'package = "beta"'
        )
        + IGNORE.format(id="TEST-GONE", expires="2999-01-01").replace("[tool.nox_support.audit]\n", "", 1),
    )
    session, report = audit(repo)
    assert report["status"] == "clean"
    assert report["findings"][0]["ignored"] is True
    assert report["unmatched_ignores"] == ["TEST-GONE (alpha)"]
    assert any("ignore matched nothing: TEST-GONE (alpha)" in w for w in session.warnings)


@pytest.mark.usefixtures("env")
def test_source_down_is_an_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("NOX_SUPPORT_OSV_URL", f"http://127.0.0.1:{port}/v1/query")
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", "")
    message, report = expect_failure(repo)
    assert report["status"] == "error"
    assert report["source"]["kind"] == "osv"
    assert "without a JSON report (crash or source unreachable)" in message


@pytest.mark.usefixtures("env")
def test_scanner_crash_is_an_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The loopback server cannot evaluate this range, answers 500, and pip-audit crashes.
    use_db(
        monkeypatch, write_osv_db(tmp_path / "db", [osv_record("TEST-BAD", "beta", fixed="not-a-version!")])
    )
    message, report = expect_failure(repo)
    assert report["status"] == "error"
    assert "could not evaluate" in message
    assert "TEST-BAD" in message


@pytest.mark.usefixtures("env")
def test_unreadable_database_is_an_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = write_osv_db(tmp_path / "db", VULNERABLE)
    (db / "vulns" / "alpha" / "BROKEN.yaml").write_text("id: [\n", encoding="utf-8")
    use_db(monkeypatch, db)
    message, report = expect_failure(repo)
    assert report["status"] == "error"
    assert "unreadable record" in message


@pytest.mark.usefixtures("env")
def test_a_venv_that_cannot_match_its_lock_is_an_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", VULNERABLE))
    lock = repo / "services/svc/requirements.txt"
    local = repo / "services/svc/requirements.local.txt"  # stamp_lock rewrites it too
    original = {path: path.read_bytes() for path in (lock, local) if path.exists()}
    try:
        lock.write_text(original[lock].decode().replace("alpha==1.0", "alpha==1.1"), encoding="utf-8")
        stamp_lock(repo, "svc")  # a consistent digest line: the sync itself must catch it
        message, report = expect_failure(repo)
        assert report["status"] == "error"
        assert "could not be synced" in message
    finally:
        for path, content in original.items():
            path.write_bytes(content)
    _, report = expect_failure(repo)
    assert report["status"] == "vulnerable"


@pytest.mark.usefixtures("env")
def test_summary_writes_markdown_sarif_and_the_step_summary(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, write_osv_db(tmp_path / "db", VULNERABLE))
    expect_failure(repo)
    step = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    session = FakeSession(repo / ".nox" / "audit-svc")
    with pytest.raises(AuditFailedError, match="1 of 1 services are not clean: svc"):
        run_audit_summary(session.as_nox(), Project.load(repo))
    assert any(
        line.startswith("svc: vulnerable (1 vulnerable, 0 ignored, 0 errors, 1 not audited)")
        for line in session.logs
    )
    markdown = (repo / "reports" / "audit.md").read_text(encoding="utf-8")
    assert "| svc | ❌ vulnerable | 1 | 0 | 0 | 1 | offline |" in markdown
    assert step.read_text(encoding="utf-8") == markdown
    sarif = json.loads((repo / "reports" / "audit.sarif").read_text(encoding="utf-8"))
    (run,) = sarif["runs"]
    (result,) = run["results"]
    assert result["ruleId"] == "PYSEC-2099-1"
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "services/svc/requirements.txt"
    )


REAL_RELEASES = (Dist("requests", "2.19.0"), Dist("urllib3", "1.24.1"), Dist("jinja2", "2.10"))


@pytest.mark.skipif(not SHARED_ADVISORY_DB.is_dir(), reason="../shared/advisory-db is not present")
@pytest.mark.usefixtures("offline_env")
def test_real_advisory_database_reports_the_real_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = build_all(REAL_RELEASES, tmp_path / "wheels")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("UV_FIND_LINKS", str(wheels))
    root = make_repo(
        tmp_path / "real", wheels, {"web": {d.name: d.version for d in REAL_RELEASES}}, common=False
    )
    monkeypatch.chdir(root)
    use_db(monkeypatch, SHARED_ADVISORY_DB)
    _, report = expect_failure(root, service="web")
    assert report["status"] == "vulnerable"
    ids = {(f["package"], f["id"]) for f in report["findings"]}
    assert {
        ("requests", "PYSEC-2018-28"),
        ("requests", "PYSEC-2023-74"),
        ("urllib3", "PYSEC-2019-132"),
    } <= ids
    aliases = {a for f in report["findings"] for a in f["aliases"]}
    assert "CVE-2018-18074" in aliases
    assert int(report["source"]["details"]["records"]) > 1000


@pytest.mark.usefixtures("env")
def test_in_process_pip_audit_judges_like_the_command_line(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vulnerable = write_osv_db(tmp_path / "db", VULNERABLE)
    use_db(monkeypatch, vulnerable)
    expect_failure(repo)  # leaves a venv synced to the lock
    site = next((repo / ".nox/audit-svc/lib").glob("python*/site-packages"))
    target = ScanTarget(
        "svc",
        site,
        repo / ".nox/audit-svc/bin/python",
        (AuditedPackage("alpha", "1.0", None), AuditedPackage("beta", "1.0", None)),
        (LocalPackage("acme-common", "0.3.0", "../../libs/common"),),
        tmp_path / "work",
    )

    def scan(db: Path, *, python: str | None) -> ScanOutcome:
        source = OfflineOsvSource(db, cache_root=tmp_path / "state", timeout=10)
        return PipAuditScanner(source, cache_dir=tmp_path / "cache", python=python).scan(target)

    library, command = scan(vulnerable, python=None), scan(vulnerable, python=sys.executable)
    assert isinstance(library, ScanCompleted)
    assert library == command
    assert [v.id for v in library.vulnerabilities] == ["PYSEC-2099-1"]

    broken = write_osv_db(tmp_path / "bad", [osv_record("TEST-BAD", "beta", fixed="not-a-version!")])
    for outcome in (scan(broken, python=None), scan(broken, python=sys.executable)):
        assert isinstance(outcome, ScanFailed)
        assert "could not evaluate" in outcome.reason
