"""Run the real Nox on a test monorepo: the one way tests start ``nox`` as a process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def nox_command(*args: str) -> list[str]:
    """The argument list that runs this environment's Nox, without colours, with *args*."""
    return [sys.executable, "-m", "nox", "--no-color", *args]


def run_nox(
    root: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``nox *args`` on the ``noxfile.py`` in *root*, output captured; never raises on failure.

    *env* replaces the environment (default: this process's, with the test's monkeypatches).
    """
    return subprocess.run(
        nox_command(*args),
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=None if env is None else dict(env),
    )
