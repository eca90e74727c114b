"""``python -m nox_support matrix --changed-since`` against real git repositories.

The command runs in this process (:func:`tests.ci.helpers.matrix_here`; Nox's session list is still
a real ``nox -l --json``); :func:`test_bad_ref_is_an_error` runs it as a process, as the workflows do.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.ci.helpers import (
    commit_all,
    git,
    init_repo,
    lock_text,
    matrix_here,
    matrix_json,
    run_matrix,
    service,
)
from tests.repos import local_package, monorepo, write

PYPROJECT = """
[tool.nox_support]
constraints = ["constraints/shared.txt"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = monorepo(tmp_path / "repo", {}, pyproject=PYPROJECT)
    service(root, "orders", "alpha\n../../libs/common\n")
    service(root, "payments", "beta\n-r ../../libs/requirements-http.in\n")
    service(
        root,
        "web",
        "gamma\n",
        {
            "requirements.txt": lock_text("gamma==1.0", "alpha==1.1"),
            "requirements-dev.in": "-r ../../libs/test-tools.in\n",
            "tests/test_web.py": "def test_ok():\n    pass\n",
        },
    )
    local_package(root / "libs/common", "common")
    write(root / "libs/common/src/common/__init__.py", "")
    write(root / "libs/requirements-http.in", "-c http-pins.txt\nepsilon\n")
    write(root / "libs/http-pins.txt", "epsilon<1\n")
    write(root / "libs/test-tools.in", "pytest-stub\n")
    write(root / "constraints/shared.txt", "alpha<3\n")
    write(root / "README.md", "hello\n")
    return init_repo(root)


def affected(root: Path, ref: str = "origin/main") -> list[str]:
    data = matrix_json(root, "--changed-since", ref)
    return [entry["service"] for entry in data["affected"]]


def change(root: Path, path: str, text: str = "changed\n", *, commit: bool = True) -> None:
    write(root / path, text)
    if commit:
        commit_all(root, f"change {path}")


def test_nothing_changed(repo: Path) -> None:
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert data["affected"] == []
    assert data["matrix"] == {"audit": {"include": []}, "tests": {"include": []}}
    assert data["base"] == {"ref": "origin/main", "commit": git(repo, "rev-parse", "main").strip()}


def test_unrelated_file(repo: Path) -> None:
    change(repo, "README.md")
    assert affected(repo) == []


def test_service_edit(repo: Path) -> None:
    change(repo, "services/payments/app.py")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert data["affected"] == [{"service": "payments", "reasons": ["services/payments/app.py changed"]}]
    (entry,) = data["matrix"]["audit"]["include"]
    assert entry["sessions"] == ["audit(payments)"]
    assert data["lock_diff"] == ["lock_diff(payments)"]
    # payments has no tests: not in the tests matrix, listed instead.
    assert data["matrix"]["tests"] == {"include": []}
    assert data["untested"] == ["payments"]


def test_shared_lib_edit(repo: Path) -> None:
    change(repo, "libs/common/src/common/__init__.py", "VALUE = 1\n")
    assert affected(repo) == ["orders"]


def test_local_package_metadata_edit(repo: Path) -> None:
    change(repo, "libs/common/pyproject.toml", (repo / "libs/common/pyproject.toml").read_text() + "\n")
    assert affected(repo) == ["orders"]


def test_nested_include_edit(repo: Path) -> None:
    change(repo, "libs/http-pins.txt", "epsilon<0.9\n")
    assert affected(repo) == ["payments"]


def test_dev_layer_include_edit(repo: Path) -> None:
    change(repo, "libs/test-tools.in", "pytest-stub>=1\n")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert [e["service"] for e in data["affected"]] == ["web"]
    assert [e["sessions"] for e in data["matrix"]["tests"]["include"]] == [["tests(web)"]]


def test_constraints_edit(repo: Path) -> None:
    change(repo, "constraints/shared.txt", "alpha<2\n")
    assert affected(repo) == ["orders", "payments", "web"]


@pytest.mark.parametrize("path", ["noxfile.py", "pyproject.toml", "nox_support/anything.py"])
def test_global_edit(repo: Path, path: str) -> None:
    target = repo / path
    change(repo, path, (target.read_text() if target.exists() else "") + "\n# edit\n")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert [e["service"] for e in data["affected"]] == ["orders", "payments", "web"]
    assert data["affected"][0]["reasons"] == [f"{path} changed (affects every service)"]


def test_deleted_service(repo: Path) -> None:
    shutil.rmtree(repo / "services/payments")
    commit_all(repo, "drop payments")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert data["affected"] == []
    assert data["removed"] == [{"directory": "services/payments", "renamed_to": None}]
    assert data["matrix"] == {"audit": {"include": []}, "tests": {"include": []}}


def test_renamed_service(repo: Path) -> None:
    git(repo, "mv", "services/orders", "services/billing")
    commit_all(repo, "rename orders")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert [e["service"] for e in data["affected"]] == ["billing"]
    assert data["removed"] == [{"directory": "services/orders", "renamed_to": "billing"}]
    assert [e["sessions"] for e in data["matrix"]["audit"]["include"]] == [["audit(billing)"]]


def test_uncommitted_and_untracked_changes_count(repo: Path) -> None:
    change(repo, "services/orders/app.py", commit=False)
    change(repo, "libs/http-pins.txt", "epsilon<0.8\n", commit=False)
    assert affected(repo) == ["orders", "payments"]


def test_merge_base_not_tip_of_main(repo: Path) -> None:
    change(repo, "services/web/x.py")
    git(repo, "switch", "-q", "main")
    change(repo, "services/orders/y.py")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "switch", "-q", "feature")
    # main moved on (orders); the branch itself only touched web.
    assert affected(repo) == ["web"]


def test_broken_inputs_are_affected_not_hidden(repo: Path) -> None:
    change(repo, "services/payments/requirements.in", "-r ../../libs/missing.in\n")
    change(repo, "README.md", "x\n")
    data = matrix_json(repo, "--changed-since", "origin/main")
    reasons = {e["service"]: e["reasons"] for e in data["affected"]}
    assert reasons["payments"][0].startswith("inputs cannot be read: ")


def test_bad_ref_is_an_error(repo: Path) -> None:
    result = run_matrix(repo, "--changed-since", "origin/nope")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "git ref 'origin/nope' does not exist in this clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_option_like_ref_is_an_error(repo: Path) -> None:
    result = matrix_here(repo, "--changed-since=--output=/tmp/x")
    assert result.returncode == 1
    assert "is not a git ref" in result.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = monorepo(tmp_path / "plain", {"a": "alpha\n"})
    result = matrix_here(root, "--changed-since", "main")
    assert result.returncode == 1
    assert "is not inside a git work tree" in result.stderr


def test_unrelated_history(repo: Path) -> None:
    git(repo, "switch", "-q", "--orphan", "other")
    commit_all(repo, "orphan")
    git(repo, "switch", "-q", "feature")
    result = matrix_here(repo, "--changed-since", "other")
    assert result.returncode == 1
    assert "have no common history" in result.stderr


def test_without_base_every_service(repo: Path) -> None:
    data = matrix_json(repo)
    assert data["base"] is None
    assert [e["id"] for e in data["matrix"]["audit"]["include"]] == ["orders", "payments", "web"]


def test_all_services_for_audit(repo: Path) -> None:
    change(repo, "services/web/x.py")
    data = matrix_json(repo, "--changed-since", "origin/main", "--all-services-for", "audit")
    assert [e["id"] for e in data["matrix"]["audit"]["include"]] == ["orders", "payments", "web"]
    assert [e["id"] for e in data["matrix"]["tests"]["include"]] == ["web"]


def test_github_output_and_summary_files(repo: Path, tmp_path: Path) -> None:
    change(repo, "services/web/x.py")
    output, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    matrix_json(
        repo, "--changed-since", "origin/main", "--github-output", str(output), "--summary", str(summary)
    )
    lines = output.read_text().splitlines()
    assert "tests_count=1" in lines
    assert "lock_diff_count=1" in lines
    assert not [line for line in lines if line.startswith("lock_diff=")]  # the job lists them itself
    assert "| web | services/web/x.py changed |" in summary.read_text()


def test_list_prints_one_session_a_line(repo: Path) -> None:
    change(repo, "services/web/x.py")
    result = matrix_here(repo, "--changed-since", "origin/main", "--list", "lock_diff")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "lock_diff(web)\n"
    everything = matrix_here(repo, "--list", "audit")
    assert everything.stdout.splitlines() == ["audit(orders)", "audit(payments)", "audit(web)"]


def test_a_base_missing_from_the_clone_fails_or_selects_everything(repo: Path, tmp_path: Path) -> None:
    """A force-push: the push's `before` commit is not in the clone."""
    gone = "1" * 40
    strict = matrix_here(repo, "--changed-since", gone)
    assert strict.returncode == 1
    assert f"git ref '{gone}' does not exist in this clone" in strict.stderr
    summary = tmp_path / "summary.md"
    data = matrix_json(repo, "--changed-since", gone, "--if-base-missing", "all", "--summary", str(summary))
    assert data["base"] == {"ref": gone, "missing": f"git ref '{gone}' does not exist in this clone"}
    assert [e["id"] for e in data["matrix"]["audit"]["include"]] == ["orders", "payments", "web"]
    assert [a["service"] for a in data["affected"]] == ["orders", "payments", "web"]
    assert (
        f"**Every service is selected**: the base `{gone}` cannot be diffed from "
        f"(git ref '{gone}' does not exist in this clone)." in summary.read_text()
    )


def test_a_workflow_change_affects_every_service(repo: Path) -> None:
    change(repo, ".github/workflows/ci.yml", "on: push\n")
    data = matrix_json(repo, "--changed-since", "origin/main")
    assert [a["service"] for a in data["affected"]] == ["orders", "payments", "web"]
    assert data["affected"][0]["reasons"] == [".github/workflows/ci.yml changed (affects every service)"]


def test_invalid_cli_values(repo: Path) -> None:
    result = matrix_here(repo, "--shard-size", "0")
    assert result.returncode == 2
    assert "--shard-size = 0 is not a whole number of at least 1" in result.stderr
    result = matrix_here(repo, "--max-jobs", "300")
    assert result.returncode == 2
    assert "above GitHub's matrix limit" in result.stderr


def test_invalid_ci_table(repo: Path) -> None:
    change(repo, "pyproject.toml", PYPROJECT + "\n[tool.nox_support.ci]\nshards = 3\n")
    result = matrix_here(repo)
    assert result.returncode == 2
    assert "[tool.nox_support.ci]: unknown key 'shards'" in result.stderr


def test_300_services_are_sharded(tmp_path: Path) -> None:
    root = monorepo(tmp_path / "big", {f"svc{i:03d}": "alpha\n" for i in range(300)})
    init_repo(root)
    change(root, "noxfile.py", (root / "noxfile.py").read_text() + "\n")
    data = matrix_json(root, "--changed-since", "origin/main")
    audit = data["matrix"]["audit"]["include"]
    assert len(audit) == 150
    assert all(len(entry["services"]) == 2 for entry in audit)
    assert [s for entry in audit for s in entry["services"]] == [f"svc{i:03d}" for i in range(300)]
    assert audit[0]["sessions"] == ["audit(svc000)", "audit(svc001)"]
    assert len(data["lock_diff"]) == 300
    smaller = matrix_json(root, "--changed-since", "origin/main", "--max-jobs", "15")
    assert [len(e["services"]) for e in smaller["matrix"]["audit"]["include"]] == [20] * 15
    too_small = matrix_here(root, "--changed-since", "origin/main", "--max-jobs", "10")
    assert too_small.returncode == 2
    assert "300 services need more than 10 jobs of at most 20 services" in too_small.stderr


def test_monorepo_in_a_subdirectory_of_the_git_repository(tmp_path: Path) -> None:
    top = tmp_path / "top"
    root = monorepo(top / "python", {"api": "alpha\n", "web": "beta\n"})
    write(top / "frontend/app.js", "x\n")
    init_repo(top)
    change(top, "frontend/app.js", "y\n")
    change(top, "python/services/web/main.py")
    data = matrix_json(root, "--changed-since", "origin/main")
    assert data["affected"] == [{"service": "web", "reasons": ["services/web/main.py changed"]}]
    # The workflows live at the top of the repository, outside the root: they still affect everything.
    change(top, ".github/workflows/ci.yml", "on: push\n")
    data = matrix_json(root, "--changed-since", "origin/main")
    assert [e["service"] for e in data["affected"]] == ["api", "web"]
    assert data["affected"][0]["reasons"] == [".github/workflows/ci.yml changed (affects every service)"]


LAMBDA_PYPROJECT = """
[tool.nox_support]
service_globs = ["*/src/*"]
service_names = "path"
tests = "../../tests/unit"
"""
ARTIFACT_SAFE = re.compile(r"[A-Za-z0-9._-]+\Z")
"""What an actions/upload-artifact name may hold (no '/', ':', '*', '"', '<', '>', '|', '?', '\\')."""


def test_matrix_of_a_nested_layout_with_path_names(tmp_path: Path) -> None:
    root = monorepo(tmp_path / "repo", {}, pyproject=LAMBDA_PYPROJECT)
    for rel in ("orders/src/validate", "orders/src/create", "payments/src/validate"):
        write(root / rel / "requirements.in", "alpha\n")
        write(root / rel / "requirements.txt", lock_text("alpha==1.1"))
    write(root / "orders/tests/unit/test_orders.py", "def test_ok():\n    pass\n")
    init_repo(root)

    everything = matrix_json(root)
    audit = everything["matrix"]["audit"]["include"]
    assert [e["id"] for e in audit] == ["orders-src-create", "orders-src-validate", "payments-src-validate"]
    assert [e["sessions"] for e in audit] == [
        ["audit(orders-src-create)"],
        ["audit(orders-src-validate)"],
        ["audit(payments-src-validate)"],
    ]
    assert audit[1]["cache_files"] == ["orders/src/validate/requirements.txt"]
    tests = everything["matrix"]["tests"]["include"]
    assert [e["id"] for e in tests] == ["orders-src-create", "orders-src-validate"]
    assert everything["untested"] == ["payments-src-validate"]
    assert all(ARTIFACT_SAFE.match(f"audit-{e['id']}") for e in audit + tests)

    change(root, "payments/src/validate/requirements.in", "alpha\nbeta\n")
    data = matrix_json(root, "--changed-since", "origin/main")
    assert affected(root) == ["payments-src-validate"]
    assert [e["id"] for e in data["matrix"]["audit"]["include"]] == ["payments-src-validate"]
    assert data["lock_diff"] == ["lock_diff(payments-src-validate)"]

    change(root, "orders/tests/unit/test_more.py", "def test_more():\n    pass\n")
    data = matrix_json(root, "--changed-since", "origin/main")
    # The shared tests directory lies outside both service directories: its tests still run.
    assert [(a["service"], a["reasons"]) for a in data["affected"]] == [
        ("orders-src-create", ["orders/tests/unit/test_more.py changed (tests)"]),
        ("orders-src-validate", ["orders/tests/unit/test_more.py changed (tests)"]),
        ("payments-src-validate", ["payments/src/validate/requirements.in changed"]),
    ]
    assert [e["id"] for e in data["matrix"]["tests"]["include"]] == [
        "orders-src-create",
        "orders-src-validate",
    ]
