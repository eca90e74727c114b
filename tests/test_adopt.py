"""``nox-support adopt`` and the failure of every session where no service is found."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nox_support import adopt
from tests.noxrun import run_nox
from tests.repos import monorepo, write

LISTING = (
    "requirements.txt",
    "renovate.json",
    ".venv/lib/requirements.txt",
    "services/api/requirements.txt",
    "services/api/requirements-test.txt",
    "services/api/requirements-docs.txt",
    "services/web/requirements.txt",
    "services/web/requirements-dev.txt",
    "services/web/test-requirements.txt",
    "services/done/requirements.in",
    "services/done/requirements.txt",
    "jobs/nightly/requirements.txt",
    "jobs/nightly/test-requirements.txt",
)


def test_plan_renames_main_and_dev_inputs_and_says_what_is_left() -> None:
    planned = adopt.plan(LISTING, ("services/*",))
    assert planned.renames == (
        adopt.Rename("jobs/nightly/requirements.txt", "jobs/nightly/requirements.in"),
        adopt.Rename("jobs/nightly/test-requirements.txt", "jobs/nightly/requirements-dev.in"),
        adopt.Rename("services/api/requirements.txt", "services/api/requirements.in"),
        adopt.Rename("services/api/requirements-test.txt", "services/api/requirements-dev.in"),
    )
    assert planned.services == ("jobs/nightly", "services/api")
    assert planned.skipped == (
        adopt.Skipped(".", "the repository root is not a service directory: move it to services/<name>/"),
        adopt.Skipped(
            "services/web",
            "requirements-dev.txt and test-requirements.txt would both become requirements-dev.in: "
            "merge them into one, then adopt again",
        ),
    )
    assert planned.globs == ("services/*", "jobs/*")
    assert planned.notes[0] == (
        "services/api/requirements-docs.txt: left as it is; rename it to requirements-docs.in (git mv) "
        "to lock it as the docs layer"
    )
    assert planned.notes[1].startswith("Renovate (renovate.json): let it edit the .in files only")
    text = adopt.describe(planned, written=False)
    assert text.startswith("nox-support adopt: 2 services, 4 renames (nothing written; ")
    assert '  set in pyproject.toml: [tool.nox_support] service_globs = ["services/*", "jobs/*"]\n' in text


def test_no_globs_are_suggested_when_the_configured_ones_find_every_service() -> None:
    planned = adopt.plan(("services/api/requirements.txt", ".github/dependabot.yml"), ("services/*",))
    assert planned.globs is None
    assert planned.notes == (
        (
            "Dependabot (.github/dependabot.yml): its pip updater edits requirements*.txt, which are now "
            "locks (freshness then reports them altered): remove the pip entries, or keep them only to be "
            "told of updates and apply each by editing the .in file and running `nox -s lock`"
        ),
    )


def test_a_dev_file_including_the_old_requirements_txt_is_named() -> None:
    notes = adopt.dev_include_notes(
        {"services/api/requirements-dev.in": "pytest\n-r requirements.txt  # all\n"}
    )
    assert notes == (
        (
            "services/api/requirements-dev.in:2: once adopted, `-r requirements.txt  # all` names the main "
            "lock, which already constrains the dev layer: remove the line"
        ),
    )


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=root, capture_output=True, text=True, check=False, timeout=300
    )


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_adopt_then_lock_a_hand_written_repository(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {})
    write(root / "services/api/requirements.txt", "# pinned by hand\nalpha==1.0\nbeta\n")
    write(root / "services/api/requirements-test.txt", "-r requirements.txt\npytest-stub\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "hand-written")
    started = time.perf_counter()

    shown = _run(root, "-m", "nox_support", "adopt")
    assert shown.returncode == 0, shown.stderr
    assert "  services/api/requirements-test.txt -> services/api/requirements-dev.in\n" in shown.stdout
    assert "services/api/requirements-test.txt:1: once adopted, `-r requirements.txt`" in shown.stdout
    assert _git(root, "status", "--porcelain") == ""  # the plan writes nothing

    written = _run(root, "-m", "nox_support", "adopt", "--write")
    assert written.returncode == 0, written.stderr
    assert "applied with git mv" in written.stdout
    assert "services/api/requirements-dev.in:1: once adopted" in written.stdout
    status = _git(root, "status", "--porcelain").splitlines()
    assert status == [
        "R  services/api/requirements-test.txt -> services/api/requirements-dev.in",
        "R  services/api/requirements.txt -> services/api/requirements.in",
    ]
    assert (root / "services/api/requirements.in").read_text() == "# pinned by hand\nalpha==1.0\nbeta\n"
    (root / "services/api/requirements-dev.in").write_text("pytest-stub\n")  # the follow-up it named

    locked = run_nox(root, "-s", "lock")
    elapsed = time.perf_counter() - started
    assert locked.returncode == 0, locked.stderr
    lock = (root / "services/api/requirements.txt").read_text()
    assert "alpha==1.0 " in lock  # the hand-written pin is kept
    assert "beta==1.1 " in lock
    assert "pytest-stub==1.0 " in (root / "services/api/requirements-dev.txt").read_text()
    print(f"adopt shape hand-written requirements.txt: plan, git mv and lock in {elapsed:.1f}s")  # noqa: T201


@pytest.mark.slow
def test_adopt_write_outside_git_is_one_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha\n")
    result = _run(tmp_path, "-m", "nox_support", "adopt", "--write", "--root", str(tmp_path))
    assert result.returncode == 1
    assert "is not a git work tree" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "services/api/requirements.txt").exists()


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
@pytest.mark.parametrize("session", ["lock", "freshness", "drift", "tests"])
def test_every_session_fails_with_a_hint_where_no_service_is_found(tmp_path: Path, session: str) -> None:
    root = monorepo(tmp_path, {})
    write(root / "services/api/requirements.txt", "alpha==1.0\n")
    result = run_nox(root, "-s", session)
    assert result.returncode == 1, result.stderr
    assert (
        "no services found: no directory matching services/* holds a requirements.in or a pyproject.toml "
        "with [project] dependencies" in result.stderr
    )
    assert "run `nox-support adopt` to see the plan" in result.stderr
    assert "no parameters" not in result.stderr


@pytest.mark.slow
def test_the_freshness_hook_fails_where_no_service_is_found(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    result = _run(tmp_path, "-m", "nox_support", "freshness", "--root", str(tmp_path))
    assert result.returncode == 1
    assert "nox-support: error: no services found" in result.stderr
    assert "all 0 locks are fresh" not in result.stdout


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_the_ci_matrix_of_a_repository_without_services_is_empty(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {})
    result = _run(root, "-m", "nox_support", "matrix", "--list", "tests")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
