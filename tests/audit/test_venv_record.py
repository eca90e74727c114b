"""A venv restored from a cache is verified against its RECORD files; changed pin hashes reinstall."""

from __future__ import annotations

import base64
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest

from nox_support.project import Project
from nox_support.venv import record
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from tests.audit.conftest import FakeSession, hashed_lock, make_repo
from tests.repos import stamp_lock, write
from tests.wheels import write_wheel

pytestmark = pytest.mark.slow


def sync(root: Path, backend: str = "uv") -> tuple[venv_values.SyncResult, list[str]]:
    svc = Project.load(root).service("svc")
    session = FakeSession(root / ".nox" / "audit-svc", backend=backend)
    return venv_sync.sync_venv(session.as_nox(), svc, (svc.main.lock,), purpose="audit"), session.logs


def site(result: venv_values.SyncResult) -> Path:
    return next(result.venv.glob("lib/*/site-packages"))


def restore(venv: Path) -> None:
    """What actions/cache does: the same files, unpacked again (new inodes and ctimes)."""
    saved = venv.with_name("saved")
    shutil.copytree(venv, saved, symlinks=True)
    shutil.rmtree(venv)
    saved.rename(venv)


@pytest.fixture
def repo(tmp_path: Path, offline_env: Path) -> Path:
    return make_repo(tmp_path / "repo", offline_env, {"svc": {"alpha": "1.0", "beta": "1.0"}})


def test_parse_record_reads_hashes_and_sizes() -> None:
    digest = hashlib.sha256(b"x").digest()
    encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    hashed, bare = record.parse_record(
        f'a/__init__.py,sha256={encoded},1\n"a/b,c.py",md5=xx,2\nA.dist-info/RECORD,,\n'
    )
    assert hashed == (record.RecordEntry("a/__init__.py", digest.hex(), 1),)
    assert bare == ("a/b,c.py", "A.dist-info/RECORD")


def test_files_no_record_hashes_are_kept_by_digest(tmp_path: Path) -> None:
    site = tmp_path / "lib/python3.11/site-packages"
    write(site / "a/__init__.py", "x")
    encoded = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    write(site / "a-1.0.dist-info/RECORD", f"a/__init__.py,sha256={encoded},1\na-1.0.dist-info/INSTALLER,,\n")
    write(site / "a-1.0.dist-info/INSTALLER", "uv\n")
    write(site / "_virtualenv.pth", "import _virtualenv\n")
    write(site / "a/__pycache__/__init__.cpython-311.pyc", "bytecode")
    expected = record.fingerprint(site)
    assert [path for path, _ in expected.unlisted] == ["_virtualenv.pth", "a-1.0.dist-info/INSTALLER"]
    assert record.verify(tmp_path, site, expected) == ()
    assert not (site / "a/__pycache__/__init__.cpython-311.pyc").exists()

    write(site / "a-1.0.dist-info/INSTALLER", "evil\n")
    (site / "_virtualenv.pth").unlink()
    assert record.verify(tmp_path, site, expected) == (
        "a-1.0.dist-info/INSTALLER changed",
        "_virtualenv.pth is missing",
    )


def test_a_record_naming_a_file_outside_the_venv_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "venv/lib/python3.11/site-packages"
    write(tmp_path / "outside.py", "x")
    encoded = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    write(site / "a-1.0.dist-info/RECORD", f"../../../../outside.py,sha256={encoded},1\n")
    expected = record.fingerprint(site)
    assert record.verify(tmp_path / "venv", site, expected) == (
        "a-1.0.dist-info: RECORD names ../../../../outside.py, outside the venv",
    )


@pytest.mark.parametrize("backend", ["uv", "virtualenv"])
def test_a_restored_intact_venv_is_verified_once_then_trusted(repo: Path, backend: str) -> None:
    first, _ = sync(repo, backend)
    assert first.stamp.records
    assert all(digest != "missing" for _, digest in first.stamp.records)
    _, logs = sync(repo, backend)
    assert not [line for line in logs if "verifying" in line]  # synced here: no re-hashing

    restore(first.venv)
    pycache = site(first) / "alpha/__pycache__/__init__.cpython-311.pyc"
    pycache.parent.mkdir()
    pycache.write_bytes(b"planted byte code")
    again, logs = sync(repo, backend)
    assert isinstance(again, venv_values.AlreadySynced), logs
    assert "svc: verifying the files of the audit venv of service 'svc' against their RECORD" in logs[0]
    assert not pycache.exists()  # byte code no RECORD hashes is deleted, never trusted
    _, logs = sync(repo, backend)
    assert logs == []


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (
            lambda s: (s / "alpha/__init__.py").write_text("import os\n"),
            "alpha-1.0.dist-info: alpha/__init__.py has",
        ),
        (
            lambda s: (s / "evil.pth").write_text("import os\n"),
            "evil.pth is not part of any installed distribution",
        ),
        (lambda s: (s / "beta/__init__.py").unlink(), "beta-1.0.dist-info: beta/__init__.py is missing"),
    ],
    ids=["modified", "planted-pth", "deleted"],
)
def test_a_tampered_restored_venv_is_rebuilt_before_use(repo: Path, tamper: object, problem: str) -> None:
    first, _ = sync(repo)
    restore(first.venv)
    assert callable(tamper)
    tamper(site(first))
    result, logs = sync(repo)
    assert isinstance(result, venv_values.Rebuilt)
    assert result.reason.startswith(f"it is not the venv that was synced ('{problem}")
    assert f"svc: rebuilding the audit venv of service 'svc': {result.reason}" in logs
    assert not (site(result) / "evil.pth").exists()
    assert (site(result) / "alpha/__init__.py").read_text() == '__version__ = "1.0"\n'
    assert (
        record.verify(
            result.venv, site(result), record.Fingerprint(result.stamp.records, result.stamp.unlisted)
        )
        == ()
    )


def test_a_rewritten_record_does_not_hide_a_modified_file(repo: Path) -> None:
    first, _ = sync(repo)
    restore(first.venv)
    info = site(first) / "alpha-1.0.dist-info/RECORD"
    (site(first) / "alpha/__init__.py").write_text("import os\n")
    # The attacker rewrites RECORD to match the modified file.
    encoded = base64.urlsafe_b64encode(hashlib.sha256(b"import os\n").digest()).rstrip(b"=").decode()
    lines = [
        f"alpha/__init__.py,sha256={encoded},10" if line.startswith("alpha/__init__.py,") else line
        for line in info.read_text().splitlines()
    ]
    info.write_text("\n".join(lines) + "\n")
    result, _ = sync(repo)
    assert isinstance(result, venv_values.Rebuilt)
    assert result.reason == "it is not the venv that was synced ('alpha-1.0.dist-info/RECORD changed')"


def rebuilt_wheel(wheelhouse: Path, name: str, version: str, source: str) -> None:
    """Replace a wheel by one with the same name and version and other contents."""
    path = wheelhouse / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    files = {member: data for member, data in files.items() if not member.endswith("/RECORD")}
    files[f"{name}/__init__.py"] = source.encode()
    write_wheel(path, files)


def test_a_pin_whose_locked_hashes_changed_is_installed_again(
    tmp_path: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    shutil.copytree(offline_env, wheelhouse)
    for variable in ("PIP_FIND_LINKS", "UV_FIND_LINKS"):
        monkeypatch.setenv(variable, str(wheelhouse))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    root = make_repo(tmp_path / "repo", wheelhouse, {"svc": {"alpha": "1.0"}}, common=False)
    first, _ = sync(root)
    assert (site(first) / "alpha/__init__.py").read_text() == '__version__ = "1.0"\n'

    rebuilt_wheel(wheelhouse, "alpha", "1.0", '__version__ = "1.0"\nREBUILT = True\n')
    write(root / "services/svc/requirements.txt", hashed_lock(wheelhouse, {"alpha": "1.0"}))
    stamp_lock(root, "svc")
    second, logs = sync(root)
    assert isinstance(second, venv_values.Synced)
    assert "svc: installing again (their locked hashes changed): alpha" in logs
    assert (site(second) / "alpha/__init__.py").read_text() == '__version__ = "1.0"\nREBUILT = True\n'
