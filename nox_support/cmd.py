"""The single place where nox-support runs external commands.

Commands are argument tuples, never shell strings.  A failure raises
:class:`~nox_support.errors.CommandError` with the command, exit code and
stderr, so callers decide what the failure means for the user.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nox_support.errors import CommandError, CommandNotFoundError


@dataclass(frozen=True)
class CommandResult:
    """What a finished command printed."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> CommandResult:
    """Run *command* and capture its output.

    ``env`` replaces the environment entirely when given (callers build it
    with :func:`clean_env`).  With ``check`` a non-zero exit raises
    :class:`CommandError`.
    """
    args = tuple(str(a) for a in command)
    executable = _which(args[0], env)
    try:
        proc = subprocess.run(  # noqa: S603 - argument tuple, no shell
            (executable, *args[1:]),
            cwd=cwd,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(
            args, -1, f"timed out after {timeout} s", hint="raise the timeout or check the network"
        ) from exc
    result = CommandResult(args, proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise CommandError(args, proc.returncode, proc.stderr, proc.stdout)
    return result


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
