"""Attacks through a service declared in pyproject.toml, or a uv workspace.

Each case asserts the exact message; before services could be declared in pyproject.toml these
inputs were never read, and before the transitive walk a reached package changed without a trace.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nox_support.core.errors import NoxSupportError
from nox_support.lock import freshness
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import local_package, monorepo, write

KEEP = LockArgs(upgrade=KeepPins(), force=False)


def _lock(root: Path) -> FakeCompiler:
    fake = FakeCompiler()
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake)
    for service in project.services:
        lock_service(project, service, KEEP)
    return fake


def _service(root: Path, dependencies: str, extra: str = "", *, compiler: str = "pip-tools") -> Path:
    monorepo(root, {}, pyproject=f'[tool.nox_support]\ncompiler = "{compiler}"\n')
    write(
        root / "services/api/pyproject.toml",
        f'[project]\nname = "api"\ndependencies = {dependencies}\n{extra}',
    )
    return root


def test_a_credential_in_a_dependency_url_never_reaches_the_compiler(tmp_path: Path) -> None:
    root = _service(tmp_path, '["beta @ https://user:s3cret@example.invalid/beta-1.0.whl"]')
    with pytest.raises(NoxSupportError, match="names a credential or an environment variable") as caught:
        _lock(root)
    assert "s3cret" not in str(caught.value)
    assert not (root / "services/api/requirements.txt").exists()


def test_an_option_smuggled_as_a_dependency_is_refused(tmp_path: Path) -> None:
    root = _service(tmp_path, '["--index-url https://evil.invalid/simple"]')
    with pytest.raises(NoxSupportError, match=r"is not a PEP 508 requirement"):
        _lock(root)


def test_a_path_source_leading_outside_the_repository_is_refused(tmp_path: Path) -> None:
    local_package(tmp_path / "outside", "evil")
    root = _service(
        tmp_path / "repo",
        '["evil"]',
        '[tool.uv.sources]\nevil = { path = "../../../outside" }\n',
        compiler="uv",
    )
    with pytest.raises(
        NoxSupportError, match=re.escape("local path '../../../outside' is outside the repository")
    ):
        _lock(root)


def test_a_source_reached_only_through_a_local_package_cannot_change_unseen(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"web": "../../libs/a\n"}, pyproject='[tool.nox_support]\ncompiler = "uv"\n')
    local_package(root / "libs/a", "a", requires=("b",))
    path = root / "libs/a/pyproject.toml"
    path.write_text(path.read_text() + '\n[tool.uv.sources]\nb = { path = "../b" }\n')
    local_package(root / "libs/b", "b")
    _lock(root)
    local_package(root / "libs/b", "b", requires=("epsilon",))  # a transitive package gains a dependency
    project = Project.load(root)
    (verdict,) = freshness.check_services(project, project.services)
    assert isinstance(verdict, freshness.StaleLock)
    assert "../../libs/b/pyproject.toml changed" in freshness.describe(verdict)


def test_a_missing_path_source_is_named_where_declared_without_machine_paths(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"web": "../../libs/a\n"}, pyproject='[tool.nox_support]\ncompiler = "uv"\n')
    local_package(root / "libs/a", "a", requires=("b",))
    path = root / "libs/a/pyproject.toml"
    path.write_text(path.read_text() + '\n[tool.uv.sources]\nb = { path = "../gone" }\n')
    with pytest.raises(NoxSupportError) as caught:
        _lock(root)
    assert str(caught.value).startswith(
        "libs/a/pyproject.toml [tool.uv.sources] b: local path '../../libs/gone' does not exist"
    )
    assert str(tmp_path) not in str(caught.value)
