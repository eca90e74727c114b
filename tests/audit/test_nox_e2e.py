"""``nox -s audit`` for real: verdicts per service, the summary session, a warm no-op, concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.audit.conftest import hashed_lock, make_repo, osv_record, write_osv_db
from tests.noxrun import nox_command, run_nox
from tests.repos import stamp_lock, write

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(
        tmp_path / "repo", offline_env, {"shop": {"alpha": "1.1"}, "billing": {"alpha": "1.0", "beta": "1.0"}}
    )
    db = write_osv_db(
        tmp_path / "db", [osv_record("PYSEC-2099-7", "alpha", fixed="1.1", aliases=("CVE-2099-7",))]
    )
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", str(db))
    return root


def test_audit_all_services_summary_and_a_warm_no_op(repo: Path) -> None:
    first = run_nox(repo, "-s", "audit")
    output = first.stdout + first.stderr
    assert first.returncode != 0, output
    assert "Session audit(billing) aborted: audit of billing: vulnerable" in output
    assert "billing: vulnerable (1 vulnerable, 0 ignored, 0 errors, 1 not audited)" in output
    assert "shop: clean (0 vulnerable, 0 ignored, 0 errors, 1 not audited)" in output
    # The shipped noxfile's audit_summary, queued by the audit sessions, combined the reports.
    assert "Running session audit_summary" in output
    assert "Session audit_summary aborted: audit: 1 of 2 services are not clean: billing" in output
    assert (repo / "reports" / "audit.md").is_file()
    sarif = json.loads((repo / "reports" / "audit.sarif").read_text(encoding="utf-8"))
    assert [r["properties"]["service"] for r in sarif["runs"]] == ["billing", "shop"]

    second = run_nox(repo, "-s", "audit(shop)")
    assert second.returncode == 0, second.stdout + second.stderr
    report = json.loads((repo / "reports" / "audit" / "shop.json").read_text(encoding="utf-8"))
    assert report["venv"] == "already synced"
    assert report["scanners"][0]["cached"] is True
    # No pip, uv or pip-audit process ran (its wall time is measured in benchmarks/, not here).
    assert "syncing the audit venv" not in second.stdout + second.stderr


def test_two_runs_on_one_service_at_once(repo: Path, offline_env: Path) -> None:
    assert run_nox(repo, "-s", "audit(shop)").returncode == 0
    write(
        repo / "services/shop/requirements.txt",
        hashed_lock(offline_env, {"alpha": "2.0"}, local=("../../libs/common",)),
    )
    stamp_lock(repo, "shop")
    # Each run writes to its own file: with pipes read one after the other, the run read second
    # could fill its pipe and stop while it holds the venv's lock (then the first one times out).
    logs = [repo.parent / f"run-{index}.log" for index in range(2)]
    with logs[0].open("w") as first, logs[1].open("w") as second:
        runs = [
            subprocess.Popen(
                nox_command("-s", "audit(shop)"),
                cwd=repo,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=dict(os.environ),
            )
            for log in (first, second)
        ]
        for run in runs:
            run.wait(timeout=300)
    outputs = [log.read_text(encoding="utf-8") for log in logs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    assert sum("syncing the audit venv" in out for out in outputs) == 1, outputs
    # The libraries imported during a run do not flood it with their debug records.
    assert not [line for out in outputs for line in out.splitlines() if "Regist" in line], outputs
    report = json.loads((repo / "reports" / "audit" / "shop.json").read_text(encoding="utf-8"))
    assert report["status"] == "clean"


@pytest.mark.network
def test_default_pypi_source_on_this_machine_is_an_error_not_clean(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOX_SUPPORT_OSV_DB")
    result = run_nox(repo, "-s", "audit(shop)")
    assert result.returncode != 0
    report = json.loads((repo / "reports" / "audit" / "shop.json").read_text(encoding="utf-8"))
    assert report["status"] == "error"
    assert report["source"]["kind"] == "pypi"
