"""``nox -s "lock_diff(<service>)" -- --base REF`` in real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ci.helpers import commit_all, init_repo, lock_text, nox, service
from tests.repos import monorepo, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = monorepo(tmp_path / "repo", {})
    service(
        root,
        "api",
        "alpha\nbeta\n",
        {
            "requirements.txt": lock_text("alpha==1.0", "beta==1.0"),
            "requirements-dev.in": "epsilon\n",
            "requirements-dev.txt": lock_text("epsilon==0.5"),
        },
    )
    service(root, "web", "gamma\n", {"requirements.txt": lock_text("gamma==1.0")})
    init_repo(root)
    write(root / "services/api/requirements.txt", lock_text("alpha==1.1", "gamma==1.0"))
    (root / "services/api/requirements-dev.in").unlink()
    (root / "services/api/requirements-dev.txt").unlink()
    write(root / "services/api/requirements-docs.in", "delta\n")
    write(root / "services/api/requirements-docs.txt", lock_text("delta==1.0"))
    commit_all(root, "change locks")
    return root


def test_markdown_and_json(repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier content\n")
    result = nox(
        repo,
        "-s",
        "lock_diff(api)",
        "lock_diff(web)",
        "--",
        "--base",
        "origin/main",
        "--markdown",
        str(summary),
        "--json-dir",
        str(tmp_path / "json"),
    )
    assert result.returncode == 0, result.stderr
    assert "| alpha | upgraded | 1.0 | 1.1 |" in result.stdout
    assert "| beta | removed | 1.0 | — |" in result.stdout
    assert "| gamma | added | — | 1.0 |" in result.stdout
    assert "`services/api/requirements-docs.txt` (new lock): 1 added" in result.stdout
    assert "`services/api/requirements-dev.txt` (lock removed): 1 removed" in result.stdout
    assert "| epsilon | removed | 0.5 | — |" in result.stdout
    assert "No package changed in `services/web/requirements.txt`." in result.stdout
    assert "api: 5 package changes since origin/main" in result.stderr
    text = summary.read_text()
    assert text.startswith("# earlier content\n### Lock changes of `api` since `origin/main`")
    assert "### Lock changes of `web`" in text
    data = json.loads((tmp_path / "json/api.json").read_text())
    assert [(lock["lock"], lock["status"]) for lock in data["locks"]] == [
        ("services/api/requirements.txt", "present"),
        ("services/api/requirements-docs.txt", "added"),
        ("services/api/requirements-dev.txt", "removed"),
    ]
    assert data["locks"][0]["changes"] == [
        {"package": "gamma", "change": "added", "before": None, "after": "1.0"},
        {"package": "beta", "change": "removed", "before": "1.0", "after": None},
        {"package": "alpha", "change": "upgraded", "before": "1.0", "after": "1.1"},
    ]
    assert json.loads((tmp_path / "json/web.json").read_text())["locks"][0]["changes"] == []


def test_base_is_required(repo: Path) -> None:
    result = nox(repo, "-s", "lock_diff(api)")
    assert result.returncode == 1
    assert "the following arguments are required: --base" in result.stderr
    assert 'nox -s "lock_diff(<service>)" -- --base REF' in result.stderr


def test_unknown_base_is_an_error(repo: Path) -> None:
    result = nox(repo, "-s", "lock_diff(api)", "--", "--base", "origin/nope")
    assert result.returncode == 1
    assert "git ref 'origin/nope' does not exist in this clone" in result.stderr
