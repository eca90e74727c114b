"""``reports/`` keeps itself out of git, as Nox does for ``.nox/``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from nox_support.core.outputs import OutputDirError, output_dir, reports_dir
from tests.repos import write


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


def test_reports_directory_ignores_itself(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    write(tmp_path / "README.md", "hello\n")
    directory = reports_dir(tmp_path, "audit")
    assert directory == tmp_path / "reports" / "audit"
    assert directory.is_dir()
    assert (tmp_path / "reports/.gitignore").read_text(encoding="utf-8") == "*\n"
    write(directory / "orders.json", "{}\n")
    write(tmp_path / "reports/audit.md", "# audit\n")
    assert _git(tmp_path, "status", "--porcelain", "--untracked-files=all") == "?? README.md\n"


def test_an_existing_gitignore_is_kept(tmp_path: Path) -> None:
    write(tmp_path / "reports/.gitignore", "# we commit our reports\n")
    reports_dir(tmp_path, "tests")
    assert (tmp_path / "reports/.gitignore").read_text(encoding="utf-8") == "# we commit our reports\n"


def test_a_link_planted_as_gitignore_is_not_written_through(tmp_path: Path) -> None:
    victim = write(tmp_path / "victim.txt", "precious\n")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports/.gitignore").symlink_to(victim)
    reports_dir(tmp_path)
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_directory_outside_reports_is_just_created(tmp_path: Path) -> None:
    made = output_dir(tmp_path, tmp_path / "out" / "lock-diff")
    assert made.is_dir()
    assert not (tmp_path / "reports").exists()
    assert not (made / ".gitignore").exists()


def test_a_directory_inside_reports_given_by_the_user_ignores_itself(tmp_path: Path) -> None:
    output_dir(tmp_path, tmp_path / "reports" / "lock-diff")
    assert (tmp_path / "reports/.gitignore").read_text(encoding="utf-8") == "*\n"


def test_something_in_the_way_is_one_message(tmp_path: Path) -> None:
    write(tmp_path / "reports", "a file, not a directory\n")
    with pytest.raises(OutputDirError) as info:
        reports_dir(tmp_path, "audit")
    assert info.value.message == "cannot create reports/audit/: reports: File exists"
    assert info.value.hint == "make the directory writable, or remove what is in its way"
