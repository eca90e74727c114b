"""The Nox boundary in-process: each session body turns nox-support's errors into one session error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import nox
import pytest

from nox_support import sessions
from nox_support.core.errors import StaleLockError
from nox_support.discovery import NO_SERVICE
from nox_support.lock.session import run_freshness, run_lock
from nox_support.project import Project
from tests.fakes import FakeCompiler, RecordingSession
from tests.repos import monorepo, write


class SessionError(Exception):
    """What ``session.error()`` raised: the session failed with this message."""


class FailingSession(RecordingSession):
    def error(self, message: str) -> None:
        raise SessionError(message)


ServiceBody = Callable[[nox.Session, Path, str], None]
WholeRepoBody = Callable[[nox.Session, Path], None]

SERVICE_BODIES: dict[str, ServiceBody] = {
    "lock": sessions.lock,
    "audit": sessions.audit,
    "tests": sessions.tests,
    "lock_diff": sessions.lock_diff,
    "sbom": sessions.sbom,
    "licenses": sessions.licenses,
}
WHOLE_REPO_BODIES: dict[str, WholeRepoBody] = {
    "freshness": sessions.freshness,
    "audit_summary": sessions.audit_summary,
    "drift": sessions.drift,
    "conflicts": sessions.conflicts,
}

NO_SERVICES = (
    "no services found: no directory matching services/* holds a requirements.in or a pyproject.toml "
    "with [project] dependencies\n  hint: with hand-written requirements.txt files, run "
    "`nox-support adopt` to see the plan"
)


POSARGS = {"lock_diff": ("--base", "origin/main")}
"""Arguments a session needs before it looks at the service."""


def _fail(body: Callable[[nox.Session], None], name: str = "") -> str:
    with pytest.raises(SessionError) as failed:
        body(FailingSession(posargs=POSARGS.get(name, ())).as_nox())
    return str(failed.value)


@pytest.mark.parametrize("name", sorted(SERVICE_BODIES))
def test_a_service_session_where_no_service_is_found_fails_with_the_adopt_hint(
    name: str, tmp_path: Path
) -> None:
    root = monorepo(tmp_path, {}, copy_noxfile=False)
    write(root / "services/api/requirements.txt", "alpha==1.0\n")  # hand-written: not a service yet
    message = _fail(lambda session: SERVICE_BODIES[name](session, root, NO_SERVICE), name)
    assert message.startswith(NO_SERVICES)


@pytest.mark.parametrize("name", sorted(WHOLE_REPO_BODIES))
def test_a_repository_session_where_no_service_is_found_fails_with_the_adopt_hint(
    name: str, tmp_path: Path
) -> None:
    root = monorepo(tmp_path, {}, copy_noxfile=False)
    message = _fail(lambda session: WHOLE_REPO_BODIES[name](session, root))
    assert message.startswith(NO_SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICE_BODIES))
def test_a_session_for_an_unknown_service_names_the_services_there_are(name: str, tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n", "web": "beta\n"}, copy_noxfile=False)
    message = _fail(lambda session: SERVICE_BODIES[name](session, root, "billing"), name)
    assert message == (
        "no service named 'billing' (services: api, web)\n  hint: run `nox -l` to list the sessions"
    )


def test_the_session_error_carries_no_credential(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"}, copy_noxfile=False)
    message = _fail(lambda session: sessions.lock(session, root, "https://user:hunter2@example.com/x"))
    assert message.startswith("no service named 'https://***@example.com/x' (services: api)")


def test_with_no_service_each_session_still_runs_once_without_a_venv(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {}, copy_noxfile=False)
    (param,) = sessions.service_params(root)
    assert isinstance(param, nox.param)
    assert param.args == (False, NO_SERVICE)
    assert param.id == NO_SERVICE


# --- lock and freshness bodies with a fake compiler -------------------------------------------------


def _project(root: Path) -> Project:
    return replace(Project.load(root), compiler=FakeCompiler())


def test_lock_says_what_it_wrote_then_that_the_lock_is_up_to_date(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"}, copy_noxfile=False)
    project = _project(root)
    first = RecordingSession()
    run_lock(first.as_nox(), project, "api")
    assert "api: wrote services/api/requirements.txt" in first.logs

    again = RecordingSession()
    run_lock(again.as_nox(), project, "api")
    assert again.logs == ["api: services/api/requirements.txt is up to date (inputs unchanged)"]

    forced = RecordingSession(posargs=["--force"])
    run_lock(forced.as_nox(), project, "api")
    assert forced.logs == ["api: services/api/requirements.txt recompiled, no change"]


def test_freshness_counts_the_locks_that_are_not_fresh(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n", "web": "beta\n"}, copy_noxfile=False)
    project = _project(root)
    for service in ("api", "web"):
        run_lock(RecordingSession().as_nox(), project, service)
    fresh = RecordingSession()
    run_freshness(fresh.as_nox(), project)
    assert fresh.logs == ["all 2 locks are fresh"]

    write(root / "services/web/requirements.in", "beta>=1.1\n")
    stale = RecordingSession()
    with pytest.raises(StaleLockError, match=r"^1 of 2 locks are not fresh \(see above\)"):
        run_freshness(stale.as_nox(), project)
    assert stale.warnings == [
        (
            "web: services/web/requirements.txt is stale (requirements.in changed); "
            'fix: nox -s "lock(web)" and commit services/web/requirements.txt'
        )
    ]

    only_api = RecordingSession(posargs=["api"])
    run_freshness(only_api.as_nox(), project)
    assert only_api.logs == ["all 1 locks are fresh"]
