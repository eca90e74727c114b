"""Ctrl-C or SIGTERM at any moment of a lock leaves the old lock byte-identical and no temp file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.repos import ROOT, monorepo
from tests.signals import default_signals

# Runs lock_service in a child process; PHASE decides where it blocks until signalled.
DRIVER = r"""
import sys, time
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from nox_support.lock import orchestrate as lock
from nox_support.lock.compile.interface import KeepPins
from nox_support.project import Project
from tests.fakes import FakeCompiler

root, phase = Path(sys.argv[1]), sys.argv[2]
ready = root / "ready"

def block():
    ready.write_text("x")
    time.sleep(60)

def during_compile(request, output):
    output.write_text(output.read_text()[:40])  # a half-written output, like an interrupted pip-compile
    block()

compiler = FakeCompiler(on_compile=during_compile if phase == "compile" else None)
if phase == "write":
    import os
    real_fsync = os.fsync
    def slow_fsync(fd):  # the new lock is in its temporary file, not yet renamed
        block()
        real_fsync(fd)
    os.fsync = slow_fsync

project = Project.load(root)
args = lock.LockArgs(KeepPins(), force=True)
lock.lock_service(replace(project, compiler=compiler), project.service("api"), args)
"""

REAL_DRIVER = r"""
import os, sys
from pathlib import Path
from nox_support.lock import orchestrate as lock
from nox_support.lock.compile.interface import KeepPins
from nox_support.project import Project
root = Path(sys.argv[1])
project = Project.load(root)
args = lock.LockArgs(KeepPins(), force=True)
# Only the compiler process started below sees these: this process already ran its sitecustomize.
os.environ["NOX_SUPPORT_TEST_BLOCK"] = str(root / "ready")
os.environ["NOX_SUPPORT_TEST_PHASE"] = sys.argv[2]
lock.lock_service(project, project.service("api"), args)
"""

# Put on PYTHONPATH for the real compiler: it blocks, with the "ready" marker written, either as it
# starts or at its exit, after it wrote its whole output, so the signal lands at a known moment.
COMPILER_HOOK = """
import atexit, os, pathlib, time
ready = os.environ.get("NOX_SUPPORT_TEST_BLOCK")
if ready:
    def block():
        pathlib.Path(ready).write_text(os.environ["NOX_SUPPORT_TEST_PHASE"])
        time.sleep(60)
    if os.environ["NOX_SUPPORT_TEST_PHASE"] == "start":
        block()
    else:
        atexit.register(block)
"""

OLD_LOCK = b"# the committed lock, which must survive\nalpha==1.0 --hash=sha256:0\n"


def _wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"child never reached {path.name}")
        time.sleep(0.02)


def _start(
    root: Path, script: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(root), *extra],
        cwd=root,
        env=env,
        start_new_session=True,  # its own process group, like a terminal job
        preexec_fn=default_signals,  # noqa: PLW1509 - only resets signal dispositions
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _service_dir_is_clean(root: Path) -> None:
    assert (root / "services/api/requirements.txt").read_bytes() == OLD_LOCK
    assert sorted(p.name for p in (root / "services/api").iterdir()) == [
        "requirements.in",
        "requirements.txt",
    ]


@pytest.mark.parametrize("phase", ["compile", "write"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_keeps_old_lock(tmp_path: Path, phase: str, signum: signal.Signals) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"})
    (root / "services/api/requirements.txt").write_bytes(OLD_LOCK)
    child = _start(root, DRIVER, phase, str(ROOT))
    try:
        _wait_for(root / "ready")
        os.killpg(child.pid, signum)
        _out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0, err.decode()
    # SIGTERM is raised as lockfile.Terminated (a KeyboardInterrupt) so that the same cleanup runs.
    expected = {signal.SIGINT: "KeyboardInterrupt", signal.SIGTERM: ".lockfile.Terminated"}[signum]
    assert err.decode().splitlines()[-1].endswith(expected), err.decode()
    _service_dir_is_clean(root)


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["start", "exit"])
def test_real_pip_compile_interrupted_keeps_the_old_lock(
    tmp_path: Path, offline_index: Path, phase: str
) -> None:
    del offline_index
    root = monorepo(tmp_path / "repo", {"api": "alpha\nbeta\ngamma\n"})
    (root / "services/api/requirements.txt").write_bytes(OLD_LOCK)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(COMPILER_HOOK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(hook), str(ROOT)))}
    child = _start(root, REAL_DRIVER, phase, env=env)
    try:
        _wait_for(root / "ready", timeout=120)
        (temporary,) = (p for p in (root / "services/api").iterdir() if p.name.startswith(".nox-support-"))
        # At its start pip-compile sees the old pins; at its exit it has written its whole output,
        # which nox-support has not taken yet.
        assert (b"beta==1.1" in temporary.read_bytes()) is (phase == "exit")
        os.killpg(child.pid, signal.SIGINT)
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0, err.decode()
    assert b"KeyboardInterrupt" in err, err.decode()
    _service_dir_is_clean(root)


def test_kill_9_leftovers_are_removed_by_the_next_run(tmp_path: Path) -> None:
    from nox_support.lock import orchestrate as lock  # noqa: PLC0415
    from nox_support.lock.compile.interface import KeepPins  # noqa: PLC0415
    from nox_support.project import Project  # noqa: PLC0415
    from tests.fakes import FakeCompiler  # noqa: PLC0415

    root = monorepo(tmp_path, {"api": "alpha\n"})
    (root / "services/api/requirements.txt").write_bytes(OLD_LOCK)
    child = _start(root, DRIVER, "compile", str(ROOT))
    try:
        _wait_for(root / "ready")
        os.killpg(child.pid, signal.SIGKILL)  # no handler runs: the temporary file stays
        child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    service_dir = root / "services/api"
    assert (service_dir / "requirements.txt").read_bytes() == OLD_LOCK
    assert [p.name for p in service_dir.iterdir() if p.name.startswith(".nox-support-")] != []

    project = Project.load(root)
    args = lock.LockArgs(KeepPins(), force=False)
    lock.lock_service(replace(project, compiler=FakeCompiler()), project.service("api"), args)
    assert sorted(p.name for p in service_dir.iterdir()) == ["requirements.in", "requirements.txt"]
