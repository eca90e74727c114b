"""End to end: a monorepo made from scratch with only the copied noxfile.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.noxrun import run_nox
from tests.repos import monorepo, write

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_index")]


def test_lock_then_freshness_round_trip(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "beta\n", "worker": "gamma\n", "web": "delta\n"})

    listed = run_nox(root, "-l", "--json", "-s", "lock")
    assert {s["session"] for s in json.loads(listed.stdout)} == {"lock(api)", "lock(web)", "lock(worker)"}

    first = run_nox(root, "-s", "lock")
    assert first.returncode == 0, first.stderr
    # The two services need incompatible alphas: isolation is the point.
    assert "alpha==1.1 " in (root / "services/worker/requirements.txt").read_text()
    assert "alpha==2.0 " in (root / "services/web/requirements.txt").read_text()

    again = run_nox(root, "-s", "lock")
    assert again.returncode == 0
    assert again.stderr.count("is up to date (inputs unchanged)") == 3

    assert run_nox(root, "-s", "freshness").returncode == 0

    write(root / "services/api/requirements.in", "beta>=1.1\n")
    stale = run_nox(root, "-s", "freshness")
    assert stale.returncode == 1
    assert (
        "api: services/api/requirements.txt is stale (requirements.in changed); "
        'fix: nox -s "lock(api)" and commit services/api/requirements.txt'
    ) in stale.stderr
    assert "1 of 3 locks are not fresh" in stale.stderr

    assert run_nox(root, "-s", "lock(api)").returncode == 0
    assert run_nox(root, "-s", "freshness").returncode == 0


def test_one_conflict_fails_the_run_but_others_still_lock(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"bad": "gamma\ndelta\n", "good": "beta\n"})
    result = run_nox(root, "-s", "lock")
    assert result.returncode == 1
    assert (root / "services/good/requirements.txt").exists()
    assert not (root / "services/bad/requirements.txt").exists()
    assert "Session lock(bad) aborted: service bad: cannot resolve requirements.in" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_input_names_service_file_and_line(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\nalpha >= = 1\n", "ok": "beta\n"})
    result = run_nox(root, "-s", "lock")
    assert result.returncode == 1
    assert "services/api/requirements.in:2: invalid requirement" in result.stderr
    assert (root / "services/ok/requirements.txt").exists()


def test_invalid_service_directory_stops_with_a_clear_message(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n", "_bad": "beta\n"})
    result = run_nox(root, "-l")
    assert result.returncode != 0
    assert "services/_bad: '_bad' is not a valid service name" in result.stderr
    assert "Traceback" not in result.stderr


def test_freshness_without_services_is_an_error_not_a_pass(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {})
    result = run_nox(root, "-s", "freshness")
    assert result.returncode == 1
    assert "no services found: no directory matching services/* holds a requirements.in" in result.stderr
