from __future__ import annotations

from pathlib import Path

import pytest

from nox_support import freshness as fresh
from nox_support.compile.interface import KeepPins
from nox_support.errors import ConfigError
from nox_support.lock import LockArgs, lock_service
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import monorepo, write


def _setup(tmp_path: Path, fake: FakeCompiler | None = None) -> Project:
    root = monorepo(tmp_path, {"api": "-r base.in\n", "web": "beta\n"})
    write(root / "services/api/base.in", "alpha\n")
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake or FakeCompiler())
    for service in project.services:
        lock_service(
            project.root, service, project.settings, project.compiler, LockArgs(KeepPins(), force=False)
        )
    return project


def _check(project: Project, name: str) -> fresh.Verdict:
    service = project.service(name)
    return fresh.check_layer(project.root, service, service.main, project.settings, project.compiler)


def test_fresh_after_lock(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    assert _check(project, "api") == fresh.FreshLock("api", "services/api/requirements.txt")
    assert fresh.describe(_check(project, "api")) == "api: services/api/requirements.txt is fresh"


def test_nested_include_change_is_named_with_the_fix(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    write(project.root / "services/api/base.in", "alpha>=1\n")
    verdict = _check(project, "api")
    assert isinstance(verdict, fresh.StaleLock)
    assert fresh.describe(verdict) == (
        "api: services/api/requirements.txt is stale (base.in changed); "
        'fix: nox -s "lock(api)" and commit services/api/requirements.txt'
    )
    assert isinstance(_check(project, "web"), fresh.FreshLock)


def test_compiler_upgrade_makes_locks_stale(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    newer = Project(project.root, project.settings, project.services, FakeCompiler(version="2.0"))
    verdict = _check(newer, "web")
    assert isinstance(verdict, fresh.StaleLock)
    assert "compiler changed from fake==1.0 to fake==2.0" in fresh.describe(verdict)


def test_missing_and_unmarked_locks(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    (project.root / "services/api/requirements.txt").unlink()
    write(project.root / "services/web/requirements.txt", "beta==1.0\n")
    assert fresh.describe(_check(project, "api")) == (
        "api: services/api/requirements.txt is missing; "
        'fix: nox -s "lock(api)" and commit services/api/requirements.txt'
    )
    assert "has no nox-support inputs line" in fresh.describe(_check(project, "web"))


def test_broken_inputs_say_where(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    write(project.root / "services/api/base.in", "alpha\nnot a requirement!\n")
    verdict = _check(project, "api")
    assert isinstance(verdict, fresh.BrokenInputs)
    assert "services/api/base.in:2: invalid requirement" in fresh.describe(verdict)


def test_parse_freshness_args() -> None:
    assert fresh.parse_freshness_args(["--deep", "api"]) == fresh.FreshnessArgs(deep=True, services=("api",))
    with pytest.raises(ConfigError, match="accepted: --deep"):
        fresh.parse_freshness_args(["--dep"])


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_deep_catches_a_hand_edited_lock(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "beta\n"})
    project = Project.load(root)
    service = project.service("api")
    lock_service(root, service, project.settings, project.compiler, LockArgs(KeepPins(), force=False))
    lock = root / "services/api/requirements.txt"

    verdict = fresh.deep_check_layer(root, service, service.main, project.settings, project.compiler)
    assert isinstance(verdict, fresh.FreshLock)

    # A hand edit that keeps the digest line: the offline check cannot see it, --deep must.
    lock.write_text(lock.read_text().replace("beta==1.1", "beta==1.0"))
    assert isinstance(
        fresh.check_layer(root, service, service.main, project.settings, project.compiler), fresh.FreshLock
    )
    verdict = fresh.deep_check_layer(root, service, service.main, project.settings, project.compiler)
    assert isinstance(verdict, fresh.DriftedLock)
    message = fresh.describe(verdict)
    assert "differs from a fresh resolution" in message
    assert "--- services/api/requirements.txt (committed)" in message
    assert "+++ services/api/requirements.txt (re-resolved)" in message
    assert [p.name for p in lock.parent.iterdir() if p.name.startswith(".nox-support-")] == []
