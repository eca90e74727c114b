"""uv workspaces and path sources: every local package a lock reaches is one of its inputs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nox_support.core.errors import NoxSupportError
from nox_support.lock import freshness
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, Written, lock_service
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import local_package, monorepo, write

KEEP = LockArgs(upgrade=KeepPins(), force=False)

ROOT_PYPROJECT = """
[tool.nox_support]
compiler = "uv"

[tool.uv.workspace]
members = ["libs/*", "services/api"]

[tool.uv.sources]
libc = { workspace = true }
"""


def _workspace(root: Path, *, compiler: str = "uv") -> Path:
    """api (a member declared in pyproject.toml) and web (requirements.in) both reach libb -> libc."""
    monorepo(root, {"web": "../../libs/libb\n"}, pyproject=ROOT_PYPROJECT.replace('"uv"', f'"{compiler}"'))
    write(
        root / "services/api/pyproject.toml",
        """
        [project]
        name = "api"
        version = "0.1.0"
        dependencies = ["libb", "beta"]

        [tool.uv.sources]
        libb = { workspace = true }
        """,
    )
    local_package(root / "libs/libb", "libb", requires=("libc",))
    local_package(root / "libs/libc", "libc", requires=("gamma",))
    return root


def _stale(project: Project) -> dict[str, str]:
    return {
        v.lock: freshness.describe(v)
        for v in freshness.check_services(project, project.services)
        if not isinstance(v, freshness.FreshLock)
    }


def test_a_package_reached_through_another_is_an_input(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    fake = FakeCompiler()
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake)
    for service in project.services:
        lock_service(project, service, KEEP)
    assert _stale(project) == {}
    # The workspace member api depends on is compiled as a local path.
    api_source = next(c for c in fake.calls if c.service == "api")
    assert api_source.source.startswith(".nox-support-")
    # libc is reached only through libb's workspace source: a new dependency of libc stales both locks.
    local_package(root / "libs/libc", "libc", requires=("gamma", "epsilon"))
    stale = _stale(project)
    assert sorted(stale) == ["services/api/requirements.txt", "services/web/requirements.txt"]
    assert "../../libs/libc/pyproject.toml changed" in stale["services/web/requirements.txt"]


def test_the_workspace_root_tables_are_inputs_and_nothing_else_of_it(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    fake = FakeCompiler()
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake)
    for service in project.services:
        lock_service(project, service, KEEP)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(ROOT_PYPROJECT.replace('compiler = "uv"', 'compiler = "uv"\ntests = "tests"'))
    assert _stale(project) == {}
    pyproject.write_text(ROOT_PYPROJECT.replace('"libs/*", ', '"libs/*", "tools/*", '))
    stale = _stale(project)
    assert sorted(stale) == ["services/api/requirements.txt", "services/web/requirements.txt"]
    assert "../../pyproject.toml [tool.uv.workspace] changed" in stale["services/api/requirements.txt"]


def test_pip_tools_refuses_a_dependency_only_uv_sources_can_find(tmp_path: Path) -> None:
    root = _workspace(tmp_path, compiler="pip-tools")
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, FakeCompiler())
    with pytest.raises(
        NoxSupportError, match=r"\[tool.uv.sources\] gives libb a source; pip-compile does not read it"
    ):
        lock_service(project, project.service("api"), KEEP)


def test_a_git_source_is_refused_by_name(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    path = root / "services/api/pyproject.toml"
    path.write_text(path.read_text() + 'beta = { git = "https://example.invalid/beta" }\n')
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, FakeCompiler())
    with pytest.raises(
        NoxSupportError, match=r"\[tool.uv.sources\] beta is a git source, which nox-support cannot lock"
    ):
        lock_service(project, project.service("api"), KEEP)


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_uv_workspace_member_lock_follows_a_member_it_reaches(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    project = Project.load(root)
    started = time.perf_counter()
    for service in project.services:
        assert [type(o) for o in lock_service(project, service, KEEP)] == [Written]
    elapsed = time.perf_counter() - started
    api = root / "services/api"
    lock = (api / "requirements.txt").read_text()
    local = (api / "requirements.local.txt").read_text()
    assert "gamma==1.0 " in lock  # reached through libb -> libc
    assert "beta==1.1 " in lock
    assert "../../libs/libb" in local
    assert "../../libs/libc" in local
    assert str(tmp_path) not in lock + local
    assert _stale(project) == {}
    # libc adds a dependency: the dependent's lock is stale (not a wrong "fresh"), and re-locking adds it.
    local_package(root / "libs/libc", "libc", requires=("gamma", "epsilon"))
    assert sorted(_stale(project)) == ["services/api/requirements.txt", "services/web/requirements.txt"]
    for service in project.services:
        lock_service(project, service, KEEP)
    assert "epsilon==0.5 " in (api / "requirements.txt").read_text()
    assert "epsilon==0.5 " in (root / "services/web/requirements.txt").read_text()
    assert _stale(project) == {}
    print(f"adopt shape uv workspace: 2 services locked in {elapsed:.1f}s")  # noqa: T201 - timing for the report
