"""Run the workflows' own commands, read from the YAML, against a hermetic monorepo.

Every ``run:`` step of ``ci.yml`` and ``lock-refresh.yml`` executes as a runner
would execute it (bash, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``), with
matrix values taken from the real ``python -m nox_support matrix`` output, so
the workflows and the Nox sessions cannot drift apart.  Only the steps that
install nox-support itself are replaced by the development venv.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.gha import JobResult, Runner, evaluate, hermetic_env, to_text, truthy
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

# As an adopter configures it: a licence policy, and a reasoned exception for the in-house library
# (libs/common declares no licence: it is never distributed).
PYPROJECT = """
[tool.nox_support]
compiler = "uv"

[tool.nox_support.licenses]
deny = ["GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only"]

[[tool.nox_support.licenses.exception]]
package = "common"
reason = "our own library (libs/common), not distributed"
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
    src = monorepo(home / "src", {}, pyproject=PYPROJECT)
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
    # As an adopter has them: the workflows, the setup action and the hashed tool lock, which pins
    # nox-support as a direct URL with its hash (source: lock; never a name from an index).
    adopt_github_folder(src)
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
        # Fresh: the audit job caps the offline database's age (NOX_SUPPORT_MAX_DB_AGE_DAYS).
        "modified": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": "zeta-unused"}, "versions": ["1.0"]}],
    }
    write(osv_db / "TEST-0001.json", json.dumps(record))
    return Origin(bare, ci_wheelhouse, base, feature, needs_lock, osv_db)


ADOPTED_PIN = (
    "nox-support @ https://example.invalid/releases/nox_support-1.0-py3-none-any.whl \\\n"
    f"    --hash=sha256:{'0' * 64}\n"
)


def adopt_github_folder(root: Path, *, source: str = "lock") -> None:
    """Copy .github/ as docs/ci.md's adoption steps say: the action's one setting, the pinned lock."""
    for folder in ("workflows", "tools", "actions"):
        shutil.copytree(ROOT / ".github" / folder, root / ".github" / folder)
    action = root / ".github/actions/setup-nox-support/action.yml"
    text = action.read_text(encoding="utf-8")
    assert text.count("    default: checkout\n") == 1
    action.write_text(text.replace("    default: checkout\n", f"    default: {source}\n"), encoding="utf-8")
    lock = root / ".github/tools/requirements.txt"
    lock.write_text(lock.read_text(encoding="utf-8") + ADOPTED_PIN, encoding="utf-8")


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
            "pull_request": {
                "number": 1,
                "user": {"login": "someone"},
                "head": {"sha": sha, "ref": branch, "repo": {"full_name": head_repo}},
            },
        },
    }


def describe(result: JobResult) -> str:
    return "\n".join(line for run in result.runs for line in run.log)


def comment_shim(directory: Path, existing: str) -> tuple[str, Path]:
    """A fake ``gh`` for the comment job: *existing* is the id of the sticky comment ("" for none)."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "gh.log"
    script = directory / "gh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        'for arg; do case "$arg" in body=@*) cat "${arg#body=@}" >> ' + f"{log}" + ";; esac; done\n"
        f'case "$*" in *--paginate*) echo "{existing}";; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}", log


def check_sticky_comment(
    gha: Runner, origin: Origin, tmp_path: Path, lock_diff: JobResult, comments: Path
) -> None:
    """The lock diff as one sticky comment: created the first time, then updated in place."""
    comment = gha.run_job("lock-diff-comment", {"lock-diff": lock_diff})
    assert comment.result == "success", describe(comment)
    posted = comments.read_text()
    assert f"api --method POST repos/{REPOSITORY}/issues/1/comments -F body=@" in posted
    assert "<!-- nox-support:lock-diff -->\n## Lock changes\n" in posted
    assert "| beta | upgraded | 1.0 | 1.1 |" in posted
    path, comments = comment_shim(tmp_path / "shim2", "4242")
    rerun = runner(CI, origin, tmp_path / "jobs2", pull_request(origin.feature, "feature"), PATH=path)
    rerun.artifacts = gha.artifacts
    again = rerun.run_job("lock-diff-comment", {"lock-diff": lock_diff})
    assert again.result == "success", describe(again)
    assert f"api --method PATCH repos/{REPOSITORY}/issues/comments/4242 -F body=@" in comments.read_text()


def check_lock_diff(result: JobResult) -> None:
    """The lock changes of the feature pull request, and api's locks resolved again."""
    (diff,) = result.runs
    # The pull request changed api's locks: they are resolved again (a hand edit would differ).
    deep = next(entry for entry in diff.log if entry.startswith("== Re-resolve the changed locks"))
    assert "Running session freshness" in deep
    assert "all 2 locks are fresh" in deep  # api's main and dev locks, nobody else's
    assert "| alpha | upgraded | 1.0 | 2.0 |" in diff.summary
    assert "| beta | upgraded | 1.0 | 1.1 |" in diff.summary
    assert "### Lock changes of `web` since `origin/main`" in diff.summary
    assert json.loads((diff.workspace / "reports/lock-diff/api.json").read_text())["base"] == "origin/main"


def test_ci_pull_request_runs_end_to_end(origin: Origin, tmp_path: Path) -> None:
    path, comments = comment_shim(tmp_path / "shim", "")
    gha = runner(CI, origin, tmp_path / "jobs", pull_request(origin.feature, "feature"), PATH=path)
    results: dict[str, JobResult] = {}
    results["discover"] = gha.run_job("discover", {})
    assert results["discover"].result == "success", describe(results["discover"])
    outputs = results["discover"].outputs
    audit = json.loads(outputs["audit_matrix"])["include"]
    tests = json.loads(outputs["tests_matrix"])["include"]
    assert [e["id"] for e in audit] == ["api", "web"]
    assert [e["sessions"] for e in tests] == [["tests(api)"], ["tests(web)"]]
    assert outputs["lock_diff_count"] == "2"
    assert outputs["untested"] == ""
    assert outputs["untested_count"] == "0"
    assert (
        "| web | libs/common/NOTES.txt changed (local package libs/common) |"
        in results["discover"].runs[0].summary
    )

    for job in ("freshness", "audit", "tests", "lock-diff"):
        results[job] = gha.run_job(job, {k: v for k, v in results.items() if k in {"discover", "freshness"}})
        assert results[job].result == "success", describe(results[job])
    # Pull requests audit only some services: nothing goes to code scanning.
    results["code-scanning-files"] = gha.run_job("code-scanning-files", results)
    assert results["code-scanning-files"].result == "skipped"
    results["code-scanning"] = gha.run_job("code-scanning", results)
    assert results["code-scanning"].result == "skipped"
    assert gha.code_scanning == []

    check_sticky_comment(gha, origin, tmp_path, results["lock-diff"], comments)

    # What the matrix jobs ran, and what they handed to later steps.
    for run in results["audit"].runs:
        services = [session.removeprefix("audit(").removesuffix(")") for session in run.matrix["sessions"]]
        for name in services:
            assert (run.workspace / f"reports/audit/{name}.json").is_file()
        assert run.workspace / "reports/audit" in run.uploads[f"audit-{run.matrix['id']}"]
        # audit_summary, queued by the audit sessions: combined Markdown and SARIF for this job only.
        sarif = run.workspace / "reports/audit.sarif"
        assert run.permissions == {"contents": "read"}  # dependency code runs here: no write token
        assert run.workspace / "reports/audit.sarif" in run.uploads[f"audit-{run.matrix['id']}"]
        categories = [r["automationDetails"]["id"] for r in json.loads(sarif.read_text())["runs"]]
        assert categories == [f"nox-support-audit/{name}/" for name in services]
        assert "# Security audit" in run.summary
        assert "No combined audit report" not in run.summary
        # The SBOM and licence step read the audit venvs (no second venv) and keep their reports.
        assert "SBOM and licences" not in run.skipped_steps
        for name in services:
            assert (run.workspace / f"reports/sbom/{name}.cdx.json").is_file()
            report = json.loads((run.workspace / f"reports/licenses/{name}.json").read_text())
            assert report["status"] == "compliant", report
        venvs = sorted(p.parent.name for p in (run.workspace / ".nox").glob("*/pyvenv.cfg"))
        assert venvs == [f"audit-{name}" for name in services]
        uploaded = run.uploads[f"supply-chain-{run.matrix['id']}"]
        assert uploaded[:3] == [
            run.workspace / "reports/sbom",
            run.workspace / "reports/licenses",
            run.workspace / "reports/licenses.md",
        ]
        # The HTML report (`nox -s report`) of this job's reports, kept with them.
        html = run.workspace / "reports/index.html"
        assert uploaded[3:] == [html]
        assert html.is_file(), "\n".join(run.log)
    for run in results["tests"].runs:
        (name,) = [session.removeprefix("tests(").removesuffix(")") for session in run.matrix["sessions"]]
        assert (run.workspace / f"reports/tests/{name}.xml").is_file()
        assert run.uploads[f"tests-{run.matrix['id']}"] == [run.workspace / "reports/tests"]
    check_caches_and_lock_diff(gha, results)

    gate = gha.run_job("all-green", results)
    assert gate.result == "success", describe(gate)
    assert "audit: 2 jobs succeeded" in describe(gate)


def check_caches_and_lock_diff(gha: Runner, results: dict[str, JobResult]) -> None:
    """The caches the matrix jobs saved, then the lock-diff job's report (:func:`check_lock_diff`).

    Real syncs: each venv nox synced is saved under its own service's key, in the pull request's
    scope; each audit job also saves that service's verdict cache under the day.
    """
    for kind in ("audit", "tests"):
        for run in results[kind].runs:
            venvs = sorted(p.parent.name for p in (run.workspace / ".nox").glob("*/pyvenv.cfg"))
            assert venvs == [s.replace("(", "-").rstrip(")") for s in run.matrix["sessions"]]
            pattern = (
                rf"nox-({kind}|verdicts)-Linux-X64-.*-py[0-9.]+-({kind}-[a-z]+)/[0-9a-f]{{64}}(/[0-9]{{8}})?"
            )
            matches = [re.fullmatch(pattern, key) for key in run.saved_keys]
            saved = sorted(m.group(1, 2) for m in matches if m is not None)
            kinds = (kind, "verdicts") if kind == "audit" else (kind,)
            assert saved == sorted((k, venv) for k in kinds for venv in venvs), run.saved_keys
            assert all((gha.scope, key) in gha.caches for key in run.saved_keys)
    assert gha.scope == "refs/pull/1/merge"
    check_lock_diff(results["lock-diff"])


def last_green_shim(directory: Path, sha: str | None) -> tuple[str, Path]:
    """A fake ``gh`` for the discover job: the last passing push run is *sha* (None: the API fails)."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "gh.log"
    answer = "exit 1" if sha is None else f"echo {sha}"
    script = directory / "gh"
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\n{answer}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}", log


def push(sha: str, before: str) -> dict[str, Any]:
    return {
        "event_name": "push",
        "sha": sha,
        "ref": "refs/heads/main",
        "ref_name": "main",
        "workflow_ref": f"{REPOSITORY}/.github/workflows/ci.yml@refs/heads/main",
        "event": {"before": before, "repository": {"default_branch": "main"}},
    }


def discover_ids(result: JobResult, kind: str) -> list[str]:
    return [e["id"] for e in json.loads(result.outputs[f"{kind}_matrix"])["include"]]


@pytest.mark.parametrize(
    ("event", "audit", "tests"),
    [
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
        "event": {"schedule": "17 3 * * *", "repository": {"default_branch": "main"}},
    }
    result = runner(CI, origin, tmp_path, github).run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "audit") == audit
    assert discover_ids(result, "tests") == tests
    assert result.outputs["tests_count"] == str(len(tests))


def test_ci_weekly_schedule_tests_every_service(origin: Origin, tmp_path: Path) -> None:
    weekly = next(entry["cron"] for entry in CI[True]["schedule"] if entry["cron"] != "17 3 * * *")
    github: dict[str, Any] = {"event_name": "schedule", "sha": origin.base, "ref": "refs/heads/main"}
    github["event"] = {"schedule": weekly, "repository": {"default_branch": "main"}}
    result = runner(CI, origin, tmp_path, github).run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "tests") == ["api", "web"]  # worker has no tests


def test_ci_push_tests_what_changed_since_the_last_green_commit(origin: Origin, tmp_path: Path) -> None:
    """A cancelled (or red) run never hides its commit: the next push diffs from the last green one."""
    path, log = last_green_shim(tmp_path / "shim", origin.base)
    # `before` is the feature commit itself: diffing from it would select nothing.
    gha = runner(CI, origin, tmp_path / "jobs", push(origin.feature, origin.feature), PATH=path)
    result = gha.run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "audit") == ["api", "web", "worker"]
    assert discover_ids(result, "tests") == ["api", "web"]
    assert f"repos/{REPOSITORY}/actions/workflows/ci.yml/runs" in log.read_text()
    assert "status=success" in log.read_text()
    assert "branch=main" in log.read_text()
    assert f"merge base `{origin.base[:12]}`" in result.runs[0].summary


def test_ci_push_whose_base_is_not_in_the_clone_runs_everything(origin: Origin, tmp_path: Path) -> None:
    """A force-push: the last green (or `before`) commit is gone; run everything and say why."""
    gone = "0123456789abcdef0123456789abcdef01234567"
    path, _ = last_green_shim(tmp_path / "shim", gone)
    gha = runner(CI, origin, tmp_path / "jobs", push(origin.feature, gone), PATH=path)
    result = gha.run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "tests") == ["api", "web"]
    assert discover_ids(result, "audit") == ["api", "web", "worker"]
    assert (
        f"**Every service is selected**: the base `{gone}` cannot be diffed from "
        f"(git ref '{gone}' does not exist in this clone)." in result.runs[0].summary
    )


@pytest.mark.parametrize(("answer", "warns"), [(None, True), ("", False)], ids=["api-fails", "no-green-run"])
def test_ci_push_without_a_known_green_commit_runs_everything(
    origin: Origin, tmp_path: Path, answer: str | None, *, warns: bool
) -> None:
    path, _ = last_green_shim(tmp_path / "shim", answer)
    gha = runner(CI, origin, tmp_path / "jobs", push(origin.feature, origin.base), PATH=path)
    result = gha.run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "tests") == ["api", "web"]
    assert "No base ref: every service is selected." in result.runs[0].summary
    assert "No earlier run of this workflow passed on this branch" in result.runs[0].summary
    # Only a failed question to the GitHub API is a warning; no green run yet is normal.
    warned = "::warning::could not ask GitHub for the last passing run of ci.yml" in describe(result)
    assert warned is warns


def test_ci_pushes_never_share_a_concurrency_group(origin: Origin, tmp_path: Path) -> None:
    """GitHub drops a pending run when a newer one queues in its group: pushes get one group each."""

    def group(github: dict[str, Any]) -> tuple[str, bool]:
        gha = runner(CI, origin, tmp_path, {"workflow": "ci", **github})
        context = gha.context({}, {}, {})
        functions = gha.functions(ok=True)
        concurrency = CI["concurrency"]
        return (
            to_text(evaluate(concurrency["group"], context, functions)),
            truthy(evaluate(concurrency["cancel-in-progress"], context, functions)),
        )

    first, second = group(push(origin.base, "0" * 40)), group(push(origin.feature, origin.base))
    assert first != second
    assert first[1] is second[1] is False
    nightly = group({"event_name": "schedule", "sha": origin.feature, "event": {}})
    assert nightly[0] != second[0]
    pr_one, pr_two = group(pull_request(origin.base, "a")), group(pull_request(origin.feature, "a"))
    assert pr_one == pr_two  # a newer push to a pull request replaces the older run
    assert pr_one[1] is True


def test_ci_merge_queue_diffs_from_the_queue_base_and_reports_the_gate(
    origin: Origin, tmp_path: Path
) -> None:
    assert "merge_group" in CI[True]
    github = {
        "event_name": "merge_group",
        "sha": origin.feature,
        "ref": "refs/heads/gh-readonly-queue/main/pr-1-" + origin.base,
        "event": {"merge_group": {"base_sha": origin.base, "head_sha": origin.feature}},
    }
    gha = runner(CI, origin, tmp_path, github)
    results = {"discover": gha.run_job("discover", {})}
    assert results["discover"].result == "success", describe(results["discover"])
    assert discover_ids(results["discover"], "audit") == ["api", "web"]
    assert discover_ids(results["discover"], "tests") == ["api", "web"]
    results["freshness"] = gha.run_job("freshness", results)
    assert results["freshness"].result == "success", describe(results["freshness"])
    # The audit and tests jobs run as for a pull request (test_ci_pull_request_runs_end_to_end runs
    # them on this very commit): they do not read the event (test_only_a_push_changes_how_...).
    results["audit"] = results["tests"] = JobResult("success")
    results["lock-diff"] = gha.run_job("lock-diff", results)
    results["code-scanning-files"] = gha.run_job("code-scanning-files", results)
    results["code-scanning"] = gha.run_job("code-scanning", results)
    assert results["lock-diff"].result == results["code-scanning-files"].result == "skipped"
    gate = gha.run_job("all-green", results)
    assert gate.result == "success", describe(gate)


def event_reads(value: Any) -> set[str]:
    """The ``github.*`` context fields (event, refs, actor...) the strings of a workflow fragment read."""
    if isinstance(value, str):
        return set(re.findall(r"github\.[A-Za-z_.]+", value))
    if isinstance(value, dict):
        return {field for item in value.values() for field in event_reads(item)}
    if isinstance(value, list):
        return {field for item in value for field in event_reads(item)}
    return set()


def test_only_a_push_changes_how_the_audit_and_tests_jobs_run() -> None:
    """Why most event tests may stand the audit and tests jobs in by their result.

    The two jobs (and the local actions they use) read the event in one place: a push's audit may
    fail without failing the job. So a merge queue's or a licence test's run of them is the pull
    request's run of test_ci_pull_request_runs_end_to_end; a push's audit runs for real
    (test_ci_push_with_a_new_advisory_reports_it_without_stalling_the_tests_baseline).
    """
    assert event_reads(CI["jobs"]["tests"]) == set()
    assert event_reads(CI["jobs"]["audit"]) == {"github.event_name"}
    (step,) = [step for step in CI["jobs"]["audit"]["steps"] if event_reads(step)]
    assert event_reads({k: v for k, v in step.items() if k != "continue-on-error"}) == set()
    assert step["continue-on-error"] == "${{ github.event_name == 'push' }}"
    assert {k for k in CI["env"] if event_reads(CI["env"][k])} == set()
    for action in sorted((ROOT / ".github/actions").glob("*/action.yml")):
        text = action.read_text(encoding="utf-8")
        assert event_reads(text) == set(), action
        assert "GITHUB_EVENT" not in text
        assert "GITHUB_REF" not in text
    for job in ("audit", "tests"):
        scripts = "\n".join(str(step.get("run", "")) for step in CI["jobs"][job]["steps"])
        assert "GITHUB_EVENT" not in scripts
        assert "GITHUB_REF" not in scripts
        assert "GITHUB_ACTOR" not in scripts
        assert "secrets." not in str(CI["jobs"][job])


def test_ci_pull_request_changing_only_a_workflow_runs_every_check(origin: Origin, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "workflow-only")
    ci = clone / ".github/workflows/ci.yml"
    ci.write_text(ci.read_text() + "# tweak\n")
    sha = commit(clone, "tweak the workflow")
    git(clone, "push", "-q", "origin", "workflow-only")
    gha = runner(CI, origin, tmp_path / "jobs", pull_request(sha, "workflow-only"))
    result = gha.run_job("discover", {})
    assert result.result == "success", describe(result)
    assert discover_ids(result, "audit") == ["api", "web", "worker"]
    assert discover_ids(result, "tests") == ["api", "web"]
    assert "| api | .github/workflows/ci.yml changed (affects every service) |" in result.runs[0].summary


def test_ci_stale_lock_fails_freshness_and_the_gate(origin: Origin, tmp_path: Path) -> None:
    gha = runner(CI, origin, tmp_path, pull_request(origin.needs_lock, "needs-lock"))
    discover = gha.run_job("discover", {})
    freshness = gha.run_job("freshness", {"discover": discover})
    assert freshness.result == "failure"
    assert 'fix: nox -s "lock(worker)"' in describe(freshness)
    assert (
        "::error file=services/worker/requirements.txt,title=stale lock::services/worker/requirements.txt "
        'does not match its inputs: run nox -s "lock(worker)" and commit it'
    ) in describe(freshness)
    audit = gha.run_job("audit", {"discover": discover, "freshness": freshness})
    tests = gha.run_job("tests", {"discover": discover, "freshness": freshness})
    assert audit.result == "skipped"
    assert tests.result == "skipped"
    lock_diff = JobResult("success")  # the freshness job alone turns the gate red
    needs = {
        "discover": discover,
        "freshness": freshness,
        "audit": audit,
        "tests": tests,
        "lock-diff": lock_diff,
        "code-scanning-files": JobResult("skipped"),
        "code-scanning": JobResult("skipped"),
    }
    gate = gha.run_job("all-green", needs)
    assert gate.result == "failure"
    assert "::error::freshness: result 'failure'" in describe(gate)


def test_ci_licence_violation_fails_the_audit_job_and_the_gate(origin: Origin, tmp_path: Path) -> None:
    """A pull request adding a GPL-3.0-only dependency: the policy denies it, the audit job goes red."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "copyleft")
    write(clone / "services/web/requirements.in", "epsilon\ncopyleft\n../../libs/common\n")
    locked = nox(clone, "-s", "lock(web)", env=hermetic_env(origin.wheelhouse))
    assert locked.returncode == 0, locked.stderr
    sha = commit(clone, "web uses copyleft")
    git(clone, "push", "-q", "origin", "copyleft")

    gha = runner(CI, origin, tmp_path / "jobs", pull_request(sha, "copyleft"))
    results = {"discover": gha.run_job("discover", {})}
    assert discover_ids(results["discover"], "audit") == ["web"]
    results["freshness"] = gha.run_job("freshness", results)
    assert results["freshness"].result == "success", describe(results["freshness"])
    results["audit"] = gha.run_job("audit", results)
    assert results["audit"].result == "failure"
    log = describe(results["audit"])
    assert "Session audit(web) was successful" in log  # no vulnerability: the licence step fails the job
    assert "Session licenses(web) aborted: licences of web: 1 violation" in log
    assert "  - copyleft==1.0: GPL-3.0-only: denied: GPL-3.0-only" in log
    (run,) = results["audit"].runs
    report = json.loads((run.workspace / "reports/licenses/web.json").read_text())
    assert report["status"] == "violations"
    assert (run.workspace / "reports/sbom/web.cdx.json").is_file()
    assert run.workspace / "reports/licenses" in run.uploads["supply-chain-web"]  # kept although red

    # The other checks pass (they run for real in test_ci_pull_request_runs_end_to_end): the audit
    # alone turns the gate red.
    results["tests"] = results["lock-diff"] = JobResult("success")
    results["code-scanning-files"] = results["code-scanning"] = JobResult("skipped")
    verdict = gha.run_job("all-green", results)
    assert verdict.result == "failure"
    assert "::error::audit: result 'failure'" in describe(verdict)


def gate(tmp_path: Path, origin_path: Path, event: str, **results: tuple[str, dict[str, str]]) -> JobResult:
    needs = {
        name.replace("_", "-"): JobResult(result, outputs) for name, (result, outputs) in results.items()
    }
    needs.setdefault("code-scanning-files", JobResult("skipped"))
    needs.setdefault("code-scanning", JobResult("skipped"))
    assert "actions/checkout" not in str(CI["jobs"]["all-green"]["steps"])  # runs without the repository
    return Runner(CI, origin_path, {"event_name": event}, tmp_path, {}).run_job("all-green", needs)


COUNTS = {
    "audit_count": "2",
    "tests_count": "1",
    "lock_diff_count": "2",
    "untested": "",
    "untested_count": "0",
    "missing_tests": "skip",
    "removed_count": "0",
}


NOTHING_TO_DO = {"audit_count": "0", "tests_count": "0", "lock_diff_count": "0"}
UNTESTED = {"untested": "worker", "untested_count": "1"}


@pytest.mark.parametrize(
    ("event", "jobs", "outputs", "expected"),
    [
        ("pull_request", ("success", "success", "success"), {}, "success"),
        ("pull_request", ("failure", "success", "success"), {}, "failure"),
        ("pull_request", ("success", "cancelled", "success"), {}, "failure"),
        ("pull_request", ("skipped", "success", "success"), {}, "failure"),
        ("pull_request", ("success", "success", "skipped"), {}, "failure"),
        ("push", ("success", "success", "skipped"), {}, "success"),
        ("merge_group", ("success", "success", "skipped"), {}, "success"),
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
    warns = outputs.get("missing_tests") != "fail" and outputs.get("untested") == "worker"
    assert ("::warning::1 services without tests" in describe(result)) is warns


@pytest.mark.parametrize(
    ("upload", "expected"),
    [("success", "success"), ("skipped", "success"), ("failure", "failure"), ("cancelled", "failure")],
)
def test_gate_checks_the_code_scanning_upload(tmp_path: Path, upload: str, expected: str) -> None:
    """Skipped (nothing to upload, or NOX_SUPPORT_CODE_SCANNING = false) passes; a failure does not."""
    result = gate(
        tmp_path,
        tmp_path,
        "push",
        discover=("success", {**COUNTS, "removed_count": "2"}),
        freshness=("success", {}),
        audit=("success", {}),
        tests=("success", {}),
        lock_diff=("skipped", {}),
        code_scanning_files=("success" if upload != "skipped" else "skipped", {}),
        code_scanning=(upload, {}),
    )
    assert result.result == expected, describe(result)


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


def run_lock_refresh(gha: Runner) -> dict[str, JobResult]:
    """plan -> lock (matrix) -> merge: what the write jobs need."""
    results = {"plan": gha.run_job("plan", {})}
    results["lock"] = gha.run_job("lock", {"plan": results["plan"]})
    results["merge"] = gha.run_job("merge", {"lock": results["lock"]})
    return results


CHANGED = {"merge": JobResult("success", {"changed": "true"})}
"""What the write jobs see after a merge job that gathered changed locks."""


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
    results = run_lock_refresh(gha)
    lock, merge = results["lock"], results["merge"]
    assert lock.result == "success", describe(lock)
    assert merge.outputs["changed"] == "true"
    assert [e["sessions"] for e in json.loads(results["plan"].outputs["lock_matrix"])["include"]] == [
        ["lock(worker)"]
    ]
    (run,) = lock.runs
    assert "services/worker/requirements.txt" in run.summary
    # Only the service the pull request affects is locked, and checked, before the handover.
    locking = next(entry for entry in run.log if entry.startswith("== Lock "))
    assert "Running session lock(worker)" in locking
    assert "Running session lock(api)" not in locking
    assert "Running session freshness" in locking
    assert "| epsilon | added | — | 0.5 |" in run.summary
    push = gha.run_job("push", {"merge": merge})
    assert push.result == "success", describe(push)
    assert gha.run_job("pull-request", {"merge": merge}).result == "skipped"
    head = git(origin.bare, "rev-parse", "needs-lock").strip()
    assert git(origin.bare, "rev-parse", f"{head}^").strip() == origin.needs_lock
    assert git(origin.bare, "diff", "--name-only", origin.needs_lock, head).split() == [
        "services/worker/requirements.txt"
    ]
    clone = tmp_path / "after"
    git(tmp_path, "clone", "-q", "-b", "needs-lock", str(origin.bare), str(clone))
    assert nox(clone, "-s", "freshness").returncode == 0


def test_lock_refresh_merges_the_lock_jobs_files_into_one_push(origin: Origin, tmp_path: Path) -> None:
    """Three lock jobs' artifacts (of a 300-service upgrade, say) become one commit on the branch."""
    own = tmp_path / "origin.git"
    shutil.copytree(origin.bare, own)
    git(own, "branch", "sharded", origin.needs_lock)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "sharded", str(own), str(clone))
    gha = runner(
        LOCK_REFRESH,
        dataclasses.replace(origin, bare=own),
        tmp_path / "jobs",
        pull_request(origin.needs_lock, "sharded"),
    )
    for number, name in enumerate(("api", "web", "worker"), start=1):
        lock = (clone / f"services/{name}/requirements.txt").read_text()
        write(tmp_path / f"shard{number}/locks/services/{name}/requirements.txt", lock + "# shard\n")
        gha.artifacts[f"lock-refresh-lock-{number}-of-3"] = tmp_path / f"shard{number}"
    merge = gha.run_job("merge", {"lock": JobResult("success")})
    assert merge.result == "success", describe(merge)
    assert merge.outputs["changed"] == "true"
    push = gha.run_job("push", {"merge": merge})
    assert push.result == "success", describe(push)
    head = git(own, "rev-parse", "sharded").strip()
    assert git(own, "diff", "--name-only", origin.needs_lock, head).split() == [
        "services/api/requirements.txt",
        "services/web/requirements.txt",
        "services/worker/requirements.txt",
    ]


def test_lock_refresh_never_runs_for_forks(origin: Origin, tmp_path: Path) -> None:
    github = pull_request(origin.needs_lock, "needs-lock", head_repo="someone/fork")
    gha = runner(LOCK_REFRESH, origin, tmp_path, github)
    results = run_lock_refresh(gha)
    assert results["plan"].result == results["lock"].result == results["merge"].result == "skipped"
    assert gha.run_job("push", {"merge": results["merge"]}).result == "skipped"


def test_weekly_upgrade_opens_a_pull_request(origin: Origin, tmp_path: Path) -> None:
    shim, log = gh_shim(tmp_path / "shim")
    github = {"event_name": "schedule", "sha": origin.base, "ref": "refs/heads/main"}
    path = f"{shim}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"
    gha = runner(LOCK_REFRESH, origin, tmp_path / "jobs", github, PATH=path)
    results = run_lock_refresh(gha)
    assert results["lock"].result == "success", describe(results["lock"])
    assert results["merge"].outputs["changed"] == "true"
    assert gha.run_job("push", {"merge": results["merge"]}).result == "skipped"
    opened = gha.run_job("pull-request", {"merge": results["merge"]})
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
    # The description is built by the write job from the git diff, not taken from the lock job.
    assert "lock-refresh/body.md" not in str(list((tmp_path / "jobs").rglob("body.md")))
    body = next(p for p in (tmp_path / "jobs").rglob("body.md") if "pull-request" in str(p)).read_text()
    assert "Upgraded locks (`nox -s lock -- --upgrade`), checked with the lock rules." in body
    assert "| services/api/requirements.txt | beta==1.0 | |" in body
    assert "| services/api/requirements.txt | | beta==1.1 |" in body
    assert "| services/worker/requirements.txt | | alpha==1.1 |" in body  # worker: gamma needs alpha<2
    assert " 3 files changed" in body
    notice = "::notice title=lock refresh without the GitHub App::pushed with GITHUB_TOKEN"
    assert notice in describe(opened)


def test_lock_refresh_never_writes_through_a_symlinked_directory(origin: Origin, tmp_path: Path) -> None:
    """A pull request commits `services/evil -> <outside>`; the artifact holds its requirements.txt."""
    outside = tmp_path / "outside"
    outside.mkdir()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "evil")
    (clone / "services/evil").symlink_to(outside)
    sha = commit(clone, "a symlinked directory")
    git(clone, "push", "-q", "origin", "evil")
    artifact = tmp_path / "artifact"
    write(artifact / "locks/services/evil/requirements.txt", "planted==1.0\n")
    gha = runner(LOCK_REFRESH, origin, tmp_path / "jobs", pull_request(sha, "evil"))
    gha.artifacts["lock-refresh"] = artifact
    result = gha.run_job("push", CHANGED)
    assert result.result == "failure"
    assert "::error::refusing to write services/evil/requirements.txt (symlink or unknown directory)" in (
        describe(result)
    )
    assert list(outside.iterdir()) == []
    assert git(origin.bare, "rev-parse", "evil").strip() == sha  # nothing pushed


def test_lock_refresh_skips_the_push_for_dependabot(origin: Origin, tmp_path: Path) -> None:
    github = pull_request(origin.needs_lock, "dependabot/pip/x")
    github["event"]["pull_request"]["user"] = {"login": "dependabot[bot]"}
    gha = runner(LOCK_REFRESH, origin, tmp_path, github)
    assert gha.run_job("push", CHANGED).result == "skipped"


def merged_locks(origin: Origin, directory: Path, commit: str, lock: str) -> Path:
    """The merge job's ``lock-refresh`` artifact holding *lock* (as of *commit*) changed by a comment.

    What test_lock_refresh_commits_only_changed_locks_to_the_pull_request and
    test_weekly_upgrade_opens_a_pull_request get from the real plan, lock and merge jobs.
    """
    text = git(origin.bare, "show", f"{commit}:{lock}")
    write(directory / "locks" / lock, text + "# refreshed\n")
    return directory


def test_lock_refresh_mints_an_app_token_when_configured(origin: Origin, tmp_path: Path) -> None:
    git(origin.bare, "branch", "needs-lock-app", origin.needs_lock)
    gha = runner(LOCK_REFRESH, origin, tmp_path, pull_request(origin.needs_lock, "needs-lock-app"))
    gha.artifacts["lock-refresh"] = merged_locks(
        origin, tmp_path / "artifact", origin.needs_lock, "services/worker/requirements.txt"
    )
    gha.variables["LOCK_REFRESH_APP_ID"] = "12345"
    gha.secrets["LOCK_REFRESH_APP_PRIVATE_KEY"] = "key"
    pushed = gha.run_job("push", CHANGED)
    assert pushed.result == "success", describe(pushed)
    assert "Mint a push token (GitHub App, when configured)" not in pushed.runs[0].skipped_steps
    minted = base64.b64encode(b"x-access-token:minted-app-token").decode()
    assert f"::add-mask::{minted}" in describe(pushed)


def test_weekly_upgrade_runs_only_from_the_default_branch(origin: Origin, tmp_path: Path) -> None:
    github = {
        "event_name": "workflow_dispatch",
        "sha": origin.feature,
        "ref": "refs/heads/feature",
        "ref_name": "feature",
    }
    assert runner(LOCK_REFRESH, origin, tmp_path, github).run_job("plan", {}).result == "skipped"


def test_weekly_upgrade_never_overwrites_a_human_fix(origin: Origin, tmp_path: Path) -> None:
    own = tmp_path / "origin.git"  # this test's own copy: other tests push to the same branch
    shutil.copytree(origin.bare, own)
    origin = dataclasses.replace(origin, bare=own)
    git(own, "update-ref", "-d", "refs/heads/nox-support/lock-upgrade")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "nox-support/lock-upgrade")
    write(clone / "services/api/NOTE.txt", "a human fix\n")
    fix = commit(clone, "a human fix on the upgrade branch")
    git(clone, "push", "-q", "origin", "nox-support/lock-upgrade")
    shim, _log = gh_shim(tmp_path / "shim")
    github = {"event_name": "schedule", "sha": origin.base, "ref": "refs/heads/main"}
    path = f"{shim}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"
    gha = runner(LOCK_REFRESH, origin, tmp_path / "jobs", github, PATH=path)
    gha.artifacts["lock-refresh"] = merged_locks(
        origin, tmp_path / "artifact", origin.base, "services/api/requirements.txt"
    )
    opened = gha.run_job("pull-request", CHANGED)
    assert opened.result == "failure"
    assert "::error::nox-support/lock-upgrade has commits by others" in describe(opened)
    assert git(origin.bare, "rev-parse", "nox-support/lock-upgrade").strip() == fix


def test_ci_failed_tests_are_annotated_on_their_file(origin: Origin, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "failing-test")
    write(clone / "services/api/tests/test_broken.py", "def test_broken():\n    assert 1 == 2\n")
    sha = commit(clone, "a failing test")
    git(clone, "push", "-q", "origin", "failing-test")
    gha = runner(CI, origin, tmp_path / "jobs", pull_request(sha, "failing-test"))
    discover = gha.run_job("discover", {})
    assert discover.result == "success", describe(discover)
    tests = gha.run_job("tests", {"discover": discover, "freshness": JobResult("success")})
    assert tests.result == "failure"
    assert (
        "::error file=services/api/tests/test_broken.py,line=2,"
        "title=test failed%3A services.api.tests.test_broken%3A%3Atest_broken::assert 1 == 2"
    ) in describe(tests)


# ---------------------------------------------------------------------------
# Main never wedges; write tokens stay away from dependency code (issue 20)


def vulnerable_db(directory: Path) -> Path:
    """An offline OSV database with an advisory against gamma 1.0 (locked by worker)."""
    record = {
        "id": "TEST-0002",
        "modified": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": "gamma"}, "versions": ["1.0"]}],
    }
    write(directory / "TEST-0002.json", json.dumps(record))
    return directory


def run_ci(
    gha: Runner, jobs: tuple[str, ...], stand_ins: dict[str, JobResult] | None = None
) -> dict[str, JobResult]:
    """Run *jobs* in order, each given every earlier result it needs; *stand_ins* are not run."""
    results: dict[str, JobResult] = dict(stand_ins or {})
    for job in jobs:
        if job in results:
            continue
        declared = CI["jobs"][job].get("needs", [])
        declared = [declared] if isinstance(declared, str) else declared
        results[job] = gha.run_job(job, {name: results[name] for name in declared})
    return results


EVERY_JOB = (
    "discover",
    "freshness",
    "audit",
    "tests",
    "lock-diff",
    "code-scanning-files",
    "code-scanning",
    "all-green",
)


def test_ci_push_with_a_new_advisory_reports_it_without_stalling_the_tests_baseline(
    origin: Origin, tmp_path: Path
) -> None:
    """The push stays green (the last green commit moves); code scanning gets every service's verdict."""
    path, _ = last_green_shim(tmp_path / "shim", origin.base)
    gha = runner(CI, origin, tmp_path / "jobs", push(origin.feature, origin.base), PATH=path)
    gha.env["NOX_SUPPORT_OSV_DB"] = str(vulnerable_db(tmp_path / "osv"))
    # The tests job passes as for a pull request (test_only_a_push_changes_how_the_audit_and_...).
    results = run_ci(gha, EVERY_JOB, {"tests": JobResult("success")})
    audit = results["audit"]
    assert audit.result == "success", describe(audit)
    worker = next(run for run in audit.runs if run.matrix["id"] == "worker")
    assert "Session audit(worker) aborted: audit of worker: vulnerable" in "\n".join(worker.log)
    assert "::warning::the audit failed (see reports/audit.md)" in "\n".join(worker.log)
    assert all(run.permissions == {"contents": "read"} for run in audit.runs)
    # One job packs the files (read-only), one job per file uploads them, running no repository code.
    assert results["code-scanning-files"].result == "success", describe(results["code-scanning-files"])
    upload = results["code-scanning"]
    assert upload.result == "success", describe(upload)
    assert [run.permissions for run in upload.runs] == [{"security-events": "write", "actions": "read"}]
    uses = [step.get("uses", "") for step in CI["jobs"]["code-scanning"]["steps"]]
    assert not any(step.get("run") for step in CI["jobs"]["code-scanning"]["steps"])
    assert [u.split("@")[0] for u in uses] == [
        "actions/download-artifact",
        "github/codeql-action/upload-sarif",
    ]
    assert gha.code_scanning == [
        (
            "refs/heads/main",
            ("nox-support-audit/api/", "nox-support-audit/web/", "nox-support-audit/worker/"),
        )
    ]
    gate = results["all-green"]
    assert gate.result == "success", describe(gate)
    assert gate.name == "all green"


def test_ci_nightly_fails_on_any_vulnerable_service(origin: Origin, tmp_path: Path) -> None:
    github = {
        "event_name": "schedule",
        "sha": origin.base,
        "ref": "refs/heads/main",
        "event": {"schedule": "17 3 * * *", "repository": {"default_branch": "main"}},
    }
    gha = runner(CI, origin, tmp_path / "jobs", github)
    gha.env["NOX_SUPPORT_OSV_DB"] = str(vulnerable_db(tmp_path / "osv"))
    results = run_ci(gha, EVERY_JOB)
    assert results["audit"].result == "failure"
    assert results["code-scanning"].result == "success", describe(results["code-scanning"])
    assert len(gha.code_scanning) == 1  # the findings still reach code scanning
    assert results["all-green"].result == "failure"


def removal_push(origin: Origin, tmp_path: Path, names: list[str]) -> tuple[Origin, str, str]:
    """Main gets *names* as services (the last green commit), then a push removes them all."""
    own = tmp_path / "origin.git"
    shutil.copytree(origin.bare, own)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(own), str(clone))
    for name in names:
        service(clone, name, "alpha\n")
    green = commit(clone, f"{len(names)} short-lived services")
    for name in names:
        shutil.rmtree(clone / "services" / name)
    head = commit(clone, "remove them")
    git(clone, "push", "-q", "origin", "main")
    return dataclasses.replace(origin, bare=own), green, head


def test_ci_push_removing_25_services_closes_their_alerts_in_uploads_of_at_most_20_runs(
    origin: Origin, tmp_path: Path
) -> None:
    names = [f"gone{i:02}" for i in range(25)]
    own, green, head = removal_push(origin, tmp_path, names)
    path, _ = last_green_shim(tmp_path / "shim", green)
    gha = runner(CI, own, tmp_path / "jobs", push(head, green), PATH=path)
    results = {"discover": gha.run_job("discover", {})}
    assert results["discover"].result == "success", describe(results["discover"])
    assert results["discover"].outputs["removed_count"] == "25"
    results["audit"] = JobResult("skipped")  # only the removed services matter here
    results["code-scanning-files"] = gha.run_job("code-scanning-files", results)
    assert results["code-scanning-files"].result == "success", describe(results["code-scanning-files"])
    upload = gha.run_job("code-scanning", results)
    assert upload.result == "success", describe(upload)
    assert [len(categories) for _ref, categories in gha.code_scanning] == [20, 5]
    closed = {c for _ref, categories in gha.code_scanning for c in categories}
    assert closed == {f"nox-support-audit/{name}/" for name in names}


def test_ci_code_scanning_is_one_switch(origin: Origin, tmp_path: Path) -> None:
    path, _ = last_green_shim(tmp_path / "shim", origin.base)
    gha = runner(CI, origin, tmp_path / "jobs", push(origin.base, origin.base), PATH=path)
    gha.variables["NOX_SUPPORT_CODE_SCANNING"] = "false"
    outputs = {**COUNTS, "removed_count": "3", "removed": "a b c"}
    prepared = gha.run_job(
        "code-scanning-files", {"discover": JobResult("success", outputs), "audit": JobResult("success")}
    )
    assert prepared.result == "skipped"
    assert gha.run_job("code-scanning", {"code-scanning-files": prepared}).result == "skipped"
    verdict = gate(
        tmp_path / "gate",
        origin.bare,
        "push",
        discover=("success", outputs),
        freshness=("success", {}),
        audit=("success", {}),
        tests=("success", {}),
        lock_diff=("skipped", {}),
    )
    assert verdict.result == "success", describe(verdict)


def edited(sha: str, branch: str, *, base_changed: bool) -> dict[str, Any]:
    github = pull_request(sha, branch)
    github["event"]["action"] = github["action"] = "edited"
    github["run_id"] = "777"
    github["workflow"] = "ci"
    github["event"]["changes"] = (
        {"base": {"ref": {"from": "develop"}}} if base_changed else {"title": {"from": "x"}}
    )
    return github


def test_ci_pull_request_whose_base_changed_is_checked_again(origin: Origin, tmp_path: Path) -> None:
    gha = runner(CI, origin, tmp_path / "jobs", edited(origin.feature, "feature", base_changed=True))
    discover = gha.run_job("discover", {})
    assert discover.result == "success", describe(discover)
    assert discover_ids(discover, "tests") == ["api", "web"]


def test_ci_title_edit_runs_nothing_and_never_reports_all_green(origin: Origin, tmp_path: Path) -> None:
    """A skipped `all green` would replace the commit's real verdict: the edit run's gate has another name."""
    github = edited(origin.feature, "feature", base_changed=False)
    gha = runner(CI, origin, tmp_path / "jobs", github)
    results = {"discover": gha.run_job("discover", {})}
    assert results["discover"].result == "skipped"
    for job in ("freshness", "audit", "tests", "lock-diff"):
        results[job] = gha.run_job(job, {k: v for k, v in results.items() if k in {"discover", "freshness"}})
        assert results[job].result == "skipped"
    results["code-scanning-files"] = gha.run_job("code-scanning-files", results)
    results["code-scanning"] = gha.run_job("code-scanning", results)
    verdict = gha.run_job("all-green", results)
    assert verdict.result == "skipped"
    assert verdict.name == "all green (text edit, not checked)"
    # ... and the edit never cancels the pull request's real run (a group of its own).
    context, functions = gha.context({}, {}, {}), gha.functions(ok=True)
    group = to_text(evaluate(CI["concurrency"]["group"], context, functions))
    synchronize = {**pull_request(origin.feature, "feature"), "workflow": "ci"}
    real = to_text(evaluate(CI["concurrency"]["group"], {**context, "github": synchronize}, functions))
    assert group != real
    assert real.endswith("-checks")
    with_base = edited(origin.feature, "feature", base_changed=True)
    assert to_text(evaluate(CI["concurrency"]["group"], {**context, "github": with_base}, functions)) == real


def test_ci_fork_pull_request_runs_every_check_with_a_read_only_token(origin: Origin, tmp_path: Path) -> None:
    """Every check passes without secrets or a write token (the tests job by equivalence, see below)."""
    gha = runner(
        CI, origin, tmp_path / "jobs", pull_request(origin.feature, "feature", head_repo="someone/fork")
    )
    gha.secrets["LOCK_REFRESH_APP_PRIVATE_KEY"] = "never-seen-by-forks"
    assert gha.fork
    assert gha.context({}, {}, {})["secrets"] == {}
    # The tests job runs as in the same-repository pull request (test_ci_pull_request_runs_end_to_end):
    # it reads neither the event (test_only_a_push_changes_how_the_audit_and_tests_jobs_run) nor a
    # secret, and asks for a read-only token, which a fork gets unchanged.
    same_repository = runner(CI, origin, tmp_path / "same", pull_request(origin.feature, "feature"))
    assert gha.permissions(CI["jobs"]["tests"]) == same_repository.permissions(CI["jobs"]["tests"])
    assert gha.permissions(CI["jobs"]["tests"]) == {"contents": "read"}
    assert "secrets." not in (ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    results = run_ci(gha, ("discover", "freshness", "tests", "lock-diff"), {"tests": JobResult("success")})
    for job, result in results.items():
        assert result.result == "success", (job, describe(result))
        assert all("write" not in run.permissions.values() for run in result.runs)
    assert gha.run_job("lock-diff-comment", {"lock-diff": results["lock-diff"]}).result == "skipped"
    # The emulator refuses what a fork's token cannot do: an upload holding security-events: write.
    artifact = tmp_path / "artifact"
    write(artifact / "code-scanning-1.sarif", json.dumps({"runs": [{"automationDetails": {"id": "x/"}}]}))
    gha.artifacts["code-scanning"] = artifact
    matrix = json.dumps({"include": [{"file": "code-scanning-1.sarif"}]})
    prepared = JobResult("success", {"sarif_count": "1", "sarif_matrix": matrix})
    refused = gha.run_job("code-scanning", {"code-scanning-files": prepared})
    assert refused.result == "failure"
    assert "Resource not accessible by integration (security-events)" in describe(refused)


def test_ci_setup_action_refuses_a_root_that_is_not_nox_support(origin: Origin, tmp_path: Path) -> None:
    """source: checkout where the root pyproject.toml has no [project]: one clear error."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(origin.bare), str(clone))
    git(clone, "switch", "-q", "-c", "checkout-source")
    action = clone / ".github/actions/setup-nox-support/action.yml"
    action.write_text(action.read_text().replace("    default: lock\n", "    default: checkout\n"))
    sha = commit(clone, "install nox-support from the checkout")
    git(clone, "push", "-q", "origin", "checkout-source")
    result = runner(CI, origin, tmp_path / "jobs", pull_request(sha, "checkout-source")).run_job(
        "discover", {}
    )
    assert result.result == "failure"
    assert (
        "::error file=pyproject.toml,title=not nox-support's repository::the root pyproject.toml is not "
        "nox-support's own, so source: checkout cannot install nox-support"
    ) in describe(result)
    assert "Build the job matrices from nox -l --json" not in describe(result)


def test_lock_refresh_refuses_a_lock_with_options_before_pushing(origin: Origin, tmp_path: Path) -> None:
    """The lock job ran repository code: its files are checked by shape, with grep, before the push."""
    artifact = tmp_path / "artifact"
    write(
        artifact / "locks/services/api/requirements.txt",
        "--extra-index-url https://evil.example/simple\nbeta==1.1 \\\n    --hash=sha256:" + "0" * 64 + "\n",
    )
    write(artifact / "locks/services/web/requirements.local.txt", "../../../../../etc\n")
    git(origin.bare, "branch", "planted", origin.feature)
    gha = runner(LOCK_REFRESH, origin, tmp_path / "jobs", pull_request(origin.feature, "planted"))
    gha.artifacts["lock-refresh"] = artifact
    result = gha.run_job("push", CHANGED)
    assert result.result == "failure"
    log = describe(result)
    assert "::error file=services/api/requirements.txt,title=not a lock::" in log
    assert "1:--extra-index-url https://evil.example/simple" in log
    assert "::error file=services/web/requirements.local.txt,title=not a lock::" in log
    assert "../../../../../etc (outside the repository)" in log
    assert git(origin.bare, "rev-parse", "planted").strip() == origin.feature  # nothing pushed


def test_ci_with_the_nox_root_in_a_subdirectory(origin: Origin, tmp_path: Path) -> None:
    """NOX_SUPPORT_ROOT = app: the monorepo lives in app/, the workflows at the repository's top."""
    own = tmp_path / "origin.git"
    shutil.copytree(origin.bare, own)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(own), str(clone))
    (clone / "app").mkdir()
    for entry in sorted(clone.iterdir()):
        if entry.name not in {".git", ".github", ".gitignore", "app"}:
            git(clone, "mv", entry.name, f"app/{entry.name}")
    commit(clone, "the monorepo moves to app/")
    git(clone, "push", "-q", "origin", "main")
    git(clone, "switch", "-q", "-c", "nested")
    write(clone / "app/services/api/tests/test_nested.py", "def test_nested():\n    assert True\n")
    sha = commit(clone, "a test of api")
    git(clone, "push", "-q", "origin", "nested")
    gha = runner(CI, dataclasses.replace(origin, bare=own), tmp_path / "jobs", pull_request(sha, "nested"))
    gha.variables["NOX_SUPPORT_ROOT"] = "app"
    results = run_ci(gha, ("discover", "freshness", "tests"))
    for job, result in results.items():
        assert result.result == "success", (job, describe(result))
    assert discover_ids(results["discover"], "tests") == ["api"]
    (tests,) = results["tests"].runs
    assert (tests.workspace / "app/reports/tests/api.xml").is_file()
    assert tests.uploads["tests-api"] == [tests.workspace / "app/reports/tests"]
