"""Venvs synced ahead: the first audit session of a run syncs the other selected services' venvs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from nox_support.audit import ahead
from nox_support.audit.ahead import AHEAD_ENV, ahead_workers
from nox_support.core.errors import ConfigError
from nox_support.venv.stamp import STAMP_NAME, read_stamp
from tests.audit.conftest import make_repo, osv_record, write_osv_db
from tests.noxrun import run_nox
from tests.repos import stamp_lock

if TYPE_CHECKING:
    import nox

GOOD = {"alpha": "1.1"}


def run_audit_nox(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_nox(root, *args, env={**os.environ, **env}, timeout=300)


def report(root: Path, service: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "reports" / "audit" / f"{service}.json").read_text("utf-8"))
    return data


@pytest.fixture
def osv_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-7", "alpha", fixed="1.1")])
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", str(db))
    monkeypatch.delenv(AHEAD_ENV, raising=False)
    return db


@pytest.mark.slow
@pytest.mark.usefixtures("osv_db")
def test_the_other_selected_venvs_are_synced_before_their_sessions(tmp_path: Path, offline_env: Path) -> None:
    root = make_repo(tmp_path / "repo", offline_env, {"a-first": GOOD, "b-other": GOOD, "c-last": GOOD})
    run = run_audit_nox(root, "-s", "audit(a-first)", "audit(c-last)")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "syncing the audit venvs of 1 more services ahead" in output
    assert report(root, "a-first")["venv"] == "synced (new venv)"
    # c-last's session found its venv synced to its lock and installed nothing itself.
    last = report(root, "c-last")
    assert last["venv"] == "synced ahead (new venv)"
    assert last["status"] == "clean"
    stamp = read_stamp(root / ".nox" / "audit-c-last")
    assert stamp is not None
    assert ("alpha", "1.1") in stamp.packages
    # A service not selected in this run gets no venv.
    assert not (root / ".nox" / "audit-b-other").exists()


@pytest.mark.slow
@pytest.mark.usefixtures("osv_db")
def test_a_failure_ahead_is_left_to_the_service_s_own_session(tmp_path: Path, offline_env: Path) -> None:
    root = make_repo(tmp_path / "repo", offline_env, {"a-first": GOOD, "b-bad": GOOD, "c-last": GOOD})
    lock = root / "services" / "b-bad" / "requirements.txt"
    lock.write_text(re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, lock.read_text("utf-8")), "utf-8")
    stamp_lock(root, "b-bad")
    run = run_audit_nox(root, "-s", "audit")
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    bad = report(root, "b-bad")
    assert bad["status"] == "error"
    assert bad["venv"] == "not synced"
    assert any("the audit venv could not be synced" in error for error in bad["errors"]), bad["errors"]
    assert "Session audit(b-bad) aborted: audit of b-bad: error" in output
    assert not (root / ".nox" / "audit-b-bad" / STAMP_NAME).exists()
    # The failure ahead did not stop the others: c-last was still synced ahead, and judged clean.
    assert report(root, "c-last")["venv"] == "synced ahead (new venv)"
    assert report(root, "c-last")["status"] == "clean"
    assert report(root, "a-first")["status"] == "clean"


@pytest.mark.slow
@pytest.mark.usefixtures("osv_db")
def test_switched_off_each_session_syncs_its_own_venv(tmp_path: Path, offline_env: Path) -> None:
    root = make_repo(tmp_path / "repo", offline_env, {"a-first": GOOD, "c-last": GOOD})
    run = run_audit_nox(root, "-s", "audit", **{AHEAD_ENV: "0"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "more services ahead" not in run.stdout + run.stderr
    assert [report(root, s)["venv"] for s in ("a-first", "c-last")] == ["synced (new venv)"] * 2


def test_workers_default_to_the_usable_cpus() -> None:
    assert ahead_workers({}) == len(os.sched_getaffinity(0))
    assert ahead_workers({AHEAD_ENV: "3"}) == 3
    assert ahead_workers({AHEAD_ENV: "0"}) == 0


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_bad_worker_count_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError, match=f"{AHEAD_ENV}=.* is not a number of venvs") as caught:
        ahead_workers({AHEAD_ENV: value})
    assert f"{AHEAD_ENV}=0" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("stop_on_first_error", "failed", "interrupted", "cancelled"),
    [(True, True, False, True), (False, False, True, True), (False, True, False, False)],
)
def test_a_run_that_stops_cancels_the_syncs_not_started(
    tmp_path: Path, *, stop_on_first_error: bool, failed: bool, interrupted: bool, cancelled: bool
) -> None:
    config = SimpleNamespace(stop_on_first_error=stop_on_first_error)
    session = cast("nox.Session", SimpleNamespace(_runner=SimpleNamespace(global_config=config)))
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as executor:
        running = executor.submit(gate.wait, 30)
        pending: Future[Any] = executor.submit(dict)
        ahead._RUNS[(tmp_path, id(config))] = ahead._Run(cast("dict[str, Any]", {"a": running, "b": pending}))
        if not cancelled:  # the run goes on: settle waits for every venv, so let them finish
            gate.set()
        ahead.settle(session, tmp_path, failed=failed, interrupted=interrupted)
        assert pending.cancelled() is cancelled
        gate.set()
    assert running.result() is True
