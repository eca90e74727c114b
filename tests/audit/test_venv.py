"""nox_support.venv: sync semantics, hash checking, stamp no-op, rebuilds, busy lock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nox_support import _compat
from nox_support.core import cmd
from nox_support.core.errors import NoxSupportError
from nox_support.core.filelock import BusyError, exclusive
from nox_support.project import Project
from nox_support.venv import plan as venv_plan
from nox_support.venv import stamp as venv_stamp
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from tests.audit.conftest import FakeSession, hashed_lock, make_repo
from tests.repos import stamp_lock, write

pytestmark = pytest.mark.slow


def site_names(result: venv_values.SyncResult) -> set[str]:
    site = next(result.venv.glob("lib/*/site-packages"))
    return {p.name for p in site.iterdir() if p.name.endswith(".dist-info")}


def sync(root: Path, service: str = "svc", backend: str = "uv") -> venv_values.SyncResult:
    svc = Project.load(root).service(service)
    session = FakeSession(root / ".nox" / f"audit-{service}", backend=backend)
    return venv_sync.sync_venv(session.as_nox(), svc, (svc.main.lock,), purpose="audit")


@pytest.fixture
def repo(tmp_path: Path, offline_env: Path) -> Path:
    return make_repo(tmp_path / "repo", offline_env, {"svc": {"alpha": "1.0", "beta": "1.0"}})


def set_lock(root: Path, wheelhouse: Path, pins: dict[str, str]) -> None:
    write(root / "services/svc/requirements.txt", hashed_lock(wheelhouse, pins, local=("../../libs/common",)))
    stamp_lock(root, "svc")


def test_new_venv_holds_exactly_the_lock_then_is_a_no_op(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = sync(repo)
    assert isinstance(first, venv_values.Synced)
    assert first.reason == "new venv"
    assert site_names(first) == {"alpha-1.0.dist-info", "beta-1.0.dist-info", "acme_common-0.3.0.dist-info"}
    assert [(p.name, p.path) for p in first.stamp.local_packages] == [("acme-common", "../../libs/common")]

    def no_process(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the no-op path must not start a process")

    monkeypatch.setattr(cmd, "run", no_process)
    second = sync(repo)
    assert isinstance(second, venv_values.AlreadySynced)
    assert second.stamp == first.stamp


def test_lock_change_resyncs_and_removes_what_the_lock_dropped(repo: Path, offline_env: Path) -> None:
    sync(repo)
    set_lock(repo, offline_env, {"alpha": "1.1"})
    result = sync(repo)
    assert isinstance(result, venv_values.Synced)
    assert result.reason == "lock changed (requirements.txt)"
    assert site_names(result) == {"alpha-1.1.dist-info", "acme_common-0.3.0.dist-info"}


def test_packages_installed_by_hand_are_removed(repo: Path) -> None:
    first = sync(repo)
    cmd.run(
        ("uv", "pip", "install", "--python", str(first.venv / "bin" / "python"), "epsilon"),
        env=cmd.clean_env(extra={"PATH": str(Path(sys.executable).parent)}),
    )
    result = sync(repo)
    assert isinstance(result, venv_values.Synced)
    assert "outside nox-support" in result.reason
    assert "epsilon-0.5.dist-info" not in site_names(result)


def test_interrupted_creation_is_rebuilt(repo: Path) -> None:
    first = sync(repo)
    (first.venv / venv_stamp.STAMP_NAME).unlink()
    result = sync(repo)
    assert isinstance(result, venv_values.Rebuilt)
    assert "no stamp" in result.reason
    assert (result.venv / venv_stamp.STAMP_NAME).is_file()


def test_rebuild_is_decided_from_the_stamp_and_the_venv_contents() -> None:
    def reason(contents: tuple[str, ...], *, stamp_present: bool = False) -> str | None:
        return venv_plan.rebuild_reason(
            None, stamp_present=stamp_present, contents=contents, interpreter="3.11.7 /py 1:1", broken=None
        )

    assert reason(()) is None  # uv's new venv
    seed = ("pip-25.0.dist-info", "setuptools-80.0.dist-info", "wheel-0.45.dist-info")
    assert reason(seed) is None  # virtualenv's new venv
    assert reason((*seed, "alpha-1.0.dist-info")) == "no stamp (an earlier creation or sync was interrupted)"
    assert reason(("alpha-1.0.dist-info",), stamp_present=True) == "unreadable stamp"


def test_interpreter_change_and_broken_venv_are_rebuilt(repo: Path) -> None:
    first = sync(repo)
    stamp = json.loads((first.venv / venv_stamp.STAMP_NAME).read_text(encoding="utf-8"))
    stamp["interpreter"] = "3.11.0 /opt/old/python 1:1"
    (first.venv / venv_stamp.STAMP_NAME).write_text(json.dumps(stamp), encoding="utf-8")
    changed = sync(repo)
    assert isinstance(changed, venv_values.Rebuilt)
    assert changed.reason.startswith("interpreter changed (3.11.0 /opt/old/python -> ")

    # A venv Nox still reuses but that cannot hold packages any more.
    shutil.rmtree(next(changed.venv.glob("lib/*/site-packages")))
    broken = sync(repo)
    assert isinstance(broken, venv_values.Rebuilt)
    assert broken.reason == "broken venv (site-packages is missing)"
    assert isinstance(sync(repo), venv_values.AlreadySynced)


def test_hash_mismatch_refuses_to_install(repo: Path, offline_env: Path) -> None:
    lock = repo / "services/svc/requirements.txt"
    good = hashed_lock(offline_env, {"alpha": "1.0"})
    other = hashed_lock(offline_env, {"alpha": "1.1"}).split("--hash=")[1]
    lock.write_text(good.split("--hash=")[0] + "--hash=" + other, encoding="utf-8")
    stamp_lock(repo, "svc")
    with pytest.raises(NoxSupportError, match=r"(?i)hash"):
        sync(repo)
    assert not (repo / ".nox/audit-svc" / venv_stamp.STAMP_NAME).exists()


def test_unhashed_or_unpinned_locks_are_refused(repo: Path) -> None:
    write(repo / "services/svc/requirements.txt", "alpha==1.0\n")
    stamp_lock(repo, "svc")
    with pytest.raises(
        venv_values.VenvError,
        match=r"lock requirements.txt line 4 is outside the lock grammar \(a pin without --hash",
    ):
        sync(repo)
    write(repo / "services/svc/requirements.txt", "alpha>=1.0 --hash=sha256:00\n")
    stamp_lock(repo, "svc")
    with pytest.raises(venv_values.VenvError, match="a requirement not pinned with =="):
        sync(repo)


def test_a_virtualenv_venv_is_synced_by_uv(repo: Path) -> None:
    first = sync(repo, backend="virtualenv")
    assert first.stamp.installer == "uv"
    assert isinstance(first, venv_values.Synced)
    assert first.reason == "new venv"  # only virtualenv's seed packages: no rebuild
    assert site_names(first) == {"alpha-1.0.dist-info", "beta-1.0.dist-info", "acme_common-0.3.0.dist-info"}


def test_pip_fallback_without_uv_syncs_without_pip_in_the_venv(
    repo: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_compat, "uv_binary", lambda: None)  # a platform without a uv wheel
    first = sync(repo, backend="virtualenv")
    assert first.stamp.installer == "pip"
    assert site_names(first) == {"alpha-1.0.dist-info", "beta-1.0.dist-info", "acme_common-0.3.0.dist-info"}
    set_lock(repo, offline_env, {"alpha": "2.0"})
    second = sync(repo, backend="virtualenv")
    assert site_names(second) == {"alpha-2.0.dist-info", "acme_common-0.3.0.dist-info"}


def test_a_busy_venv_waits_then_says_so(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = sync(repo)
    monkeypatch.setenv("NOX_SUPPORT_VENV_TIMEOUT", "0.3")
    holder = exclusive(first.venv.with_name(first.venv.name + ".sync-lock"), timeout=1, what="test")
    with holder, pytest.raises(BusyError, match=r"the audit venv of service 'svc' is busy"):
        sync(repo)


def test_concurrent_syncs_in_two_processes_serialise(repo: Path, offline_env: Path) -> None:
    sync(repo)
    set_lock(repo, offline_env, {"alpha": "1.1", "beta": "1.1"})
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from tests.audit.test_venv import sync; r = sync(Path(sys.argv[1])); print(type(r).__name__)"
    )
    root = str(Path(__file__).resolve().parents[2])
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(repo), root], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == ["AlreadySynced", "Synced"]
    assert isinstance(sync(repo), venv_values.AlreadySynced)
