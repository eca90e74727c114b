"""ci.yml's per-service caches, emulated: keys per service, the default branch's fallback, saving
what a failed job synced, and the audit's daily verdict caches.

The emulated jobs are ci.yml's own cache steps (unchanged) around a stand-in for ``nox -s``
that syncs a venv the way nox-support does as far as the cache can tell: it writes the stamp
and the marker of :mod:`nox_support.venv.record`, reuses a venv whose stamp matches the lock,
and fails (before or after syncing) for the services it is told to.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from nox_support.audit.scan import STATE_DIR
from nox_support.ci.affected import Affected, AffectedService, Everything
from nox_support.ci.matrix import build_plan
from nox_support.ci.settings import CiSettings
from nox_support.ci.venvcache import CACHE_SLOTS, VERDICT_CACHE, job_caches
from tests.ci.gha import JobRun, Runner
from tests.ci.helpers import BIN, git
from tests.ci.test_matrix import facts, sessions
from tests.repos import ROOT, monorepo, write

CI = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
ACTIONS = ROOT / ".github/actions"

SYNC = r"""
import json, os, shutil, sys, hashlib
from pathlib import Path
from nox_support.venv import record
from nox_support.venv.shared import nox_env_dir
from nox_support.venv.stamp import STAMP_NAME, read_stamp

before, after = os.environ.get("FAIL_BEFORE_SYNC", "").split(), os.environ.get("FAIL_AFTER_SYNC", "").split()
failed = False
for session in os.environ["SESSIONS"].split():
    service = session[session.index("(") + 1 : -1]
    if service in before:  # e.g. an sdist that does not build: no stamp is written
        failed = True
        continue
    venv = Path(nox_env_dir(".nox", session))
    digest = hashlib.sha256(Path("services", service, "requirements.txt").read_bytes()).hexdigest()
    stamp = read_stamp(venv)
    if stamp is not None and dict(stamp.locks).get("requirements.txt") == digest:
        how = "reused"
    else:
        shutil.rmtree(venv, ignore_errors=True)
        venv.mkdir(parents=True)
        fields = ("contents", "packages", "local_packages", "records", "unlisted", "pin_hashes")
        data = {"format": 2, "locks": [["requirements.txt", digest]], "interpreter": "python",
                "python_version": "3", "local_fingerprint": "", "installer": "pip", **{f: [] for f in fields}}
        (venv / STAMP_NAME).write_text(json.dumps(data))
        how = "built"
    with (venv / "runs").open("a") as runs:
        runs.write(how + "\n")
    record.mark_verified(venv, venv / STAMP_NAME)
    if service in after:  # e.g. a vulnerable service: synced, then the audit fails
        failed = True
sys.exit(1 if failed else 0)
"""

TESTS_STEPS = (
    "actions/checkout",
    "service-python",
    "image",
    "Name the service caches",
    "Restore the service venvs",
    "STAND-IN",
    "Find the venvs worth saving",
    "Save the service venvs",
)
AUDIT_STEPS = (
    "actions/checkout",
    "service-python",
    "image",
    "period",
    "Name the service caches",
    "Restore the service venvs",
    "Restore the verdict caches",
    "STAND-IN",
    "Find the caches worth saving",
    "Save the service venvs",
    "Save the verdict caches",
)


def cut_down(kind: str, wanted: tuple[str, ...], groups: list[list[str]]) -> dict[str, Any]:
    """ci.yml's *kind* job with only the *wanted* steps (unchanged) and the stand-in for ``nox -s``."""
    steps = []
    for name in wanted:
        if name == "STAND-IN":
            # The stand-in also leaves a verdict in the audit's verdict cache.
            verdict = f"mkdir -p {STATE_DIR}/audit-cache && date -u +%F >> {STATE_DIR}/audit-cache/days"
            run = (verdict + "\n" if kind == "audit" else "") + f"python - <<'EOF'\n{SYNC}\nEOF\n"
            steps.append(
                {"name": "nox", "env": {"SESSIONS": "${{ join(matrix.sessions, ' ') }}"}, "run": run}
            )
            continue
        found = [
            s
            for s in CI["jobs"][kind]["steps"]
            if name in (s.get("id"), s.get("name")) or str(s.get("uses", "")).startswith(name + "@")
        ]
        assert len(found) == 1, name
        steps.append(found[0])
    include = [{"python": "3.11", "sessions": [f"{kind}({s})" for s in group]} for group in groups]
    return {
        "defaults": CI["defaults"],
        "env": CI["env"],
        "jobs": {kind: {"strategy": {"matrix": {"include": include}}, "steps": steps}},
    }


def repository(root: Path, services: dict[str, str]) -> Path:
    """A monorepo with hand-written locks (their bytes are what the keys digest) and ci.yml's actions."""
    monorepo(root, dict.fromkeys(services, "alpha\n"))
    for name, pins in services.items():
        write(root / "services" / name / "requirements.txt", pins)
    write(root / ".gitignore", ".nox/\n")
    for action in ("restore-caches", "save-caches"):
        write(root / ".github/actions" / action / "action.yml", (ACTIONS / action / "action.yml").read_text())
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    return root


class Repo:
    """The repository, its runs and the caches they share (one GitHub repository's cache)."""

    def __init__(self, tmp_path: Path, services: dict[str, str]) -> None:
        self.tmp = tmp_path
        self.root = repository(tmp_path / "origin", services)
        self.caches: dict[tuple[str, str], Path] = {}

    def change(self, services: dict[str, str]) -> None:
        repository(self.root, services)

    def run(
        self,
        kind: str,
        groups: list[list[str]],
        *,
        ref: str = "refs/heads/main",
        day: str = "2026-11-30",
        expect: str = "success",
        **env: str,
    ) -> list[JobRun]:
        sha = git(self.root, "rev-parse", "HEAD").strip()
        github = {
            "event_name": "pull_request" if ref.startswith("refs/pull/") else "push",
            "ref": ref,
            "sha": sha,
            "repository": "acme/monorepo",
            "event": {"repository": {"default_branch": "main"}},
        }
        temp = self.tmp / f"run-{len(list(self.tmp.glob('run-*')))}"
        wanted = AUDIT_STEPS if kind == "audit" else TESTS_STEPS
        path = os.pathsep.join((str(date_shim(temp / "shim", day)), str(BIN), os.environ.get("PATH", "")))
        gha = Runner(cut_down(kind, wanted, groups), self.root, github, temp, {"PATH": path, **env})
        gha.caches = self.caches
        result = gha.run_job(kind, {})
        assert result.result == expect, "\n".join(line for run in result.runs for line in run.log)
        return result.runs


def date_shim(directory: Path, day: str) -> Path:
    """A directory whose ``date`` answers as if it were *day* (GNU date's ``-d``)."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "date"
    shim.write_text(f'#!/bin/sh\nexec /bin/date -d "{day} 12:00 UTC" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return directory


def venv_key(key: str) -> str:
    """``tests-a/<digest>`` of a full key."""
    return re.sub(r"^nox-tests-Linux-X64-[^/]*-py[0-9.]+-", "", key)


def saved(runs: list[JobRun]) -> list[str]:
    return sorted(venv_key(k) for run in runs for k in run.saved_keys)


def restored(runs: list[JobRun]) -> list[str]:
    return sorted(venv_key(k) for run in runs for k in run.restored_keys)


def runs_of(run: JobRun, session: str) -> list[str]:
    return (run.workspace / ".nox" / session.replace("(", "-").rstrip(")") / "runs").read_text().split()


LOCKS = {"a": "alpha==1.0\n", "b": "beta==1.0\n", "c": "gamma==1.0\n"}


def test_each_venv_has_its_own_key_and_adding_a_service_changes_no_other(tmp_path: Path) -> None:
    repo = Repo(tmp_path, LOCKS)
    first = repo.run("tests", [["a", "b"], ["c"]])
    keys = saved(first)
    assert [k.split("/")[0] for k in keys] == ["tests-a", "tests-b", "tests-c"]
    assert all(re.fullmatch(r"tests-[abc]/[0-9a-f]{64}", k) for k in keys)
    # One more service, and the shards reshuffle: every other venv is restored by its exact key.
    repo.change({**LOCKS, "aa": "delta==1.0\n"})
    second = repo.run("tests", [["a", "aa"], ["b", "c"]])
    assert restored(second) == keys
    assert [k.split("/")[0] for k in saved(second)] == ["tests-aa"]
    assert runs_of(second[1], "tests(b)") == ["built", "reused"]
    # A lock change moves that one service's key; the fallback brings its old venv to sync from.
    repo.change({**LOCKS, "aa": "delta==1.0\n", "b": "beta==2.0\n"})
    third = repo.run("tests", [["a", "aa"], ["b", "c"]])
    (new_b,) = saved(third)
    assert new_b.startswith("tests-b/")
    assert new_b not in keys
    assert restored(third) == sorted([*keys, *saved(second)])  # b's old venv through the fallback


def test_a_pull_request_restores_the_default_branch_caches(tmp_path: Path) -> None:
    repo = Repo(tmp_path, LOCKS)
    main = saved(repo.run("tests", [["a", "b", "c"]]))
    pull = repo.run("tests", [["a"], ["b", "c"]], ref="refs/pull/7/merge")
    assert restored(pull) == main
    assert saved(pull) == []  # exact hits are never saved again
    assert [scope for scope, _key in repo.caches] == ["refs/heads/main"] * 3
    # A pull request changing one lock saves that one venv, in its own scope only.
    repo.change({**LOCKS, "c": "gamma==2.0\n"})
    changed = repo.run("tests", [["a", "b", "c"]], ref="refs/pull/7/merge")
    assert len(saved(changed)) == 1
    assert [scope for scope, _key in repo.caches][-1] == "refs/pull/7/merge"
    assert restored(repo.run("tests", [["c"]], ref="refs/pull/8/merge")) == [main[2]]  # not PR 7's


def test_a_failing_shard_saves_every_venv_it_synced_and_only_those(tmp_path: Path) -> None:
    repo = Repo(tmp_path, LOCKS)
    # b is vulnerable (synced, then the session fails); c never synced (its sync failed).
    (run,) = repo.run("tests", [["a", "b", "c"]], expect="failure", FAIL_AFTER_SYNC="b", FAIL_BEFORE_SYNC="c")
    assert [k.split("/")[0] for k in saved([run])] == ["tests-a", "tests-b"]
    assert not (run.workspace / ".nox/tests-c").exists()


def test_never_saved_under_a_key_whose_locks_it_was_not_synced_to(tmp_path: Path) -> None:
    repo = Repo(tmp_path, LOCKS)
    (before,) = saved(repo.run("tests", [["a"]]))
    # New lock: the fallback restores the old venv, the sync fails before touching it. Its stamp
    # names the old lock and no marker of this job matches it: not saved under the new key.
    repo.change({**LOCKS, "a": "alpha==2.0\n"})
    (run,) = repo.run("tests", [["a"]], expect="failure", FAIL_BEFORE_SYNC="a")
    assert [venv_key(k) for k in run.restored_keys] == [before]
    assert run.saved_keys == []
    # A job whose locks change after the sync (the checkout is no longer what the key named).
    workflow = cut_down("tests", TESTS_STEPS, [["a"]])
    steps = workflow["jobs"]["tests"]["steps"]
    after_sync = next(i for i, s in enumerate(steps) if s.get("name") == "nox") + 1
    steps.insert(after_sync, {"run": "echo 'alpha==3.0' > services/a/requirements.txt"})
    sha = git(repo.root, "rev-parse", "HEAD").strip()
    gha = Runner(
        workflow, repo.root, {"event_name": "push", "ref": "refs/heads/main", "sha": sha}, tmp_path / "e", {}
    )
    gha.caches = repo.caches
    result = gha.run_job("tests", {})
    assert result.result == "success", "\n".join(result.runs[0].log)
    assert runs_of(result.runs[0], "tests(a)") == ["built"]  # synced (to alpha==2.0)
    assert result.runs[0].saved_keys == []


def test_the_audit_keeps_venvs_per_lock_and_verdicts_per_day(tmp_path: Path) -> None:
    repo = Repo(tmp_path, LOCKS)
    first = repo.run("audit", [["a", "b"]], day="2026-11-30")
    venvs = sorted(k for k in first[0].saved_keys if k.startswith("nox-audit-"))
    verdicts = sorted(k for k in first[0].saved_keys if k.startswith("nox-verdicts-"))
    assert len(venvs) == len(verdicts) == 2
    assert all(k.endswith("/20261130") for k in verdicts)
    # Same day: everything hits exactly, nothing is saved.
    same = repo.run("audit", [["a", "b"]], day="2026-11-30")
    assert same[0].saved_keys == []
    # Next day: the venvs hit; the verdict caches restore the previous day's and save today's,
    # and a vulnerable service (the audit fails) still saves both.
    (run,) = repo.run("audit", [["a"], ["b"]], day="2026-12-01", expect="failure", FAIL_AFTER_SYNC="b")[1:]
    assert sorted(k for k in run.restored_keys if k.startswith("nox-audit-")) == [venvs[1]]
    assert run.saved_keys == [verdicts[1].replace("/20261130", "/20261201")]
    days = (repo.caches["refs/heads/main", run.saved_keys[0]] / "days").read_text().split()
    assert days == ["2026-11-30", "2026-12-01"]
    assert Path(VERDICT_CACHE) == STATE_DIR / "audit-cache"


def test_the_cache_actions_unroll_one_step_per_slot() -> None:
    restore = yaml.safe_load((ACTIONS / "restore-caches/action.yml").read_text(encoding="utf-8"))
    save = yaml.safe_load((ACTIONS / "save-caches/action.yml").read_text(encoding="utf-8"))
    restores = restore["runs"]["steps"][:-1]
    saves = save["runs"]["steps"]
    assert len(restores) == len(saves) == CACHE_SLOTS
    for index, (get, put) in enumerate(zip(restores, saves, strict=True)):
        entry = f"fromJSON(inputs.entries)[{index}]"
        assert get["id"] == f"slot-{index}"
        assert get["if"] == entry
        assert get["uses"].startswith("actions/cache/restore@")
        assert get["with"] == {
            "key": f"${{{{ {entry}.key }}}}",
            "restore-keys": f"${{{{ {entry}.restore_keys }}}}",
            "path": f"${{{{ {entry}.path }}}}",
        }
        assert put["if"] == f"always() && {entry}.save"
        assert put["uses"].startswith("actions/cache/save@")
        assert put["with"] == {"key": f"${{{{ {entry}.key }}}}", "path": f"${{{{ {entry}.path }}}}"}
    for kind in ("audit", "tests"):
        steps = {s.get("name"): s for s in CI["jobs"][kind]["steps"]}
        prefix = steps["Name the service caches"]["env"]["PREFIX"]
        for part in ("runner.os", "runner.arch", "steps.image.outputs.image", "python-version"):
            assert part in prefix
        assert steps["Save the service venvs"]["if"] == "always() && steps.saves.outcome == 'success'"


@pytest.mark.parametrize("inserted", ["svc000a", "svc150a", "svc298a"])
def test_at_300_services_adding_one_changes_no_other_key(inserted: str) -> None:
    """The figure: per job, adding one service changed up to every key; per service, none."""
    before = tuple(f"svc{i:03}" for i in range(300))
    after = tuple(sorted((*before, inserted)))

    def keys(services: tuple[str, ...]) -> tuple[set[str], set[str]]:
        every = Affected(tuple(AffectedService(name, (Everything(),)) for name in services), ())
        plan = build_plan(sessions(*services), every, facts(*services), CiSettings(), base=None)
        entries = plan.matrix("tests").entries
        digests = {s: f.lock_digest for s, f in facts(*services).items()}
        per_service = {
            e.key
            for entry in entries
            for e in job_caches(
                [s for s in sessions(*services) if s.session in entry.sessions], digests, venv_prefix="p-"
            ).venvs
        }
        return {entry.cache_key for entry in entries}, per_service

    jobs_before, services_before = keys(before)
    jobs_after, services_after = keys(after)
    assert (len(jobs_before), len(services_before)) == (150, 300)
    assert len(services_after - services_before) == 1  # only the new service's key is new
    assert services_before <= services_after
    kept = len(jobs_before & jobs_after)
    expected_kept = {"svc000a": 0, "svc150a": 75, "svc298a": 149}[inserted]
    assert kept == expected_kept  # per job: every shard after the new service missed
