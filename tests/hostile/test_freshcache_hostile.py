"""The freshness cache cannot be made to vouch for a stale lock, nor to write where it should not.

Each case plants a cache that would call a stale lock fresh (its keys forged to match the disk as
it is now) somewhere the cache must not be trusted, and checks that ``nox -s freshness`` still
finds the lock stale.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nox_support.core import usercache
from nox_support.core.errors import StaleLockError
from nox_support.lock import evidence, freshcache
from nox_support.lock.evidence import SETTLE_NS
from nox_support.lock.session import run_freshness, run_lock
from nox_support.project import Project
from tests.fakes import FakeCompiler, RecordingSession
from tests.repos import monorepo, write


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock ahead of the files, so that those just written count as settled."""
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 10 * SETTLE_NS)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _project(tmp_path: Path) -> Project:
    root = monorepo(tmp_path / "repo", {"api": "alpha\n", "web": "beta\n"}, copy_noxfile=False)
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, FakeCompiler())
    for service in ("api", "web"):
        run_lock(RecordingSession().as_nox(), project, service)
    return project


def _freshness(project: Project) -> RecordingSession:
    session = RecordingSession()
    run_freshness(session.as_nox(), project)
    return session


def _forge(path: Path, project: Project) -> None:
    """Rewrite the cache at *path* so that every entry's keys match the disk as it is now."""
    code = freshcache.code_fingerprint()
    document = freshcache.parse(path.read_bytes(), code=code, root=str(project.root))
    assert document is not None
    keys = {name: evidence.lstat_key(str(project.root / name)) for name in document.keys}
    forged = freshcache.Document(code, document.root, keys, document.locks)
    path.chmod(0o600)
    path.write_bytes(freshcache.dump(forged))


def _stale_with_a_forged_cache(tmp_path: Path) -> tuple[Project, Path]:
    project = _project(tmp_path)
    _freshness(project)  # proves both locks
    (path,) = (Path(os.environ["XDG_CACHE_HOME"]) / "nox-support" / "freshness").iterdir()
    write(project.root / "services/web/requirements.in", "beta>=2\n")
    _forge(path, project)
    return project, path


@pytest.mark.usefixtures("later", "cache_home")
def test_a_forged_cache_in_the_users_own_directory_is_the_users_word(tmp_path: Path) -> None:
    """The baseline the cases below depart from: a cache the user wrote is believed."""
    project, _ = _stale_with_a_forged_cache(tmp_path)
    assert "2 unchanged since a run proved them" in _freshness(project).logs[0]


def _group_writable(path: Path) -> None:
    path.parent.chmod(0o770)


def _owned_by_someone_else(path: Path) -> None:
    os.chown(path, 4242, -1)


def _a_link_to_the_forgery(path: Path) -> None:
    elsewhere = path.with_name("elsewhere.json")
    path.rename(elsewhere)
    path.symlink_to(elsewhere)


def _directory_a_link(path: Path) -> None:
    directory = path.parent
    moved = directory.with_name("moved")
    directory.rename(moved)
    directory.symlink_to(moved)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown needs root")
@pytest.mark.usefixtures("later", "cache_home")
@pytest.mark.parametrize(
    "plant",
    [_group_writable, _owned_by_someone_else, _a_link_to_the_forgery, _directory_a_link],
    ids=["group-writable directory", "file of another user", "file is a link", "directory is a link"],
)
def test_a_cache_someone_else_could_have_written_is_not_believed(
    tmp_path: Path, plant: Callable[[Path], None]
) -> None:
    project, path = _stale_with_a_forged_cache(tmp_path)
    plant(path)
    with pytest.raises(StaleLockError, match="1 of 2 locks are not fresh"):
        _freshness(project)


@pytest.mark.usefixtures("later")
def test_a_cache_home_inside_the_repository_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(project.root / ".cache"))
    _freshness(project)
    assert not (project.root / ".cache" / "nox-support" / "freshness").exists()
    assert freshcache.cache_file(str(project.root)) is None


@pytest.mark.usefixtures("later", "cache_home")
def test_a_fifo_or_a_huge_file_in_place_of_the_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path)
    path = freshcache.cache_file(str(project.root))
    assert path is not None
    os.mkfifo(path)  # a read would wait for a writer
    assert _freshness(project).logs == ["all 2 locks are fresh"]
    assert stat.S_ISREG(path.lstat().st_mode)  # replaced by the cache this run wrote
    monkeypatch.setattr(freshcache, "MAX_BYTES", 10)
    assert _freshness(project).logs == ["all 2 locks are fresh"]  # too large to read: all checked


@pytest.mark.usefixtures("later", "cache_home")
def test_saving_replaces_a_planted_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = freshcache.cache_file(str(project.root))
    assert path is not None
    victim = write(tmp_path / "victim.txt", "keep me\n")
    path.symlink_to(victim)
    _freshness(project)
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not path.is_symlink()


@pytest.mark.usefixtures("later", "cache_home")
def test_a_copied_cache_proves_nothing_in_another_clone(tmp_path: Path) -> None:
    """Inodes and change times differ in another checkout: an entry restored from elsewhere never holds."""
    first = _project(tmp_path / "one")
    _freshness(first)
    second = _project(tmp_path / "two")
    (path,) = (Path(os.environ["XDG_CACHE_HOME"]) / "nox-support" / "freshness").iterdir()
    stored = freshcache.parse(path.read_bytes(), code=freshcache.code_fingerprint(), root=str(first.root))
    assert stored is not None
    moved = freshcache.Document(stored.code, str(second.root), stored.keys, stored.locks)
    target = freshcache.cache_file(str(second.root))
    assert target is not None
    target.write_bytes(freshcache.dump(moved))
    write(second.root / "services/web/requirements.in", "beta>=2\n")
    with pytest.raises(StaleLockError, match="1 of 2 locks are not fresh"):
        _freshness(second)


@pytest.mark.usefixtures("later", "cache_home")
def test_no_cache_on_a_filesystem_whose_times_prove_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On NFS, SMB, FAT or FUSE a forged or stale entry could hold: every lock is checked in full."""
    project, _ = _stale_with_a_forged_cache(tmp_path)
    monkeypatch.setattr(evidence, "mounts", lambda _: {"/": "nfs4"})
    with pytest.raises(StaleLockError, match="1 of 2 locks are not fresh"):
        _freshness(project)


@pytest.mark.usefixtures("later", "cache_home")
def test_no_cache_for_a_nox_support_that_is_not_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed as a zip, nox-support's own modules cannot key the cache: no cache, no crash."""
    project = _project(tmp_path)

    def unlistable(package: Path | None = None) -> str:
        raise NotADirectoryError(20, "Not a directory", str(package))

    monkeypatch.setattr(freshcache, "code_fingerprint", unlistable)
    assert _freshness(project).logs == ["all 2 locks are fresh"]
    assert _freshness(project).logs == ["all 2 locks are fresh"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown needs root")
def test_a_group_writable_cache_home_counts_only_when_the_group_is_the_users_own(tmp_path: Path) -> None:
    """``umask 002`` with a group per user: ~/.cache is 0775 and still the user's alone."""
    home = tmp_path / "cache-home"
    home.mkdir()
    home.chmod(0o775)
    os.chown(home, -1, os.getgid())
    assert usercache.private_directory(home, "freshness") is not None
    os.chown(home, -1, 4242)  # a group the user does not own
    assert usercache.private_directory(home, "freshness") is None


@pytest.mark.skipif(os.name != "posix", reason="owners and groups are POSIX")
def test_a_shared_primary_group_is_not_the_users_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``users`` (gid 100 on some systems) is many accounts' primary group and lists none of them."""
    import grp  # noqa: PLC0415 - POSIX only

    home = tmp_path / "cache-home"
    home.mkdir()
    home.chmod(0o775)
    shared = grp.struct_group(("users", "x", os.getgid(), []))
    monkeypatch.setattr(grp, "getgrgid", lambda _: shared)
    assert usercache.private_directory(home, "freshness") is None
