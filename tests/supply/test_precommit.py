"""The ``nox-support-freshness`` hook, run by the real pre-commit against a hermetic sample repository.

pre-commit clones the hook repository (here: a git repository holding this
working tree's package) and ``pip install``s it into its own virtualenv.  To
stay offline, the dependencies come from a wheelhouse repacked from this test
environment's installed distributions, plus the setuptools wheel that
virtualenv embeds (the build backend).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import virtualenv
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.repos import ROOT, stamp_lock, write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow

HOOK_ID = "nox-support-freshness"
_NOT_REPACKED = frozenset({"setuptools", "pip"})  # taken from virtualenv's embedded wheels instead


def runtime_closure() -> list[str]:
    """Canonical names of nox-support's runtime dependencies, transitively, as installed here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pending = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        pending += [Requirement(r) for r in metadata.distribution(name).requires or ()]
    return sorted(seen - _NOT_REPACKED)


def repack(name: str, directory: Path) -> Path:
    """A wheel of the installed distribution *name*, rebuilt from its RECORD."""
    dist = metadata.distribution(name)
    site = Path(str(dist.locate_file("")))
    files: dict[str, bytes] = {}
    for entry in dist.files or ():
        relative = entry.as_posix()
        if relative.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"):
            continue  # scripts are regenerated from entry_points.txt
        if relative.endswith(("/RECORD", "/INSTALLER", "/REQUESTED", "/direct_url.json")):
            continue
        files[relative] = (site / relative).read_bytes()
    info = next(p.split("/")[0] for p in files if p.split("/")[0].endswith(".dist-info"))
    tags = [
        line.split(":", 1)[1].strip()
        for line in files[f"{info}/WHEEL"].decode().splitlines()
        if line.startswith("Tag:")
    ]
    parts = [t.split("-") for t in tags]
    tag = "-".join(".".join(dict.fromkeys(p[i] for p in parts)) for i in range(3))
    stem = info.removesuffix(".dist-info")
    path = directory / f"{stem}-{tag}.whl"
    record = ""
    for relative, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{relative},sha256={digest},{len(data)}\n"
    record += f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for relative, data in files.items():
            archive.writestr(relative, data)
        archive.writestr(f"{info}/RECORD", record)
    return path


@pytest.fixture(scope="module")
def hook_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hook-wheels")
    for name in runtime_closure():
        repack(name, directory)
    embedded = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    for wheel in embedded.glob("*.whl"):
        if wheel.name.startswith(("setuptools-", "pip-")):
            shutil.copy(wheel, directory)
    return directory


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository with this working tree's package and .pre-commit-hooks.yaml."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "nox_support", repo / "nox_support", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hook")
    return repo, git(repo, "rev-parse", "HEAD")


def sample_monorepo(root: Path, hook: tuple[Path, str]) -> Path:
    """A monorepo with one fresh lock and a .pre-commit-config.yaml using the hook."""
    hook_path, rev = hook
    write(root / "pyproject.toml", '[tool.nox_support]\npython = "3.11"\n')
    write(root / "services" / "shop" / "requirements.in", "alpha\n")
    write(root / "README.md", "# sample\n")
    header = "#\n# This file is autogenerated by pip-compile with Python 3.11\n#\n"
    write(
        root / "services" / "shop" / "requirements.txt",
        header + "alpha==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n",
    )
    stamp_lock(root, "shop")
    write(
        root / ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hook_path}\n    rev: {rev}\n    hooks:\n      - id: {HOOK_ID}\n",
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample")
    return root


def pre_commit(root: Path, home: Path, wheelhouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    command = [sys.executable, "-m", "pre_commit", "run", "--color", "never", *args]
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_hook_passes_a_fresh_lock_and_fails_an_edited_in_file_with_the_fix(
    tmp_path: Path, hook_wheelhouse: Path, hook_repo: tuple[Path, str]
) -> None:
    root = sample_monorepo(tmp_path / "mono", hook_repo)
    home = tmp_path / "pre-commit-home"

    fresh = pre_commit(root, home, hook_wheelhouse, "--all-files")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "nox-support lock freshness" in fresh.stdout
    assert "Passed" in fresh.stdout

    write(root / "README.md", "# sample, edited\n")
    git(root, "add", "README.md")
    unrelated = pre_commit(root, home, hook_wheelhouse)
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    assert "(no files to check)Skipped" in unrelated.stdout

    write(root / "services" / "shop" / "requirements.in", "alpha>=1\n")
    git(root, "add", "services/shop/requirements.in")
    stale = pre_commit(root, home, hook_wheelhouse)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "Failed" in stale.stdout
    assert (
        "nox-support: shop: services/shop/requirements.txt is stale (requirements.in changed); "
        'fix: nox -s "lock(shop)" and commit services/shop/requirements.txt'
    ) in stale.stdout
