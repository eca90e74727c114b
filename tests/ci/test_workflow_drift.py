"""Run the workflows' own commands, read from the YAML, against a hermetic monorepo.

Every ``run:`` step of ``ci.yml`` and ``lock-refresh.yml`` executes as a runner
would execute it (bash, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``), with
matrix values taken from the real ``python -m nox_support matrix`` output, so
the workflows and the Nox sessions cannot drift apart.  Only the steps that
install nox-support itself are replaced by the development venv.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.gha import JobResult, Runner, hermetic_env
from tests.ci.helpers import BIN, git, nox, service
from tests.repos import ROOT, local_package, monorepo, write

pytestmark = pytest.mark.slow

CI = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
LOCK_REFRESH = yaml.safe_load((ROOT / ".github/workflows/lock-refresh.yml").read_text(encoding="utf-8"))
REPOSITORY = "acme/monorepo"
API_TESTS = """
import beta


def test_beta():
    assert beta.__version__
"""
WEB_TESTS = """
import common


def test_common():
    assert common is not None
"""


@dataclass(frozen=True)
class Origin:
    bare: Path
    wheelhouse: Path
    base: str
    feature: str
    needs_lock: str
    osv_db: Path


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory, ci_wheelhouse: Path) -> Origin:
    """A bare "origin" with main (locked against older wheels) and two pull request branches."""
    home = tmp_path_factory.mktemp("drift")
    older = home / "older-wheels"
    older.mkdir()
    for wheel in ci_wheelhouse.glob("*.whl"):
        if not wheel.name.startswith(("alpha-1.1", "alpha-2.0", "beta-1.1")):
            (older / wheel.name).symlink_to(wheel)
    src = monorepo(home / "src", {}, pyproject='[tool.nox_support]\ncompiler = "uv"\n')
    service(src, "api", "beta\n", {"requirements-dev.in": "pytest\n", "tests/test_api.py": API_TESTS})
    service(src, "worker", "gamma\n")
    service(
        src,
        "web",
        "epsilon\n../../libs/common\n",
        {"requirements-dev.in": "pytest\n", "tests/test_web.py": WEB_TESTS},
    )
    local_package(src / "libs/common", "common")
    write(src / ".gitignore", ".nox/\nreports/\n")
    locked = nox(src, "-s", "lock", env=hermetic_env(older))
    assert locked.returncode == 0, locked.stderr
    git(src, "init", "-q", "-b", "main")
    base = commit(src, "base")
    bare = home / "origin.git"
    git(home, "init", "-q", "--bare", "-b", "main", str(bare))
    git(src, "remote", "add", "origin", str(bare))
    git(src, "push", "-q", "origin", "main")
    # Pull request 1: new tests for api, its lock upgraded; a file of the shared local package.
    git(src, "switch", "-q", "-c", "feature")
    write(src / "services/api/tests/test_more.py", "def test_more():\n    assert True\n")
    write(src / "libs/common/NOTES.txt", "shared\n")
    upgraded = nox(src, "-s", "lock(api)", "--", "--upgrade", env=hermetic_env(ci_wheelhouse))
    assert upgraded.returncode == 0, upgraded.stderr
    feature = commit(src, "feature")
    git(src, "push", "-q", "origin", "feature")
    # Pull request 2: an input changed, the lock was not refreshed.
    git(src, "switch", "-q", "-c", "needs-lock", base)
    write(src / "services/worker/requirements.in", "gamma\nepsilon\n")
    needs_lock = commit(src, "worker needs epsilon")
    git(src, "push", "-q", "origin", "needs-lock")
    osv_db = home / "osv-db"
    record = {
        "id": "TEST-0001",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "zeta-unused"}, "versions": ["1.0"]}],
    }
    write(osv_db / "TEST-0001.json", json.dumps(record))
    return Origin(bare, ci_wheelhouse, base, feature, needs_lock, osv_db)


def runner(
    workflow: dict[str, Any], origin: Origin, tmp_path: Path, github: dict[str, Any], **env: str
) -> Runner:
    context = {
        "repository": REPOSITORY,
        "token": "fake-token",
        "event": {"repository": {"default_branch": "main"}},
        **github,
    }
    return Runner(
        workflow=workflow,
        origin=origin.bare,
        github=context,
        temp=tmp_path,
        env=hermetic_env(origin.wheelhouse, {"NOX_SUPPORT_OSV_DB": str(origin.osv_db), **env}),
    )


def pull_request(sha: str, branch: str, *, head_repo: str = REPOSITORY) -> dict[str, Any]:
    return {
        "event_name": "pull_request",
        "base_ref": "main",
        "head_ref": branch,
        "sha": sha,
        "ref": "refs/pull/1/merge",
        "event": {
            "repository": {"default_branch": "main"},
            "pull_request": {"head": {"sha": sha, "ref": branch, "repo": {"full_name": head_repo}}},
        },
    }


def describe(result: JobResult) -> str:
    return "\n".join(line for run in result.runs for line in run.log)


def test_ci_pull_request_runs_end_to_end(origin: Origin, tmp_path: Path) -> None:
    gha = runner(CI, origin, tmp_path, pull_request(origin.feature, "feature"))
    results: dict[str, JobResult] = {}
    results["discover"] = gha.run_job("discover", {})
    assert results["discover"].result == "success", describe(results["discover"])
    outputs = results["discover"].outputs
    audit = json.loads(outputs["audit_matrix"])["include"]
    tests = json.loads(outputs["tests_matrix"])["include"]
    assert [e["id"] for e in audit] == ["api", "web"]
    assert [e["sessions"] for e in tests] == [["tests(api)"], ["tests(web)"]]
    assert json.loads(outputs["lock_diff"]) == ["lock_diff(api)", "lock_diff(web)"]
    assert outputs["untested"] == "[]"
    assert (
        "| web | libs/common/NOTES.txt changed (local package libs/common) |"
        in results["discover"].runs[0].summary
    )

    for job in ("freshness", "audit", "tests", "lock-diff"):
        results[job] = gha.run_job(job, {k: v for k, v in results.items() if k in {"discover", "freshness"}})
        assert results[job].result == "success", describe(results[job])

    # What the matrix jobs ran, and what they handed to later steps.
    for run in results["audit"].runs:
        for name in run.matrix["services"]:
            assert (run.workspace / f"reports/audit/{name}.json").is_file()
        assert run.workspace / "reports/audit" in run.uploads[f"audit-{run.matrix['id']}"]
        # audit_summary, queued by the audit sessions: combined Markdown and SARIF for this job only.
        sarif = run.workspace / "reports/audit.sarif"
        assert run.uploads["sarif"] == [sarif]
        categories = [r["automationDetails"]["id"] for r in json.loads(sarif.read_text())["runs"]]
        assert categories == [f"nox-support-audit/{name}/" for name in run.matrix["services"]]
        assert "# Security audit" in run.summary
        assert "No combined audit report" not in run.summary
    for run in results["tests"].runs:
        (name,) = run.matrix["services"]
        assert (run.workspace / f"reports/tests/{name}.xml").is_file()
        assert run.uploads[f"tests-{run.matrix['id']}"] == [run.workspace / "reports/tests"]
    (diff,) = results["lock-diff"].runs
    assert "| alpha | upgraded | 1.0 | 2.0 |" in diff.summary
    assert "| beta | upgraded | 1.0 | 1.1 |" in diff.summary
    assert "### Lock changes of `web` since `origin/main`" in diff.summary
    assert json.loads((diff.workspace / "reports/lock-diff/api.json").read_text())["base"] == "origin/main"

    gate = gha.run_job("all-green", results)
    assert gate.result == "success", describe(gate)
    assert "audit: 2 jobs succeeded" in describe(gate)


@pytest.mark.parametrize(
    ("event", "audit", "tests"),
    [
        ("push", ["api", "web", "worker"], ["api", "web"]),
        ("schedule", ["api", "web", "worker"], []),
        ("workflow_dispatch", ["api", "web", "worker"], ["api", "web"]),
    ],
)
def test_ci_discover_per_event(
    origin: Origin, tmp_path: Path, event: str, audit: list[str], tests: list[str]
) -> None:
    github = {
        "event_name": event,
        "sha": origin.feature,
        "ref": "refs/heads/main",
        "event": {"before": origin.base, "repository": {"default_branch": "main"}},
    }
    result = runner(CI, origin, tmp_path, github).run_job("discover", {})
    assert result.result == "success", describe(result)
    assert [e["id"] for e in json.loads(result.outputs["audit_matrix"])["include"]] == audit
    assert [e["id"] for e in json.loads(result.outputs["tests_matrix"])["include"]] == tests
    assert result.outputs["tests_count"] == str(len(tests))


def test_ci_stale_lock_fails_freshness_and_the_gate(origin: Origin, tmp_path: Path) -> None:
    gha = runner(CI, origin, tmp_path, pull_request(origin.needs_lock, "needs-lock"))
    discover = gha.run_job("discover", {})
    freshness = gha.run_job("freshness", {"discover": discover})
    assert freshness.result == "failure"
    assert 'fix: nox -s "lock(worker)"' in describe(freshness)
    audit = gha.run_job("audit", {"discover": discover, "freshness": freshness})
    tests = gha.run_job("tests", {"discover": discover, "freshness": freshness})
    assert audit.result == "skipped"
    assert tests.result == "skipped"
    lock_diff = gha.run_job("lock-diff", {"discover": discover})
    needs = {
        "discover": discover,
        "freshness": freshness,
        "audit": audit,
        "tests": tests,
        "lock-diff": lock_diff,
    }
    gate = gha.run_job("all-green", needs)
    assert gate.result == "failure"
    assert "::error::freshness: result 'failure'" in describe(gate)


def gate(tmp_path: Path, origin_path: Path, event: str, **results: tuple[str, dict[str, str]]) -> JobResult:
    needs = {
        name.replace("_", "-"): JobResult(result, outputs) for name, (result, outputs) in results.items()
    }
    assert "actions/checkout" not in str(CI["jobs"]["all-green"]["steps"])  # runs without the repository
    return Runner(CI, origin_path, {"event_name": event}, tmp_path, {}).run_job("all-green", needs)


COUNTS = {
    "audit_count": "2",
    "tests_count": "1",
    "lock_diff_count": "2",
    "untested": "[]",
    "missing_tests": "skip",
}


NOTHING_TO_DO = {"audit_count": "0", "tests_count": "0", "lock_diff_count": "0"}
UNTESTED = {"untested": '["worker"]'}


@pytest.mark.parametrize(
    ("event", "jobs", "outputs", "expected"),
    [
        ("pull_request", ("success", "success", "success"), {}, "success"),
        ("pull_request", ("failure", "success", "success"), {}, "failure"),
        ("pull_request", ("success", "cancelled", "success"), {}, "failure"),
        ("pull_request", ("skipped", "success", "success"), {}, "failure"),
        ("pull_request", ("success", "success", "skipped"), {}, "failure"),
        ("push", ("success", "success", "skipped"), {}, "success"),
        ("pull_request", ("skipped", "skipped", "skipped"), NOTHING_TO_DO, "success"),
        ("pull_request", ("success", "success", "success"), UNTESTED, "success"),
        ("pull_request", ("success", "success", "success"), {**UNTESTED, "missing_tests": "fail"}, "failure"),
    ],
)
def test_gate_decisions(
    tmp_path: Path, event: str, jobs: tuple[str, str, str], outputs: dict[str, str], expected: str
) -> None:
    audit, tests, lock_diff = jobs
    result = gate(
        tmp_path,
        tmp_path,
        event,
        discover=("success", {**COUNTS, **outputs}),
        freshness=("success", {}),
        audit=(audit, {}),
        tests=(tests, {}),
        lock_diff=(lock_diff, {}),
    )
    assert result.result == expected, describe(result)
    if outputs.get("untested") and expected == "success":
        assert "::warning::services without tests" in describe(result)


def test_gate_fails_when_discovery_failed(tmp_path: Path) -> None:
    result = gate(
        tmp_path,
        tmp_path,
        "pull_request",
        discover=("failure", {}),
        freshness=("skipped", {}),
        audit=("skipped", {}),
        tests=("skipped", {}),
        lock_diff=("skipped", {}),
    )
    assert result.result == "failure"
    assert "result 'skipped' (jobs expected: 'unknown')" in describe(result)


# ---------------------------------------------------------------------------
# lock-refresh.yml


def gh_shim(directory: Path) -> tuple[Path, Path]:
    """A fake ``gh`` that records its arguments (the GitHub API is not reachable here)."""
    directory.mkdir(parents=True)
    log = directory / "gh.log"
    script = directory / "gh"
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$1 $2" = "pr list" ] && echo 0\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return directory, log


def test_lock_refresh_commits_only_changed_locks_to_the_pull_request(origin: Origin, tmp_path: Path) -> None:
    gha = runner(LOCK_REFRESH, origin, tmp_path, pull_request(origin.needs_lock, "needs-lock"))
    lock = gha.run_job("lock", {})
    assert lock.result == "success", describe(lock)
    assert lock.outputs["changed"] == "true"
    (run,) = lock.runs
    assert "services/worker/requirements.txt" in run.summary
    assert "| epsilon | added | — | 0.5 |" in run.summary
    push = gha.run_job("push", {"lock": lock})
    assert push.result == "success", describe(push)
    assert gha.run_job("pull-request", {"lock": lock}).result == "skipped"
    head = git(origin.bare, "rev-parse", "needs-lock").strip()
    assert git(origin.bare, "rev-parse", f"{head}^").strip() == origin.needs_lock
    assert git(origin.bare, "diff", "--name-only", origin.needs_lock, head).split() == [
        "services/worker/requirements.txt"
    ]
    clone = tmp_path / "after"
    git(tmp_path, "clone", "-q", "-b", "needs-lock", str(origin.bare), str(clone))
    assert nox(clone, "-s", "freshness").returncode == 0


def test_lock_refresh_never_runs_for_forks(origin: Origin, tmp_path: Path) -> None:
    github = pull_request(origin.needs_lock, "needs-lock", head_repo="someone/fork")
    gha = runner(LOCK_REFRESH, origin, tmp_path, github)
    lock = gha.run_job("lock", {})
    assert lock.result == "skipped"
    assert gha.run_job("push", {"lock": lock}).result == "skipped"


def test_weekly_upgrade_opens_a_pull_request(origin: Origin, tmp_path: Path) -> None:
    shim, log = gh_shim(tmp_path / "shim")
    github = {"event_name": "schedule", "sha": origin.base, "ref": "refs/heads/main"}
    path = f"{shim}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"
    gha = runner(LOCK_REFRESH, origin, tmp_path / "jobs", github, PATH=path)
    lock = gha.run_job("lock", {})
    assert lock.result == "success", describe(lock)
    assert lock.outputs["changed"] == "true"
    assert gha.run_job("push", {"lock": lock}).result == "skipped"
    opened = gha.run_job("pull-request", {"lock": lock})
    assert opened.result == "success", describe(opened)
    assert git(origin.bare, "rev-parse", "main").strip() == origin.base  # never pushed to main
    branch = git(origin.bare, "rev-parse", "nox-support/lock-upgrade").strip()
    changed = git(origin.bare, "diff", "--name-only", origin.base, branch).split()
    assert changed == [
        "services/api/requirements-dev.txt",
        "services/api/requirements.txt",
        "services/worker/requirements.txt",
    ]
    calls = log.read_text()
    assert (
        "pr create --head nox-support/lock-upgrade --base main --title Upgrade locked dependencies" in calls
    )
    body = next(p for p in (tmp_path / "jobs").rglob("body.md") if "pull-request" in str(p))
    assert "| beta | upgraded | 1.0 | 1.1 |" in body.read_text()
    assert "| alpha | upgraded | 1.0 | 1.1 |" in body.read_text()  # worker: gamma needs alpha<2
