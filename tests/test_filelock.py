"""The inter-process lock: exclusive across processes, a clear BusyError on timeout."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nox_support.core.errors import NoxSupportError
from nox_support.core.filelock import BusyError, exclusive

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from nox_support.core.filelock import exclusive
    with exclusive(Path(sys.argv[1]), timeout=5, what="the holder"):
        print("held", flush=True)
        sys.stdin.readline()  # hold until the test says so
    """
)


def test_another_process_holding_the_lock_is_a_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "venv.lock"  # missing parents are created
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(BusyError) as info, exclusive(path, timeout=0.2, what="the audit venv of api"):
            pytest.fail("acquired a lock another process holds")
        assert isinstance(info.value, NoxSupportError)
        assert str(info.value) == (
            f"the audit venv of api is busy: another nox-support run holds {path} (waited 0.2 s)\n"
            "  hint: wait for the other run to finish, or remove the lock file if none is running"
        )
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    with exclusive(path, timeout=5, what="x"):  # released by the holder: free again
        pass


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with pytest.raises(RuntimeError), exclusive(path, timeout=1, what="x"):
        raise RuntimeError
    entered = []
    with exclusive(path, timeout=0, what="x"):
        entered.append(True)
    assert entered == [True]


def test_the_lock_is_not_reentrant_within_a_process(tmp_path: Path) -> None:
    # thread_local=False and one lock object per call: a second holder in this process waits too.
    path = tmp_path / "x.lock"
    with (
        exclusive(path, timeout=1, what="x"),
        pytest.raises(BusyError),
        exclusive(path, timeout=0.1, what="x"),
    ):
        pass


def test_acquiring_logs_nothing_at_debug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with exclusive(tmp_path / "x.lock", timeout=1, what="x"):
        pass
    assert [r for r in caplog.records if r.name == "filelock"] == []
