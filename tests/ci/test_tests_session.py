"""``nox -s "tests(<service>)"`` for real: uv venvs synced to locks from a local wheelhouse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.ci.helpers import nox, service
from tests.repos import monorepo, write

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ci_offline_index")]

PYPROJECT = """
[tool.nox_support]
compiler = "uv"
"""
PASSING = """
import beta


def test_beta_is_importable():
    assert beta.__version__ == "1.1"


def test_two():
    assert 1 + 1 == 2
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, ci_wheelhouse: Path) -> Path:
    root = monorepo(tmp_path_factory.mktemp("tests-session") / "repo", {}, pyproject=PYPROJECT)
    dev = {"requirements-dev.in": "pytest\n"}
    service(root, "api", "beta\n", {**dev, "tests/test_api.py": PASSING})
    service(root, "broken", "alpha\n", {**dev, "tests/test_broken.py": "def test_fails():\n    assert 0\n"})
    service(root, "empty", "alpha\n", {**dev, "tests/helpers.py": "VALUE = 1\n"})
    service(root, "notests", "alpha\n", dev)
    # Its test files are there, but a pytest configuration above them hides every one.
    hidden = {"pytest.ini": "[pytest]\npython_files = check_*.py\n", "tests/test_hidden.py": PASSING}
    service(root, "hidden", "beta\n", {**dev, **hidden})
    service(root, "nodev", "alpha\n", {"tests/test_x.py": "def test_x():\n    pass\n"})
    service(
        root,
        "nopytest",
        "alpha\n",
        {"requirements-dev.in": "epsilon\n", "tests/test_x.py": "def test_x(): pass\n"},
    )
    env = {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(ci_wheelhouse),
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(ci_wheelhouse),
    }
    locked = nox(root, "-s", "lock", env=env)
    assert locked.returncode == 0, locked.stderr
    return root


@pytest.fixture(scope="module")
def run_all(repo: Path, ci_wheelhouse: Path) -> str:
    env = {"UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(ci_wheelhouse), "PIP_NO_INDEX": "1"}
    result = nox(repo, "-s", "tests", env=env)
    assert result.returncode == 1  # broken, hidden, nodev and nopytest fail
    return result.stderr


def status(output: str, session: str) -> str:
    match = re.search(rf"^nox > \* {re.escape(session)}: (\w+)", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_passing_tests_report_counts(run_all: str, repo: Path) -> None:
    assert status(run_all, "tests(api)") == "success"
    assert "api: 2 passed, 0 skipped (JUnit report: reports/tests/api.xml)" in run_all
    assert 'tests="2"' in (repo / "reports/tests/api.xml").read_text()


def test_failing_tests_fail_the_session(run_all: str) -> None:
    assert status(run_all, "tests(broken)") == "failed"
    assert "Command python -m pytest tests --junitxml=" in run_all
    assert "failed with exit code 1" in run_all


def test_a_service_without_tests_is_skipped_with_a_label(run_all: str) -> None:
    assert status(run_all, "tests(notests)") == "skipped"
    assert "notests: NO TESTS (services/notests/tests/ does not exist); not counted as passed" in run_all


def test_collecting_nothing_is_no_tests(run_all: str) -> None:
    assert status(run_all, "tests(empty)") == "skipped"
    assert "empty: NO TESTS (pytest collected no test in services/empty); not counted as passed" in run_all


def test_test_files_that_pytest_did_not_collect_fail_whatever_the_policy(run_all: str) -> None:
    """A configuration above the tests (here `python_files`) must never make untested code green."""
    assert status(run_all, "tests(hidden)") == "aborted"
    assert (
        "hidden: pytest collected no test from 1 test file(s) "
        "(first: services/hidden/tests/test_hidden.py); not counted as passed"
    ) in run_all
    assert "a pytest configuration hides them (python_files, collect_ignore_glob" in run_all


def test_no_dev_lock_says_what_to_create(run_all: str) -> None:
    assert status(run_all, "tests(nodev)") == "aborted"
    assert "nodev has tests but no dev lock to run them with" in run_all
    assert "create services/nodev/requirements-dev.in with a line `pytest`" in run_all


def test_dev_lock_without_pytest_is_never_patched_up(run_all: str, repo: Path) -> None:
    assert status(run_all, "tests(nopytest)") == "aborted"
    assert "nopytest: requirements-dev.txt does not pin pytest" in run_all
    assert "add `pytest` to services/nopytest/requirements-dev.in" in run_all
    # Nox made the venv before the body ran; nothing was installed into it.
    assert not list((repo / ".nox/tests-nopytest").glob("lib/*/site-packages/pytest"))
    assert not list((repo / ".nox/tests-nopytest").glob("lib/*/site-packages/epsilon"))


def test_missing_tests_fail_policy(repo: Path, ci_wheelhouse: Path) -> None:
    write(repo / "pyproject.toml", PYPROJECT + '\n[tool.nox_support.ci]\nmissing_tests = "fail"\n')
    try:
        env = {"UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(ci_wheelhouse)}
        result = nox(repo, "-s", "tests(notests)", "tests(empty)", env=env)
    finally:
        write(repo / "pyproject.toml", PYPROJECT)
    assert result.returncode == 1
    assert status(result.stderr, "tests(notests)") == "aborted"
    assert status(result.stderr, "tests(empty)") == "aborted"
    assert (
        "hint: add tests to services/notests/tests, point [tool.nox_support] tests (or "
        "[tool.nox_support.services.notests] tests) at them, "
        'or set [tool.nox_support.ci] missing_tests = "skip"'
    ) in result.stderr


LAMBDA_PYPROJECT = """
[tool.nox_support]
compiler = "uv"
service_globs = ["*/src/*"]
service_names = "path"
tests = "../../tests/unit"
"""


def test_nested_lambda_layout_with_repeating_leaf_names(tmp_path: Path, ci_wheelhouse: Path) -> None:
    root = monorepo(tmp_path / "repo", {}, pyproject=LAMBDA_PYPROJECT)
    for domain in ("orders", "payments"):
        write(root / domain / "src/validate/requirements.in", "beta\n")
        write(root / domain / "src/validate/requirements-dev.in", "pytest\n")
    write(root / "orders/tests/unit/test_validate.py", PASSING)
    git = ("git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci")
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    env = {"UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(ci_wheelhouse), "PIP_NO_INDEX": "1"}

    locked = nox(root, "-s", "lock", env=env)
    assert locked.returncode == 0, locked.stderr
    assert "orders-src-validate: wrote orders/src/validate/requirements.txt" in locked.stderr
    assert "payments-src-validate: wrote payments/src/validate/requirements-dev.txt" in locked.stderr
    # Said once per run, not once per service.
    assert locked.stderr.count("no target Python is configured for") == 1
    assert (
        "no target Python is configured for orders-src-validate, payments-src-validate: their locks "
        "are compiled for Python 3.11, the interpreter running Nox." in locked.stderr
    )
    assert 'nox -s "lock(orders-src-validate)"' in (root / "orders/src/validate/requirements.txt").read_text()

    result = nox(root, "-s", "tests", env=env)
    assert result.returncode == 0, result.stderr
    assert status(result.stderr, "tests(orders-src-validate)") == "success"
    assert (
        "orders-src-validate: 2 passed, 0 skipped (JUnit report: reports/tests/orders-src-validate.xml)"
        in result.stderr
    )
    assert "nox > python -m pytest ../../tests/unit --junitxml=" in result.stderr
    assert status(result.stderr, "tests(payments-src-validate)") == "skipped"
    assert (
        "payments-src-validate: NO TESTS (payments/tests/unit/ does not exist; "
        "[tool.nox_support] tests = '../../tests/unit'); not counted as passed" in result.stderr
    )
    # reports/ ignores itself: only the sources and the locks are new to git.
    untracked = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (root / "reports/tests/orders-src-validate.xml").is_file()
    assert "reports" not in untracked
    assert "?? orders/src/validate/requirements.txt" in untracked


def test_a_root_conftest_hiding_every_test_fails_instead_of_passing_empty(
    tmp_path: Path, ci_wheelhouse: Path
) -> None:
    """The issue's attack: a root conftest.py with collect_ignore_glob makes pytest collect nothing."""
    root = monorepo(tmp_path / "repo", {}, pyproject=PYPROJECT)
    service(root, "api", "beta\n", {"requirements-dev.in": "pytest\n", "tests/test_api.py": PASSING})
    write(root / "conftest.py", 'collect_ignore_glob = ["services/*"]\n')
    env = {"UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(ci_wheelhouse), "PIP_NO_INDEX": "1"}
    locked = nox(root, "-s", "lock", env=env)
    assert locked.returncode == 0, locked.stderr
    result = nox(root, "-s", "tests(api)", env=env)
    assert result.returncode == 1  # without the rule: skipped as NO TESTS, exit 0, a green job
    assert (
        "Session tests(api) aborted: api: pytest collected no test from 1 test file(s) "
        "(first: services/api/tests/test_api.py); not counted as passed"
    ) in result.stderr
