"""The audit job's actions/cache key, emulated across days: expired verdicts get saved again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from tests.ci.gha import JobRun, Runner
from tests.ci.helpers import BIN
from tests.repos import ROOT

CI = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
CACHE_STEPS = ("service-python", "image", "period", "Restore the service venvs")
# Stands in for the audit: counts the runs that reused the restored .nox, and records the day.
AUDIT = 'mkdir -p .nox && echo "$(date -u +%F)" >> .nox/runs'


def audit_cache_workflow() -> dict[str, Any]:
    """ci.yml's audit job cut down to its own cache steps (unchanged), then a stand-in audit."""
    job = CI["jobs"]["audit"]
    steps = [s for s in job["steps"] if s.get("id") in CACHE_STEPS or s.get("name") in CACHE_STEPS]
    assert len(steps) == len(CACHE_STEPS)
    matrix = {"include": [{"python": "3.11", "cache_key": "0123abcd"}]}
    return {
        "defaults": CI["defaults"],
        "env": CI["env"],
        "jobs": {"audit": {"strategy": {"matrix": matrix}, "steps": [*steps, {"run": AUDIT}]}},
    }


def date_shim(directory: Path, day: str) -> str:
    """A PATH whose ``date`` answers as if it were *day* (GNU date's ``-d``)."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "date"
    shim.write_text(f'#!/bin/sh\nexec /bin/date -d "{day} 12:00 UTC" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return os.pathsep.join((str(directory), str(BIN), os.environ.get("PATH", "")))


def run_on(gha: Runner, tmp_path: Path, day: str) -> JobRun:
    gha.env = {"PATH": date_shim(tmp_path / f"shim-{day}", day)}
    gha.temp = tmp_path / f"run-{day}-{len(list(tmp_path.glob('run-*')))}"
    result = gha.run_job("audit", {})
    assert result.result == "success", "\n".join(result.runs[0].log)
    return result.runs[0]


def keys(gha: Runner) -> list[str]:
    return [key for _scope, key in gha.caches]


def test_the_audit_cache_is_saved_again_each_day_and_falls_back_to_the_previous_day(tmp_path: Path) -> None:
    gha = Runner(audit_cache_workflow(), tmp_path / "origin", {"event_name": "push"}, tmp_path, {})

    first = run_on(gha, tmp_path, "2026-11-30")
    (day1,) = keys(gha)
    assert day1.endswith("-0123abcd-20261130")
    assert first.restored_keys == []

    # Same day: the exact key hits, nothing is saved (entries are immutable).
    same_day = run_on(gha, tmp_path, "2026-11-30")
    assert same_day.restored_keys == [day1]
    assert keys(gha) == [day1]
    assert (same_day.workspace / ".nox/runs").read_text().split() == ["2026-11-30", "2026-11-30"]

    # Next day: a new key, so the refreshed .nox (its verdict cache) is saved; the venvs of the
    # previous day are restored through the restore key.
    next_day = run_on(gha, tmp_path, "2026-12-01")
    assert next_day.restored_keys == [day1]
    day2 = keys(gha)[-1]
    assert day2 == day1.replace("-20261130", "-20261201")
    runs = (gha.caches["refs/heads/main", day2] / "runs").read_text().split()
    assert runs == ["2026-11-30", "2026-12-01"]  # what day 1 saved, plus day 2's run

    # Two days later still: the newest earlier day is the fallback.
    later = run_on(gha, tmp_path, "2026-12-03")
    assert later.restored_keys == [day2]
    assert len(gha.caches) == 3


def test_the_fallback_never_crosses_locks_python_or_image() -> None:
    steps = {s.get("name"): s for s in CI["jobs"]["audit"]["steps"]}
    cache = steps["Restore the service venvs"]["with"]
    key, fallback = cache["key"], cache["restore-keys"]
    assert key == fallback + "${{ steps.period.outputs.period }}"
    for part in ("runner.os", "steps.image.outputs.image", "python-version", "matrix.cache_key"):
        assert part in fallback


def cut_down_tests_job(cache_key: str) -> dict[str, Any]:
    """ci.yml's tests job cut down to its own cache steps (unchanged), then a stand-in test run."""
    job = CI["jobs"]["tests"]
    wanted = ("service-python", "image", "Restore the service venvs")
    steps = [s for s in job["steps"] if s.get("id") in wanted or s.get("name") in wanted]
    assert len(steps) == len(wanted)
    matrix = {"include": [{"python": "3.11", "cache_key": cache_key}]}
    stand_in = {"run": 'mkdir -p .nox && echo "$GITHUB_REF_NAME" >> .nox/runs'}
    return {
        "defaults": CI["defaults"],
        "env": CI["env"],
        "jobs": {"tests": {"strategy": {"matrix": matrix}, "steps": [*steps, stand_in]}},
    }


def run_tests_job(tmp_path: Path, caches: dict[tuple[str, str], Path], ref: str, cache_key: str) -> JobRun:
    github = {"event_name": "push", "ref": ref, "event": {"repository": {"default_branch": "main"}}}
    temp = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    gha = Runner(cut_down_tests_job(cache_key), tmp_path / "origin", github, temp, {"GITHUB_REF_NAME": ref})
    gha.caches = caches
    result = gha.run_job("tests", {})
    assert result.result == "success", "\n".join(result.runs[0].log)
    return result.runs[0]


def test_caches_are_scoped_to_their_ref_with_the_default_branch_as_fallback(tmp_path: Path) -> None:
    """GitHub: a run restores its own ref's entries, then the default branch's; never a sibling's."""
    caches: dict[tuple[str, str], Path] = {}
    main = run_tests_job(tmp_path, caches, "refs/heads/main", "locks-1")
    assert main.restored_keys == []
    (saved,) = caches
    assert saved[0] == "refs/heads/main"
    # A pull request with the same locks hits the default branch's entry and saves nothing.
    pull = run_tests_job(tmp_path, caches, "refs/pull/1/merge", "locks-1")
    assert pull.restored_keys == [saved[1]]
    assert list(caches) == [saved]
    # A pull request that changes the locks saves its own entry, in its own scope only.
    changed = run_tests_job(tmp_path, caches, "refs/pull/1/merge", "locks-2")
    assert changed.restored_keys == []
    assert ("refs/pull/1/merge", saved[1].replace("locks-1", "locks-2")) in caches
    assert run_tests_job(tmp_path, caches, "refs/pull/2/merge", "locks-2").restored_keys == []
    assert run_tests_job(tmp_path, caches, "refs/heads/main", "locks-2").restored_keys == []
