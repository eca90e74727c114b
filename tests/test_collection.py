"""Every test file is collected by the README's test command and linted by ruff.

pytest skips directories matching ``norecursedirs`` (its default holds ``venv``, ``build``,
``dist``...) and ruff's default exclude skips some of the same names: tests/venv/ once held five
test files that never ran and were never linted.
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repos import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TESTS = ROOT / "tests"
RUFF_DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "dist", "node_modules", "site-packages", "venv",
)  # fmt: skip
"""ruff's ``exclude`` default; pyproject.toml's ``[tool.ruff] exclude`` is it without ``venv``."""


def _hidden(directories: list[Path], patterns: list[str]) -> list[str]:
    """The *directories* (below the repository) with a part that one of *patterns* matches."""
    return [
        directory.relative_to(ROOT).as_posix()
        for directory in directories
        if any(
            fnmatch.fnmatch(part, pattern)
            for part in directory.relative_to(ROOT).parts
            for pattern in patterns
        )
    ]


def test_no_test_directory_is_skipped_by_pytest_or_ruff(pytestconfig: pytest.Config) -> None:
    """No directory holding test files has a name pytest does not recurse into or ruff skips."""
    patterns = [*pytestconfig.getini("norecursedirs"), *RUFF_DEFAULT_EXCLUDES]
    holding = sorted({path.parent for path in TESTS.rglob("test_*.py")})
    assert TESTS / "ci" in holding
    assert _hidden(holding, patterns) == []


def test_ruff_lints_every_python_directory_of_the_project() -> None:
    """nox_support/venv/ was skipped by ruff's default exclude (``venv``) until pyproject.toml overrode it."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    excluded = data["tool"]["ruff"]["exclude"]
    assert set(excluded) == set(RUFF_DEFAULT_EXCLUDES) - {"venv"}
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    directories = sorted({(ROOT / path).parent for path in tracked})
    assert ROOT / "nox_support/venv" in directories
    assert _hidden(directories, excluded) == []
