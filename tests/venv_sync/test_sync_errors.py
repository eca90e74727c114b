""":func:`nox_support.venv.sync.sync_venv`'s errors before anything is installed, with a fake Nox venv.

The session's virtualenv is a stand-in with Nox's two attributes sync_venv uses (``location`` and
``create()``), so the paths where Nox cannot give a usable venv run in-process, without a venv
or an installer. The real recreations are in tests/audit/test_venv.py and tests/hostile/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import nox
import pytest

from nox_support.core.errors import ConfigError
from nox_support.project import Project
from nox_support.venv import sync
from nox_support.venv.values import VenvError
from tests.audit.conftest import make_repo
from tests.fakes import RecordingSession


class FakeVirtualenv:
    """What sync_venv asks of Nox's venv: where it is, and ``create()`` with ``reuse_existing``."""

    def __init__(self, location: Path, create: Callable[[], None]) -> None:
        self.location = str(location)
        self.reuse_existing = True
        self.created = 0
        self._create = create

    def create(self) -> None:
        self.created += 1
        assert self.reuse_existing is False, "Nox would reuse the removed venv"
        self._create()


class VenvSession(RecordingSession):
    def __init__(self, virtualenv: object) -> None:
        super().__init__()
        self.virtualenv = virtualenv


@pytest.fixture
def project(tmp_path: Path, wheelhouse: Path) -> Project:
    return Project.load(make_repo(tmp_path / "repo", wheelhouse, {"svc": {"alpha": "1.0"}}, common=False))


def run_sync(project: Project, session: VenvSession) -> None:
    service = project.service("svc")
    sync.sync_venv(cast("nox.Session", session), service, (service.main.lock,), purpose="tests")


@pytest.mark.parametrize(("raw", "seconds"), [(None, 600.0), ("", 600.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_venv_lock_timeout_comes_from_the_environment(raw: str | None, seconds: float) -> None:
    environ = {} if raw is None else {sync.TIMEOUT_ENV: raw}
    assert sync.lock_timeout(environ) == seconds


@pytest.mark.parametrize("raw", ["ten", "-1", "10s"])
def test_a_venv_lock_timeout_that_is_not_seconds_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        sync.lock_timeout({sync.TIMEOUT_ENV: raw})
    assert str(caught.value) == (
        f"NOX_SUPPORT_VENV_TIMEOUT={raw!r} is not a number of seconds\n"
        "  hint: for example NOX_SUPPORT_VENV_TIMEOUT=600"
    )


def test_a_session_without_a_venv_is_told_to_declare_a_venv_backend(project: Project) -> None:
    """``venv_backend="none"``: Nox's pass-through environment has no location."""
    with pytest.raises(VenvError) as caught:
        run_sync(project, VenvSession(object()))
    assert str(caught.value) == (
        "tests(svc) needs a virtualenv but the session has none\n"
        "  hint: declare the session with a venv backend (not venv_backend='none')"
    )


def test_a_venv_nox_cannot_create_again_names_the_venv_and_the_interpreter(
    project: Project, tmp_path: Path
) -> None:
    location = tmp_path / "venv"
    location.mkdir()  # no pyvenv.cfg: broken, so it is rebuilt

    def missing_interpreter() -> None:
        msg = "Python interpreter 3.99 not found"
        raise RuntimeError(msg)

    virtualenv = FakeVirtualenv(location, missing_interpreter)
    session = VenvSession(virtualenv)
    with pytest.raises(VenvError) as caught:
        run_sync(project, session)
    assert str(caught.value) == (
        f"cannot recreate the venv at {location}: Python interpreter 3.99 not found\n"
        "  hint: check that the service's target Python is installed"
    )
    assert session.logs == [
        "svc: rebuilding the tests venv of service 'svc': broken venv (pyvenv.cfg is missing)"
    ]
    assert virtualenv.created == 1
    assert virtualenv.reuse_existing is True  # Nox's setting is given back
    assert not location.exists()  # the broken venv is gone, nothing half-made is left


def test_a_venv_still_broken_after_creation_says_to_delete_it(project: Project, tmp_path: Path) -> None:
    location = tmp_path / "venv"
    location.mkdir()
    virtualenv = FakeVirtualenv(location, location.mkdir)  # creates nothing usable
    with pytest.raises(VenvError) as caught:
        run_sync(project, VenvSession(virtualenv))
    assert str(caught.value) == (
        f"the tests venv of service 'svc' at {location} is unusable after creation: pyvenv.cfg is missing\n"
        f"  hint: delete {location} and run the session again"
    )
