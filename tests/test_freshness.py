from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nox_support.core.errors import ConfigError
from nox_support.lock import freshness as fresh
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, lock_service, parse_lock_args
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import monorepo, write
from tests.wheels import Dist, build_wheel


def _setup(tmp_path: Path, fake: FakeCompiler | None = None) -> Project:
    root = monorepo(tmp_path, {"api": "-r base.in\n", "web": "beta\n"})
    write(root / "services/api/base.in", "alpha\n")
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake or FakeCompiler())
    for service in project.services:
        lock_service(project, service, LockArgs(KeepPins(), force=False))
    return project


def _check(project: Project, name: str) -> fresh.Verdict:
    service = project.service(name)
    return fresh.check_layer(project, service, service.main)


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


def test_a_new_major_compiler_makes_locks_stale(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    newer = Project(project.root, project.settings, project.services, FakeCompiler(version="2.0"))
    verdict = _check(newer, "web")
    assert isinstance(verdict, fresh.StaleLock)
    assert "compiler changed from fake==1.* to fake==2.*" in fresh.describe(verdict)


def test_a_patch_or_minor_compiler_release_keeps_locks_fresh(tmp_path: Path) -> None:
    project = _setup(tmp_path)
    for version in ("1.0.1", "1.7"):
        newer = Project(project.root, project.settings, project.services, FakeCompiler(version=version))
        assert isinstance(_check(newer, "web"), fresh.FreshLock), version


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
def test_deep_drift_names_a_command_that_repairs_it(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    shutil.copytree(wheelhouse, index)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    root = monorepo(tmp_path / "repo", {"api": "beta\n"})
    project = Project.load(root)
    service = project.service("api")
    lock_service(project, service, LockArgs(KeepPins(), force=False))
    lock = root / "services/api/requirements.txt"
    assert isinstance(
        fresh.deep_check_layer(project, service, service.main),
        fresh.FreshLock,
    )

    # The index now serves other bytes for the pinned beta 1.1: the lock is intact, but stale.
    build_wheel(Dist("beta", "1.1", ("alpha>=1.0",)), index)
    verdict = fresh.deep_check_layer(project, service, service.main)
    assert isinstance(verdict, fresh.DriftedLock)
    message = fresh.describe(verdict)
    assert message.startswith(
        "api: services/api/requirements.txt differs from a fresh resolution of its inputs "
        "(a newer compiler, or changed distributions on the index); "
        'fix: nox -s "lock(api)" -- --force and commit services/api/requirements.txt\n'
        "--- services/api/requirements.txt (committed)\n"
        "+++ services/api/requirements.txt (re-resolved)\n"
    )
    assert [p.name for p in lock.parent.iterdir() if p.name.startswith(".nox-support-")] == []

    # The suggested command repairs it.
    lock_service(project, service, parse_lock_args(["--force"]))
    assert isinstance(
        fresh.deep_check_layer(project, service, service.main),
        fresh.FreshLock,
    )
