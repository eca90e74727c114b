"""How :mod:`nox_support.lock.uv_workspace` reads a uv workspace that is broken or not there (pure).

Files only: a pyproject.toml that cannot be read, is not UTF-8 or not TOML, a workspace table of
the wrong shape, a workspace source naming no member, members excluded again, and a search that
stops at the repository. Locking through real workspaces is in tests/test_uv_workspace.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.core.errors import DiscoveryError
from nox_support.lock import pyproject_inputs as pp
from nox_support.lock import uv_workspace
from tests.repos import write

WORKSPACE = '[tool.uv.workspace]\nmembers = ["libs/*"]\nexclude = ["libs/old"]\n'


def member(root: Path, name: str) -> Path:
    write(root / "libs" / name / "pyproject.toml", f'[project]\nname = "{name}"\nversion = "1.0"\n')
    return root / "libs" / name


def test_a_pyproject_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError) as caught:
        uv_workspace.read_toml(tmp_path / "libs/a/pyproject.toml", "libs/a/pyproject.toml", tmp_path)
    assert str(caught.value) == (
        "libs/a/pyproject.toml: cannot be read: No such file or directory\n  hint: make it a readable file"
    )


def test_a_pyproject_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[project]\nname = "a"\ndescription = "caf\xe9"\n')
    with pytest.raises(DiscoveryError) as caught:
        uv_workspace.read_toml(path, "pyproject.toml", tmp_path)
    assert str(caught.value) == "pyproject.toml:3: not UTF-8 text\n  hint: save it as UTF-8"


def test_a_pyproject_that_is_not_toml_says_where(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project\n")
    with pytest.raises(DiscoveryError) as caught:
        uv_workspace.read_toml(path, "pyproject.toml", tmp_path)
    assert str(caught.value).startswith("pyproject.toml: invalid TOML: ")
    assert caught.value.hint == "fix the syntax error"


def test_members_are_found_and_excluded_ones_left_out(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "Root-App"\n' + WORKSPACE)
    one, _old = member(tmp_path, "one"), member(tmp_path, "old")
    (tmp_path / "libs/empty").mkdir()  # no pyproject.toml: not a member
    found = uv_workspace.find_workspace(one, tmp_path)
    assert found is not None
    assert found.root == tmp_path
    assert dict(found.members) == {"root-app": tmp_path, "one": one}
    # The excluded directory is in no workspace, and the search stops at the workspace root.
    assert uv_workspace.find_workspace(tmp_path / "libs/old", tmp_path) is None


def test_the_search_never_leaves_the_repository(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", WORKSPACE)
    repo = tmp_path / "repo"
    write(repo / "services/api/requirements.in", "alpha\n")
    assert uv_workspace.find_workspace(repo / "services/api", repo) is None


@pytest.mark.parametrize("table", ['members = "libs/*"', 'members = []\nexclude = "libs/old"'])
def test_a_workspace_table_of_the_wrong_shape_is_an_error(tmp_path: Path, table: str) -> None:
    write(tmp_path / "pyproject.toml", f"[tool.uv.workspace]\n{table}\n")
    with pytest.raises(DiscoveryError) as caught:
        uv_workspace.find_workspace(tmp_path, tmp_path)
    assert str(caught.value) == "pyproject.toml: [tool.uv.workspace] members and exclude must be lists"


def test_a_workspace_source_naming_no_member_says_how_to_add_it(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError) as caught:
        uv_workspace.source_directory("beta", pp.WorkspaceSource(), tmp_path, None, "libs/a/pyproject.toml")
    assert str(caught.value) == (
        "libs/a/pyproject.toml: [tool.uv.sources] beta = { workspace = true } names no workspace member\n"
        "  hint: add it to [tool.uv.workspace] members of the workspace root"
    )


def test_a_path_source_is_relative_to_the_file_declaring_it(tmp_path: Path) -> None:
    source = pp.PathSource("../common")
    assert uv_workspace.source_directory("common", source, tmp_path / "libs/a", None, "x") == (
        tmp_path / "libs/common"
    )
