"""Every test file is collected by the README's test command and linted by ruff.

pytest skips directories matching ``norecursedirs`` (its default holds ``venv``, ``build``,
``dist``...) and ruff's default exclude skips some of the same names: tests/venv/ once held five
test files that never ran and were never linted.
"""

from __future__ import annotations

import fnmatch

import pytest

from tests.repos import ROOT

TESTS = ROOT / "tests"
RUFF_DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "dist", "node_modules", "site-packages", "venv",
)  # fmt: skip
"""ruff's ``exclude`` default (the project sets none of its own)."""


def test_no_test_directory_is_skipped_by_pytest_or_ruff(pytestconfig: pytest.Config) -> None:
    """No directory holding test files has a name pytest does not recurse into or ruff skips."""
    patterns = [*pytestconfig.getini("norecursedirs"), *RUFF_DEFAULT_EXCLUDES]
    holding = sorted({path.parent for path in TESTS.rglob("test_*.py")})
    assert TESTS / "ci" in holding
    hidden = [
        directory.relative_to(ROOT).as_posix()
        for directory in holding
        for part in directory.relative_to(ROOT).parts
        if any(fnmatch.fnmatch(part, pattern) for pattern in patterns)
    ]
    assert hidden == []
