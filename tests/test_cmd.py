"""The one command runner: progress while it runs, and no child outliving the session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nox_support.core import cmd
from nox_support.core.errors import CommandError, CommandNotFoundError
from tests.signals import default_signals

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    """Whether *pid* runs (a zombie waiting for a reaper counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_progress_reports_elapsed_time_and_the_last_noticed_line(tmp_path: Path) -> None:
    done = tmp_path / "done"
    child = textwrap.dedent(
        f"""
        import pathlib, sys, time
        print("Collecting alpha", flush=True)
        print("noise", file=sys.stderr, flush=True)
        deadline = time.monotonic() + 60
        while not pathlib.Path({str(done)!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        print("finished")
        """
    )
    reports: list[tuple[float, str | None]] = []

    def report(elapsed: float, last: str | None) -> None:
        reports.append((elapsed, last))
        if last == "alpha":
            done.touch()  # the child ends once the report named what it printed

    def notice(line: str) -> str | None:
        return line.split()[1] if line.startswith("Collecting ") else None

    result = cmd.run((sys.executable, "-c", child), progress=cmd.Progress(0.02, report, notice))

    assert result.stdout == "Collecting alpha\nfinished\n"
    assert result.stderr == "noise\n"
    assert reports
    assert reports[-1][1] == "alpha"
    assert all(elapsed > 0 for elapsed, _ in reports)


def test_timeout_kills_the_command_and_raises() -> None:
    with pytest.raises(CommandError, match=r"timed out after 0\.2 s"):
        cmd.run((sys.executable, "-c", "import time; time.sleep(60)"), timeout=0.2)


_SESSION = """
import sys
sys.path.insert(0, {root!r})
from nox_support.core import cmd
# The "compiler" starts a grandchild (like pip's build subprocesses) and waits.
script = "sleep 300 & echo $! > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}; wait"
cmd.run(("sh", "-c", script))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_children_die_with_the_session(tmp_path: Path, signum: signal.Signals) -> None:
    pidfile = tmp_path / "grandchild.pid"
    session = subprocess.Popen(
        [sys.executable, "-c", _SESSION.format(root=str(ROOT), pidfile=pidfile)],
        stderr=subprocess.DEVNULL,
        preexec_fn=default_signals,  # noqa: PLW1509 - only resets signal dispositions
    )
    try:
        _wait_for(pidfile.exists, "the grandchild to start")
        grandchild = int(pidfile.read_text())
        assert _alive(grandchild)
        session.send_signal(signum)
        session.wait(timeout=60)
        _wait_for(lambda: not _alive(grandchild), f"grandchild {grandchild} to die")
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()
        if pidfile.exists() and _alive(int(pidfile.read_text())):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert session.returncode != 0


def test_a_failing_command_raises_with_its_exit_code_and_stderr_tail(tmp_path: Path) -> None:
    script = (
        "import sys; print('partial output'); sys.stderr.write('line 1\\nboom: it broke\\n'); sys.exit(3)"
    )
    with pytest.raises(CommandError) as info:
        cmd.run((sys.executable, "-c", script), cwd=tmp_path)
    error = info.value
    assert error.returncode == 3
    assert error.stdout == "partial output\n"
    shown = cmd.display((sys.executable, "-c", script))
    assert str(error) == f"command failed with exit code 3: {shown}\nline 1\nboom: it broke"
    result = cmd.run((sys.executable, "-c", script), cwd=tmp_path, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (
        3,
        "partial output\n",
        "line 1\nboom: it broke\n",
    )


def test_a_missing_executable_names_the_path_it_searched(tmp_path: Path) -> None:
    with pytest.raises(CommandNotFoundError) as info:
        cmd.run(("no-such-tool-xyz", "--version"), env={"PATH": str(tmp_path)})
    assert str(info.value) == (
        f"executable 'no-such-tool-xyz' not found on PATH ({tmp_path})\n"
        "  hint: install no-such-tool-xyz or add its directory to PATH"
    )
    with pytest.raises(CommandNotFoundError, match=r"executable not found: /nowhere/bin/python"):
        cmd.run(("/nowhere/bin/python", "-V"))


def test_clean_env_drops_prefixes_and_adds_extras() -> None:
    base = {"PIP_INDEX_URL": "file:///x", "UV_CACHE_DIR": "/c", "PATH": "/bin", "HOME": "/h"}
    assert cmd.clean_env(base, drop_prefixes=("PIP_", "UV_"), extra={"PATH": "/venv/bin"}) == {
        "PATH": "/venv/bin",
        "HOME": "/h",
    }
    assert cmd.clean_env(base) == base
    assert cmd.clean_env(base) is not base


def test_display_quotes_for_a_shell() -> None:
    assert cmd.display(("pip", "install", "a b", "x;rm -rf /", Path("/p q"))) == (  # type: ignore[arg-type]
        "pip install 'a b' 'x;rm -rf /' '/p q'"
    )
