"""The single place where nox-support runs external commands.

Commands are argument tuples, never shell strings.  A failure raises
:class:`~nox_support.core.errors.CommandError` with the command, exit code and
stderr, so callers decide what the failure means for the user.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from nox_support.core.errors import CommandError, CommandNotFoundError


@dataclass(frozen=True)
class CommandResult:
    """What a finished command printed."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


Notice = Callable[[str], str | None]
"""Picks what is worth reporting from one line of output (``None``: nothing)."""


@dataclass(frozen=True)
class Progress:
    """Report a long command every ``interval`` seconds while it runs.

    ``notice`` picks what is worth reporting from one line of output (or
    ``None``); ``report`` receives the seconds elapsed and the last notice.
    """

    interval: float
    report: Callable[[float, str | None], None]
    notice: Notice


# Seconds a child process group gets between SIGTERM and SIGKILL.
_GRACE = 5.0


def run(  # noqa: PLR0913 - keyword options of one runner
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> CommandResult:
    """Run *command* and capture its output.

    ``env`` replaces the environment entirely when given (callers build it
    with :func:`clean_env`).  With ``check`` a non-zero exit raises
    :class:`CommandError`.  The command runs in its own process group, which
    is killed when this process is interrupted (Ctrl-C, SIGTERM) or the
    timeout passes, so compilers and their build subprocesses never outlive
    the session.
    """
    args = tuple(str(a) for a in command)
    executable = _which(args[0], env)
    proc = subprocess.Popen(  # noqa: S603 - argument tuple, no shell
        (executable, *args[1:]),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    watched = _Output(progress.notice if progress else None)
    readers = [
        threading.Thread(target=watched.pump, args=(proc.stdout, watched.stdout), daemon=True),
        threading.Thread(target=watched.pump, args=(proc.stderr, watched.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        with _killed_on_sigterm(proc):
            finished = _wait(proc, timeout, progress, watched)
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        for reader in readers:
            reader.join()
    if not finished:
        raise CommandError(
            args, -1, f"timed out after {timeout} s", hint="raise the timeout or check the network"
        )
    result = CommandResult(args, proc.returncode, "".join(watched.stdout), "".join(watched.stderr))
    if check and proc.returncode != 0:
        raise CommandError(args, proc.returncode, result.stderr, result.stdout)
    return result


class _Output:
    """The lines a command printed, and the last one worth reporting."""

    def __init__(self, notice: Notice | None) -> None:
        self.notice = notice
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.last: str | None = None

    def pump(self, stream: IO[str], into: list[str]) -> None:
        for line in stream:
            into.append(line)
            if self.notice is not None and (noticed := self.notice(line)):
                self.last = noticed
        stream.close()


def _wait(
    proc: subprocess.Popen[str], timeout: float | None, progress: Progress | None, watched: _Output
) -> bool:
    """Wait for *proc*, reporting progress; ``False`` when *timeout* passed (its group is killed)."""
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        waits = [
            w for w in (progress.interval if progress else None, _left(timeout, elapsed)) if w is not None
        ]
        try:
            proc.wait(timeout=min(waits) if waits else None)
        except subprocess.TimeoutExpired:
            elapsed = time.monotonic() - started
            if timeout is not None and elapsed >= timeout:
                _kill_group(proc)
                return False
            if progress is not None:
                progress.report(elapsed, watched.last)
        else:
            return True


def _left(timeout: float | None, elapsed: float) -> float | None:
    return None if timeout is None else max(timeout - elapsed, 0.0)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM the command's process group, SIGKILL it if it lingers."""
    if proc.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # orphans left by a finished leader
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextlib.contextmanager
def _killed_on_sigterm(proc: subprocess.Popen[str]) -> Iterator[None]:
    """While the block runs, SIGTERM first kills *proc*'s group, then does what it did before."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: FrameType | None) -> None:
        # No waiting here: the interrupted frame may hold the Popen's wait lock.  A handler
        # that raises (lock's Terminated) reaches run(), which then kills and reaps the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    # Not the main thread: Ctrl-C and the caller's handlers still kill the group.
    with on_sigterm(on_term):
        yield


@contextlib.contextmanager
def on_sigterm(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Call *handler* on SIGTERM while the block runs, then restore the previous handler.

    Python lets only the main thread install handlers; elsewhere nothing changes.
    """
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def display(command: Sequence[str]) -> str:
    """Shell-quoted form of *command*, for logs and messages."""
    return shlex.join(str(a) for a in command)


def clean_env(
    base: Mapping[str, str] | None = None,
    *,
    drop_prefixes: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A copy of *base* (default ``os.environ``) without variables starting with *drop_prefixes*."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith(drop_prefixes)}
    if extra:
        env.update(extra)
    return env


def _which(program: str, env: Mapping[str, str] | None) -> str:
    if os.sep in program or (os.altsep and os.altsep in program):
        if not Path(program).exists():
            msg = f"executable not found: {program}"
            raise CommandNotFoundError(msg, hint="recreate the environment that should contain it")
        return program
    path = (env or os.environ).get("PATH", os.defpath)
    found = shutil.which(program, path=path)
    if found is None:
        msg = f"executable {program!r} not found on PATH ({path})"
        raise CommandNotFoundError(msg, hint=f"install {program} or add its directory to PATH")
    return found
