"""The decisions of ``nox -s "tests(<service>)"`` that need no venv: in this process, on files.

Which locks the tests use and whether they pin pytest, which files pytest would certainly collect,
what the JUnit report counted, and what a service without tests gets under each policy. The
session itself (venv sync, pytest, its report) runs for real in tests/ci/test_tests_session.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from nox_support.ci import tests_session
from nox_support.ci.tests_session import PytestCounts, ServiceTestsError
from nox_support.discovery import Service
from nox_support.lock import digest, lockfile
from nox_support.project import Project
from tests.ci.helpers import lock_text
from tests.fakes import RecordingSession
from tests.repos import monorepo, write


class Skipped(Exception):  # noqa: N818 - Nox's own name for it is Skip
    """What ``session.skip`` raises in Nox."""


class SkippingSession(RecordingSession):
    def skip(self, reason: str) -> NoReturn:
        raise Skipped(reason)


def service_of(root: Path, name: str = "api") -> Service:
    return Project.load(root).service(name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return monorepo(tmp_path / "repo", {"api": "beta\n"}, copy_noxfile=False)


def test_the_tests_use_the_main_lock_and_the_test_layers_it_has(repo: Path) -> None:
    write(repo / "services/api/requirements-dev.in", "pytest\n")
    write(repo / "services/api/requirements-docs.in", "sphinx\n")
    service = service_of(repo)
    directory = repo / "services/api"
    assert tests_session.locks_for_tests(service) == (
        directory / "requirements.txt",
        directory / "requirements-dev.txt",
    )


def marked(*pins: str, header: str = "") -> str:
    """A lock as nox-support writes it (require_pytest runs after require_fresh accepted the locks)."""
    inputs = digest.compute(digest.Inputs(files=(), python="3.11", compiler="pip-tools==7.7.0", options=()))
    return lockfile.with_digest_line(lock_text(*pins, header=header), inputs, compiled_by="pip-tools==7.7.0")


def test_a_dev_lock_pinning_pytest_is_enough(repo: Path) -> None:
    write(repo / "services/api/requirements-dev.in", "pytest\n")
    write(repo / "services/api/requirements.txt", marked("beta==1.0"))
    write(repo / "services/api/requirements-dev.txt", marked("iniconfig==2.0", "PyTest==8.0"))
    service = service_of(repo)
    tests_session.require_pytest(service, tests_session.locks_for_tests(service))


def test_tests_without_a_dev_layer_say_how_to_create_one(repo: Path) -> None:
    write(repo / "services/api/requirements.txt", "beta==1.0\n")
    service = service_of(repo)
    with pytest.raises(ServiceTestsError) as caught:
        tests_session.require_pytest(service, tests_session.locks_for_tests(service))
    assert str(caught.value) == (
        "api has tests but no dev lock to run them with\n"
        "  hint: create services/api/requirements-dev.in with a line `pytest`, "
        'run nox -s "lock(api)" and commit the new lock'
    )


def test_a_dev_lock_without_pytest_is_never_patched_up(repo: Path) -> None:
    write(repo / "services/api/requirements-dev.in", "iniconfig\n")
    write(repo / "services/api/requirements.txt", "beta==1.0\n")
    dev_lock = marked("iniconfig==2.0", header="# pytest==8.0 in a comment\n")
    write(repo / "services/api/requirements-dev.txt", dev_lock)
    service = service_of(repo)
    with pytest.raises(ServiceTestsError) as caught:
        tests_session.require_pytest(service, tests_session.locks_for_tests(service))
    assert str(caught.value) == (
        "api: requirements-dev.txt does not pin pytest, so the tests cannot run\n"
        '  hint: add `pytest` to services/api/requirements-dev.in, then run nox -s "lock(api)" '
        "(pytest is never installed unpinned)"
    )


def test_a_missing_lock_says_how_to_create_it(repo: Path) -> None:
    write(repo / "services/api/requirements-dev.in", "pytest\n")
    write(repo / "services/api/requirements.txt", "beta==1.0\n")
    service = service_of(repo)
    with pytest.raises(ServiceTestsError) as caught:
        tests_session.require_pytest(service, tests_session.locks_for_tests(service))
    assert str(caught.value) == (
        'api: requirements-dev.txt does not exist\n  hint: create it with nox -s "lock(api)"'
    )


def test_test_files_are_the_names_pytest_collects_by_default(tmp_path: Path) -> None:
    for name in (
        "tests/test_a.py",
        "tests/deep/b_test.py",
        "tests/helpers.py",
        "tests/testing.py",
        "check_c.py",
    ):
        write(tmp_path / name, "")
    given = (tmp_path / "tests", tmp_path / "check_c.py", tmp_path / "test_single.py")
    write(tmp_path / "test_single.py", "")
    assert tests_session.test_files(given) == (
        tmp_path / "test_single.py",
        tmp_path / "tests/deep/b_test.py",
        tmp_path / "tests/test_a.py",
    )


def test_junit_counts_add_up_over_every_suite(repo: Path, tmp_path: Path) -> None:
    report = write(
        tmp_path / "report.xml",
        '<testsuites><testsuite tests="5" failures="1" errors="1" skipped="1"/>'
        '<testsuite tests="2" skipped="1"/></testsuites>',
    )
    counts = tests_session.read_counts(report, service_of(repo))
    assert counts == PytestCounts(tests=7, failures=1, errors=1, skipped=2)
    assert counts.passed == 3
    single = write(tmp_path / "single.xml", '<testsuite name="pytest" tests="2" failures="0"/>')
    assert tests_session.read_counts(single, service_of(repo)) == PytestCounts(2, 0, 0, 0)


@pytest.mark.parametrize("content", [None, "<testsuite"], ids=["missing", "not-xml"])
def test_an_unreadable_junit_report_is_named_with_what_to_change(
    repo: Path, tmp_path: Path, content: str | None
) -> None:
    report = tmp_path / "report.xml"
    if content is not None:
        report.write_text(content)
    with pytest.raises(ServiceTestsError) as caught:
        tests_session.read_counts(report, service_of(repo))
    assert str(caught.value).startswith(f"api: pytest wrote no readable JUnit report at {report}: ")
    assert caught.value.hint == "do not pass --junitxml in the session arguments"


def test_a_service_without_tests_is_skipped_with_the_label(repo: Path) -> None:
    with pytest.raises(Skipped) as caught:
        tests_session.run_tests(SkippingSession().as_nox(), Project.load(repo), "api")
    assert str(caught.value) == (
        'api: NO TESTS (services/api/tests/ does not exist); not counted as passed (missing_tests = "skip")'
    )


def test_a_service_without_tests_fails_under_the_fail_policy(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.nox_support.ci]\nmissing_tests = "fail"\n')
    with pytest.raises(ServiceTestsError) as caught:
        tests_session.run_tests(SkippingSession().as_nox(), Project.load(repo), "api")
    assert caught.value.message == "api: NO TESTS (services/api/tests/ does not exist); not counted as passed"
    assert caught.value.hint == (
        "add tests to services/api/tests, point [tool.nox_support] tests (or "
        "[tool.nox_support.services.api] tests) at them, or set [tool.nox_support.ci] "
        'missing_tests = "skip"'
    )
