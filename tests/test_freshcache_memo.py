"""The freshness cache at work: a verdict is taken while its files hold, and never after a change."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from nox_support.core import usercache
from nox_support.core.errors import NoxSupportError, StaleLockError
from nox_support.lock import freshcache, lockformat
from nox_support.lock import freshness as fresh
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.evidence import ABSENT, SETTLE_NS
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.lock.session import run_freshness
from nox_support.project import Project
from tests.fakes import FakeCompiler, RecordingSession
from tests.repos import local_package, monorepo, write

CODE = "c" * 64
SETTINGS = """
[tool.nox_support]
constraints = ["constraints/shared.txt"]
"""


def _project(root: Path, fake: FakeCompiler | None = None) -> Project:
    loaded = Project.load(root)
    return Project(loaded.root, loaded.settings, loaded.services, fake or FakeCompiler())


def _repo(tmp_path: Path, *, settings: str = SETTINGS) -> Project:
    """Services that use every kind of input: includes, constraints, a local package, layers, pyproject."""
    root = monorepo(
        tmp_path / "repo",
        {"api": "-r base.in\n-c ../../constraints/pins.txt\n../../libs/common\n", "web": "beta\n"},
        pyproject=settings,
    )
    write(root / "services/api/base.in", "alpha\n")
    write(root / "services/api/requirements-dev.in", "pytest\n")
    write(root / "constraints/pins.txt", "alpha<2\n")
    write(root / "constraints/shared.txt", "beta<3\n")
    local_package(root / "libs/common", "common")
    write(
        root / "services/shop/pyproject.toml",
        """
        [project]
        name = "shop"
        version = "1"
        dependencies = ["alpha"]

        [dependency-groups]
        dev = ["pytest"]
        """,
    )
    project = _project(root)
    for service in project.services:
        lock_service(project, service, LockArgs(KeepPins(), force=False))
    return project


def _memo(project: Project, document: freshcache.Document | None = None) -> freshcache.Memo:
    """A memo whose clock runs ahead, so that files just written count as settled."""
    return freshcache.Memo(str(project.root), CODE, document, now_ns=time.time_ns() + 10 * SETTLE_NS)


def _run(project: Project, memo: freshcache.Memo) -> list[fresh.Verdict]:
    return list(fresh.check_services(project, project.services, memo=memo))


def _stored(memo: freshcache.Memo, project: Project) -> freshcache.Document:
    document = memo.result()
    assert document is not None
    stored = freshcache.parse(freshcache.dump(document), code=CODE, root=str(project.root))
    assert stored == document
    return stored


@contextmanager
def _no_lock_is_read() -> Iterator[None]:
    """Fail if a lock is read (what the cache spares)."""
    real = lockformat.read_state

    def refuse(*args: object, **_: object) -> object:
        raise AssertionError(f"a lock was read: {args}")

    lockformat.read_state = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        lockformat.read_state = real


def _remembered(project: Project) -> freshcache.Document:
    memo = _memo(project)
    verdicts = _run(project, memo)
    assert all(isinstance(v, fresh.FreshLock) for v in verdicts), verdicts
    assert memo.proven == len(verdicts) == 5  # api: main and dev; shop: main and dev; web
    return _stored(memo, project)


def test_a_second_run_reads_no_lock_and_gives_the_same_verdicts(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    full = list(fresh.check_services(project, project.services))
    document = _remembered(project)
    memo = _memo(project, document)
    with _no_lock_is_read():
        assert _run(project, memo) == full
    assert memo.proven == 0
    assert memo.result() is None  # nothing new: nothing written


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _same_size_same_mtime(path: Path) -> None:
    """Change a byte, then give the file its old modification time back (``cp -p``, ``touch -r``)."""
    status = path.stat()
    data = bytearray(path.read_bytes())
    data[0] = ord("b") if data[0] != ord("b") else ord("c")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def _replace_by_copy(path: Path) -> None:
    """The same bytes and times in a new file (an editor's save-by-rename, a checkout)."""
    copy = path.with_name(path.name + ".new")
    shutil.copy2(path, copy)
    copy.replace(path)


def _link_directory(path: Path) -> None:
    """The directory moved away and a symlink to it put in its place."""
    moved = path.with_name(path.name + ".real")
    path.rename(moved)
    path.symlink_to(moved.name)


API, WEB, SHOP = (
    "services/api/requirements.txt",
    "services/web/requirements.txt",
    "services/shop/requirements.txt",
)
CHANGES: dict[str, tuple[str, Callable[[Path], object], type[fresh.Verdict], str]] = {
    # what changes, how, the verdict it leads to, and a lock that must be checked in full for it
    "an include edited": ("services/api/base.in", lambda p: _append(p, "gamma\n"), fresh.StaleLock, API),
    "an include edited, size and mtime kept": (
        "services/api/base.in",
        _same_size_same_mtime,
        fresh.StaleLock,
        API,
    ),
    "a shared constraint edited": (
        "constraints/shared.txt",
        lambda p: _append(p, "x\n"),
        fresh.StaleLock,
        WEB,
    ),
    "a -c file edited": ("constraints/pins.txt", lambda p: _append(p, "x\n"), fresh.StaleLock, API),
    "a local package's metadata edited": (
        "libs/common/pyproject.toml",
        lambda p: _append(p, "\n[tool.x]\n"),
        fresh.StaleLock,
        API,
    ),
    "a local package gains setup.cfg": (
        "libs/common/setup.cfg",
        lambda p: p.write_text("[metadata]\n", encoding="utf-8"),
        fresh.StaleLock,
        API,
    ),
    "a pyproject service's groups edited": (
        "services/shop/pyproject.toml",
        lambda p: p.write_text(p.read_text(encoding="utf-8").replace('"pytest"', '"pytest", "beta"')),
        fresh.StaleLock,
        SHOP,
    ),
    "the lock edited": (
        "services/web/requirements.txt",
        lambda p: _append(p, "beta==1.0\n"),
        fresh.AlteredLock,
        WEB,
    ),
    "the lock replaced by a copy": ("services/web/requirements.txt", _replace_by_copy, fresh.FreshLock, WEB),
    "the lock removed": ("services/web/requirements.txt", Path.unlink, fresh.MissingLock, WEB),
    "a local packages file appears": (
        "services/web/requirements.local.txt",
        lambda p: p.write_text("x\n", encoding="utf-8"),
        fresh.StaleLocalFile,
        WEB,
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_to_anything_a_verdict_rests_on_gets_a_full_check(tmp_path: Path, change: str) -> None:
    project = _repo(tmp_path)
    document = _remembered(project)
    relative, act, expected, affected = CHANGES[change]
    act(project.root / relative)
    memo = _memo(project, document)
    verdicts = _run(project, memo)
    assert verdicts == list(fresh.check_services(project, project.services))
    assert any(isinstance(v, expected) for v in verdicts), verdicts
    assert affected not in memo.hits
    assert memo.hits or "shared" in change  # what did not change was taken from the cache


def test_a_service_directory_turned_into_a_link_is_checked_in_full(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    document = _remembered(project)
    _link_directory(project.root / "services/web")
    memo = _memo(project, document)
    verdicts = _run(project, memo)
    assert verdicts == list(fresh.check_services(project, project.services))
    assert "services/web/requirements.txt" in memo.dropped


def test_a_verdict_needs_the_same_settings_and_compiler(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    document = _remembered(project)
    newer = _project(project.root, FakeCompiler(version="2.0"))
    memo = _memo(newer, document)
    verdicts = _run(newer, memo)
    assert all(isinstance(v, fresh.StaleLock) for v in verdicts)
    assert memo.kept == {}


def test_files_written_just_now_prove_nothing(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    memo = freshcache.Memo(str(project.root), CODE, None, now_ns=time.time_ns())
    assert all(isinstance(v, fresh.FreshLock) for v in _run(project, memo))
    assert memo.proven == 0
    assert memo.result() is None


def test_a_run_over_some_services_keeps_the_others_verdicts(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    remembered = _remembered(project)
    shop = "services/shop/requirements.txt"
    without_shop = freshcache.Document(
        CODE, remembered.root, remembered.keys, {k: v for k, v in remembered.locks.items() if k != shop}
    )
    _append(project.root / "services/web/requirements.in", "gamma\n")
    memo = _memo(project, without_shop)
    assert isinstance(
        next(fresh.check_services(project, (project.service("shop"),), memo=memo)), fresh.FreshLock
    )
    stored = _stored(memo, project)
    # api's verdicts still hold and are kept; web's rests on a file that changed: dropped...
    assert set(stored.locks) == set(remembered.locks) - {"services/web/requirements.txt"}
    # ...and a run over web finds the change.
    memo = _memo(project, stored)
    assert isinstance(
        next(fresh.check_services(project, (project.service("web"),), memo=memo)), fresh.StaleLock
    )


def test_an_uv_workspace_is_checked_in_full_every_time(tmp_path: Path) -> None:
    root = monorepo(
        tmp_path / "repo",
        {},
        pyproject='[tool.nox_support]\ncompiler = "uv"\n\n[tool.uv.workspace]\nmembers = ["services/*"]\n',
    )
    write(
        root / "services/api/pyproject.toml",
        '[project]\nname = "api"\nversion = "1"\ndependencies = ["alpha"]\n',
    )
    project = _project(root)
    for service in project.services:
        lock_service(project, service, LockArgs(KeepPins(), force=False))
    memo = _memo(project)
    assert all(isinstance(v, fresh.FreshLock) for v in _run(project, memo))
    assert memo.proven == 0  # the members' globs decide what is read: no proof from paths alone


def test_broken_inputs_are_never_remembered(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    (project.root / "services/api/base.in").unlink()
    memo = _memo(project)
    verdicts = _run(project, memo)
    assert any(isinstance(v, fresh.BrokenInputs) for v in verdicts)
    assert "services/api/requirements.txt" not in memo.kept
    assert "services/api/requirements-dev.txt" in memo.kept  # its inputs do not include base.in
    assert isinstance(verdicts[0], fresh.BrokenInputs)
    assert isinstance(verdicts[0].error, NoxSupportError)


UV_SOURCES = """
[tool.nox_support]
compiler = "uv"
constraints = ["constraints/shared.txt"]
"""


def _uv_repo(tmp_path: Path) -> Project:
    """:func:`_repo` with uv settings, and a service whose local package comes from a uv path source."""
    root = tmp_path / "repo"
    write(
        root / "services/cart/pyproject.toml",
        """
        [project]
        name = "cart"
        version = "1"
        dependencies = ["common", "alpha"]

        [tool.uv.sources]
        common = { path = "../../libs/common" }
        """,
    )
    return _repo(tmp_path, settings=UV_SOURCES)


@pytest.mark.parametrize("make", [_repo, _uv_repo], ids=["pip-tools", "uv sources"])
def test_every_path_a_full_check_touches_is_in_its_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[Path], Project]
) -> None:
    """Spy on the calls that look at a file; each path looked at inside the repository backs the proof.

    A lookup the proof missed would let a change there go unseen: this is what keeps the
    collector's notes (``Lookups``) complete as it grows.
    """
    project = make(tmp_path)
    root = str(project.root)
    touched: list[str] = []
    for name in ("stat", "lstat", "open", "scandir", "listdir", "access"):
        real = getattr(os, name)

        def spy(
            path: object = ".", *args: object, _real: Callable[..., object] = real, **kwargs: object
        ) -> object:
            if isinstance(path, str | os.PathLike):
                touched.append(os.path.normpath(Path(root, os.fspath(path))))
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, spy)
    memo = _memo(project)
    base = fresh.project_context(project)
    proven = 0
    for service in project.services:
        for layer in service.layers:
            touched.clear()
            assert isinstance(fresh.remembered_check(project, service, layer, memo, base), fresh.FreshLock)
            entry = memo.kept[os.path.relpath(layer.lock, root)]
            looked = {os.path.relpath(p, root) for p in touched if p.startswith(root + os.sep)}
            assert looked - entry.paths == set(), f"{layer.lock}: looked at but not in its proof"
            proven += 1
    assert proven == memo.proven >= 5


# --- the session -------------------------------------------------------------------------------


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock ahead of the files, so that those just written count as settled."""
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 10 * SETTLE_NS)


def _session_run(project: Project, *posargs: str) -> RecordingSession:
    session = RecordingSession(posargs=posargs)
    run_freshness(session.as_nox(), project)
    return session


@pytest.mark.usefixtures("later")
def test_the_session_says_which_verdicts_came_from_the_cache(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    assert _session_run(project).logs == ["all 5 locks are fresh"]
    path = freshcache.cache_file(str(project.root))
    assert path is not None
    assert path.is_file()
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert _session_run(project).logs == [
        "all 5 locks are fresh (5 unchanged since a run proved them; -- --no-cache reads them all)"
    ]
    assert _session_run(project, "--no-cache").logs == ["all 5 locks are fresh"]
    _append(project.root / "services/web/requirements.in", "gamma\n")
    stale = RecordingSession()
    with pytest.raises(StaleLockError, match="1 of 5 locks are not fresh"):
        run_freshness(stale.as_nox(), project)


@pytest.mark.usefixtures("later")
def test_the_cache_can_be_switched_off_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _repo(tmp_path)
    monkeypatch.setenv(freshcache.DISABLE, "1")
    _session_run(project)
    assert _session_run(project).logs == ["all 5 locks are fresh"]
    monkeypatch.delenv(freshcache.DISABLE)
    path = freshcache.cache_file(str(project.root))
    assert path is not None
    assert not path.exists()


def test_no_cache_where_owners_and_modes_cannot_be_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "name", "nt")
    assert usercache.cache_home({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) is None


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"XDG_CACHE_HOME": "/xdg", "HOME": "/h"}, "linux", "/xdg"),
        ({"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "linux", "/h/.cache"),
        ({"HOME": "/h"}, "darwin", "/h/Library/Caches"),
        ({}, "linux", None),
    ],
)
def test_where_the_users_caches_live(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], platform: str, expected: str | None
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    home = usercache.cache_home(environ)
    assert (None if home is None else str(home)) == expected


# --- races and odd files (found in review) ----------------------------------------------------


def test_an_edit_during_the_run_is_never_remembered_as_what_was_checked(tmp_path: Path) -> None:
    """A shared file edited after one lock's check read it, before the run saves: no stale FRESH later."""
    project = _repo(tmp_path)
    api, web = project.service("api"), project.service("web")
    first = _memo(project)
    list(fresh.check_services(project, (api,), memo=first))
    memo = _memo(project, _stored(first, project))  # web has no entry yet: it is checked in full
    for verdict in fresh.check_services(project, (web,), memo=memo):
        assert isinstance(verdict, fresh.FreshLock)
        write(project.root / "constraints/shared.txt", "beta<2\n")  # lands before the save
    later = _memo(project, _stored(memo, project))
    assert list(fresh.check_services(project, (web,), memo=later)) == list(
        fresh.check_services(project, (web,))
    )
    assert later.hits == set()


@pytest.mark.parametrize("vanishing", ["services/web/requirements.txt", "services/web/requirements.in"])
def test_a_file_gone_between_the_read_and_the_proof_proves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vanishing: str
) -> None:
    """A branch switch in another terminal right after the check read the file."""
    project = _repo(tmp_path)
    real = fresh._check

    def racing(*args: Any) -> Any:
        verdict = real(*args)
        (project.root / vanishing).unlink(missing_ok=True)
        return verdict

    monkeypatch.setattr(fresh, "_check", racing)
    memo = _memo(project)
    assert isinstance(
        next(fresh.check_services(project, (project.service("web"),), memo=memo)), fresh.FreshLock
    )
    assert memo.proven == 0


def test_a_proof_the_stored_grammar_could_not_hold_is_not_made(tmp_path: Path) -> None:
    """A file dated before 1970 (an old archive) would make the whole cache unreadable."""
    project = _repo(tmp_path)
    os.utime(project.root / "services/web/requirements.in", ns=(-(10**18), -(10**18)))
    memo = _memo(project)
    assert all(isinstance(v, fresh.FreshLock) for v in _run(project, memo))
    assert "services/web/requirements.txt" not in memo.kept
    assert memo.proven == 4
    _stored(memo, project)  # and what is stored reads back
    assert not memo.prove(str(project.root / "x"), "e" * 64, [(str(project.root / "services/a\nb"), ABSENT)])


def test_a_path_that_changed_between_two_proofs_of_one_run_proves_nothing(tmp_path: Path) -> None:
    """A missing file (no time to settle) remembered by one proof must not stand for another's read."""
    project = _repo(tmp_path)
    write(project.root / "services/cart/requirements.in", "../../libs/common\n")
    setup_cfg = project.root / "libs/common/setup.cfg"
    write(setup_cfg, "[metadata]\n")
    project = _project(project.root)
    lock_service(project, project.service("cart"), LockArgs(KeepPins(), force=False))  # with setup.cfg
    setup_cfg.unlink()
    lock_service(project, project.service("api"), LockArgs(KeepPins(), force=False))  # without it
    api, cart = project.service("api"), project.service("cart")
    memo = _memo(project)
    for verdict in fresh.check_services(project, (api, cart), memo=memo):
        assert isinstance(verdict, fresh.FreshLock), verdict
        if verdict.service == "api":  # proven with setup.cfg missing; back before cart is checked
            write(setup_cfg, "[metadata]\n")
    assert "services/cart/requirements.txt" not in memo.kept
    setup_cfg.unlink()
    later = _memo(project, _stored(memo, project))
    assert list(fresh.check_services(project, (cart,), memo=later)) == list(
        fresh.check_services(project, (cart,))
    )
