"""Inputs that are symlink loops: one clear error naming the file, never a traceback.

``Path.resolve()`` raised ``RuntimeError`` on a loop (Python 3.10 and 3.11), which no session
boundary catches; the collector now resolves with ``os.path.realpath`` and refuses the loop when
it reads, names or looks for the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import Settings
from nox_support.core.errors import ConfigError, RequirementsFileError
from nox_support.core.repofiles import RepoFileError
from nox_support.discovery import discover
from nox_support.lock.inputs import collect
from tests.repos import write


def _collect(root: Path, settings: Settings) -> None:
    (service,) = discover(root, settings)
    collect(root, service, service.main, settings)


def test_an_included_file_that_is_a_symlink_loop_is_named(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n-r loop.in\n")
    (tmp_path / "services/api/loop.in").symlink_to("loop.in")
    with pytest.raises(RequirementsFileError) as info:
        _collect(tmp_path, Settings())
    assert str(info.value) == (
        "services/api/loop.in: is a symlink loop\n  hint: replace the link with a regular file"
    )


def test_a_local_path_that_is_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "../../libs/loop\n")
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs/loop").symlink_to("loop")
    with pytest.raises(RequirementsFileError) as info:
        _collect(tmp_path, Settings())
    assert str(info.value).startswith(
        "services/api/requirements.in:1: local path '../../libs/loop' does not exist (looked in libs/loop)"
    )


def test_a_shared_constraints_file_that_is_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    (tmp_path / "constraints").mkdir()
    (tmp_path / "constraints/shared.txt").symlink_to("shared.txt")
    with pytest.raises(ConfigError) as info:
        _collect(tmp_path, Settings(constraints=("constraints/shared.txt",)))
    assert str(info.value).startswith("shared constraints file 'constraints/shared.txt' does not exist")


# --- pyproject.toml files (service declarations, local packages, uv workspaces) -----------------

LINKED_OUT = "is a link to a file outside the repository"
OUTSIDE_PROJECT = '[project]\nname = "outside"\nversion = "1"\ndependencies = ["secret-internal-name"]\n'


def test_a_service_pyproject_linked_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "pyproject.toml", OUTSIDE_PROJECT)
    (root / "services/billing").mkdir(parents=True)
    (root / "services/billing/pyproject.toml").symlink_to(outside / "pyproject.toml")
    with pytest.raises(RepoFileError) as info:
        discover(root, Settings())
    assert str(info.value).startswith(
        "services/billing/pyproject.toml is a link to a file outside the repository"
    )


def test_a_local_package_pyproject_linked_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "pyproject.toml", OUTSIDE_PROJECT)
    write(root / "services/api/requirements.in", "../../libs/common\n")
    (root / "libs/common").mkdir(parents=True)
    (root / "libs/common/pyproject.toml").symlink_to(outside / "pyproject.toml")
    with pytest.raises(RepoFileError) as info:
        _collect(root, Settings(compiler="uv"))  # uv follows the package's own sources
    assert str(info.value).startswith(f"libs/common/pyproject.toml {LINKED_OUT}")


def test_a_workspace_root_pyproject_linked_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["services/*"]\n')
    write(
        root / "services/billing/pyproject.toml",
        '[project]\nname = "billing"\nversion = "1"\ndependencies = []\n',
    )
    (root / "services/pyproject.toml").symlink_to(outside / "pyproject.toml")
    (service,) = discover(root, Settings(compiler="uv"))
    with pytest.raises(RepoFileError) as info:
        collect(root, service, service.main, Settings(compiler="uv"))
    assert str(info.value).startswith(f"services/pyproject.toml {LINKED_OUT}")
