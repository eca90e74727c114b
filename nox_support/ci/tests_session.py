"""``nox -s "tests(<service>)"``: the service's own tests, in a venv synced to its locks.

The venv holds exactly the main lock plus the dev lock (``requirements-dev.txt``
when the service has a ``requirements-dev.in``); pytest must come from those
locks, never from an unpinned install.  A service without tests is reported
as "no tests", never as passed: with ``[tool.nox_support.ci] missing_tests =
"skip"`` (the default) the session is skipped with that label, with
``"fail"`` it fails.  Whatever the policy, pytest collecting nothing from a
location that holds test files (``test_*.py``, ``*_test.py``) fails: a
configuration above the service (a root ``conftest.py`` with
``collect_ignore_glob``, a ``pytest.ini`` changing ``python_files``) must never
turn untested code green.
"""

from __future__ import annotations

import fnmatch
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.ci.settings import load_ci_settings
from nox_support.ci.testpaths import NoTests, find_tests
from nox_support.core.errors import NoxSupportError
from nox_support.core.outputs import reports_dir
from nox_support.discovery import Service
from nox_support.lock import lockformat
from nox_support.lock.freshness import require_fresh
from nox_support.lock.model import LockMissing, ParsedLock
from nox_support.lock.regenerate import regenerate_command
from nox_support.project import Project

if TYPE_CHECKING:
    import nox

DEV_LAYER = "dev"
REPORTS_SUBDIR = "tests"
"""JUnit reports go to ``reports/tests/<service>.xml``."""
PYTEST_NO_TESTS = 5
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")
"""pytest's default ``python_files``: files that certainly hold tests."""


class ServiceTestsError(NoxSupportError):
    """The service's tests cannot run, or ran nothing under ``missing_tests = "fail"``."""


@dataclass(frozen=True)
class PytestCounts:
    """What pytest's JUnit report counted."""

    tests: int
    failures: int
    errors: int
    skipped: int

    @property
    def passed(self) -> int:
        """Tests that neither failed, errored nor were skipped."""
        return self.tests - self.failures - self.errors - self.skipped


def run_tests(session: nox.Session, project: Project, service_name: str) -> None:
    """Sync the venv, then run pytest on the service's tests location (``tests/`` by default)."""
    from nox_support.venv.sync import sync_venv  # noqa: PLC0415 - venv needs nox at import time

    service = project.service(service_name)
    settings = load_ci_settings(project.root)
    found = find_tests(project.root, service)
    if isinstance(found, NoTests):
        _no_tests(session, service, settings.missing_tests, found.looked_at)
        return
    locks = locks_for_tests(service)
    layers = tuple(layer for layer in service.layers if layer.lock in locks)
    require_fresh(project, service, layers)
    require_pytest(service, locks)
    result = sync_venv(session, service, locks, purpose="tests")
    if "pytest" not in dict(result.stamp.packages):
        msg = (
            f"{service.name}: pytest is locked but was not installed for Python {result.stamp.python_version}"
        )
        raise ServiceTestsError(msg, hint="check the environment marker of pytest in requirements-dev.txt")
    report = (reports_dir(project.root, REPORTS_SUBDIR) / f"{service.name}.xml").resolve()
    report.unlink(missing_ok=True)
    arguments = tuple(session.posargs) or found.pytest_args(service)
    with session.chdir(service.directory):
        # Any exit code but 0 (passed) and 5 (nothing collected) fails the session right here.
        # The report option comes last so that it wins: its counts tell "no tests" from "passed".
        session.run("python", "-m", "pytest", *arguments, f"--junitxml={report}", success_codes=[0, 5])
    counts = read_counts(report, service)
    if counts.tests == 0:
        hidden = test_files(found.paths)
        if hidden:
            relative = hidden[0].relative_to(project.root.resolve()).as_posix()
            msg = (
                f"{service.name}: pytest collected no test from {len(hidden)} test file(s) "
                f"(first: {relative}); not counted as passed"
            )
            hint = (
                "a pytest configuration hides them (python_files, collect_ignore_glob or testpaths in a "
                "conftest.py, pytest.ini, tox.ini, setup.cfg or pyproject.toml above or in the service): "
                "fix it, or remove the test files"
            )
            raise ServiceTestsError(msg, hint=hint)
        _no_tests(session, service, settings.missing_tests, f"pytest collected no test in {service.relpath}")
        return
    session.log(
        f"{service.name}: {counts.passed} passed, {counts.skipped} skipped "
        f"(JUnit report: {report.relative_to(project.root).as_posix()})"
    )


def locks_for_tests(service: Service) -> tuple[Path, ...]:
    """The main lock and the locks of the service's ``test_layers`` it has (``dev`` by default)."""
    return (service.main.lock, *(layer.lock for layer in service.layers if layer.name in service.test_layers))


def require_pytest(service: Service, locks: tuple[Path, ...]) -> None:
    """Raise unless one of *locks* pins pytest (read before any venv work)."""
    dev_input = f"{service.relpath}/requirements-{DEV_LAYER}.in"
    lock_cmd = regenerate_command(service.name)
    for lock in locks:
        # Read into the lock model, either format (require_fresh has refused a lock it cannot use).
        state = lockformat.read_state(lock, shown=f"{service.relpath}/{lock.name}")
        if isinstance(state, LockMissing):
            msg = f"{service.name}: {lock.name} does not exist"
            raise ServiceTestsError(msg, hint=f"create it with {lock_cmd}")
        if isinstance(state, ParsedLock) and state.package("pytest") is not None:
            return
    if len(locks) == 1:
        msg = f"{service.name} has tests but no dev lock to run them with"
        hint = f"create {dev_input} with a line `pytest`, run {lock_cmd} and commit the new lock"
    else:
        msg = f"{service.name}: requirements-{DEV_LAYER}.txt does not pin pytest, so the tests cannot run"
        hint = f"add `pytest` to {dev_input}, then run {lock_cmd} (pytest is never installed unpinned)"
    raise ServiceTestsError(msg, hint=hint)


def test_files(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """The files under *paths* named as pytest collects by default, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            candidates = [path]
        else:
            candidates = [Path(d) / name for d, _dirs, files in os.walk(path) for name in files]
        found += [c for c in candidates if any(fnmatch.fnmatchcase(c.name, p) for p in TEST_FILE_PATTERNS)]
    return tuple(sorted(found))


def read_counts(report: Path, service: Service) -> PytestCounts:
    """Counts from pytest's JUnit XML *report*."""
    try:
        root = ET.parse(report).getroot()  # noqa: S314 - written by pytest in this session
    except (OSError, ET.ParseError) as exc:
        msg = f"{service.name}: pytest wrote no readable JUnit report at {report}: {exc}"
        raise ServiceTestsError(msg, hint="do not pass --junitxml in the session arguments") from exc
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, "0"))
    return PytestCounts(**total)


def _no_tests(session: nox.Session, service: Service, policy: str, why: str) -> None:
    message = f"{service.name}: NO TESTS ({why}); not counted as passed"
    if policy == "fail":
        raise ServiceTestsError(
            message,
            hint=f"add tests to {service.tests_pattern}, point [tool.nox_support] tests (or "
            f"[tool.nox_support.services.{service.name}] tests) at them, "
            'or set [tool.nox_support.ci] missing_tests = "skip"',
        )
    session.skip(f'{message} (missing_tests = "skip")')
