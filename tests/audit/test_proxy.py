"""Corporate proxies: the loopback advisory server is reached directly, never through a proxy."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from nox_support.audit.scanners.interface import AuditedPackage, LocalPackage, ScanCompleted, ScanTarget
from nox_support.audit.scanners.pip_audit import PipAuditScanner
from nox_support.audit.server import direct_env, is_loopback_url
from nox_support.audit.session import AuditFailedError, run_audit
from nox_support.audit.sources.offline import OfflineOsvSource
from nox_support.project import Project
from tests.audit.conftest import FakeSession, make_repo, osv_record, write_osv_db
from tests.repos import write

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def dead_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every proxy variable points at a closed port; nothing is exempted from it."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return proxy


def test_loopback_urls_are_recognised() -> None:
    assert is_loopback_url("http://127.0.0.1:8765/v1/query")
    assert is_loopback_url("http://localhost:1/v1/query")
    assert is_loopback_url("http://[::1]:1/v1/query")
    assert not is_loopback_url("https://api.osv.dev/v1/query")
    assert not is_loopback_url("http://10.0.0.1/v1/query")


def test_direct_env_keeps_the_users_exemptions_and_adds_loopback() -> None:
    env = direct_env({"NO_PROXY": "internal.example, .corp", "HTTPS_PROXY": "http://proxy:3128"})
    assert env["NO_PROXY"] == "internal.example,.corp,127.0.0.1,localhost,::1"
    assert env["no_proxy"] == "127.0.0.1,localhost,::1"
    assert env["HTTPS_PROXY"] == "http://proxy:3128"


@pytest.mark.slow
def test_offline_audit_is_right_behind_a_dead_proxy(
    tmp_path: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch, dead_proxy: str
) -> None:
    repo = make_repo(tmp_path / "repo", offline_env, {"svc": {"alpha": "1.0", "beta": "1.0"}})
    monkeypatch.chdir(repo)
    write(repo / "pyproject.toml", "")
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-1", "alpha", fixed="1.1")])
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", str(db))
    session = FakeSession(repo / ".nox" / "audit-svc")
    with pytest.raises(AuditFailedError, match="audit of svc: vulnerable"):
        run_audit(session.as_nox(), Project.load(repo), "svc")
    report = json.loads((repo / "reports/audit/svc.json").read_text(encoding="utf-8"))
    assert report["status"] == "vulnerable", report
    assert [(f["package"], f["id"]) for f in report["findings"]] == [("alpha", "PYSEC-2099-1")]
    assert dead_proxy  # the proxy stayed set for the whole run

    # The pip-audit command line (a subprocess) reaches the server directly too.
    site = next((repo / ".nox/audit-svc/lib").glob("python*/site-packages"))
    target = ScanTarget(
        "svc",
        site,
        repo / ".nox/audit-svc/bin/python",
        (AuditedPackage("alpha", "1.0", None), AuditedPackage("beta", "1.0", None)),
        (LocalPackage("acme-common", "0.3.0", "../../libs/common"),),
        tmp_path / "work",
    )
    source = OfflineOsvSource(db, cache_root=tmp_path / "state", timeout=10)
    outcome = PipAuditScanner(source, cache_dir=tmp_path / "cache", python=sys.executable).scan(target)
    assert isinstance(outcome, ScanCompleted), outcome
    assert [v.id for v in outcome.vulnerabilities] == ["PYSEC-2099-1"]
