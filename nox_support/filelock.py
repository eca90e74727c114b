"""An advisory inter-process lock with a timeout and a clear "busy" error."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nox_support.errors import NoxSupportError


class BusyError(NoxSupportError):
    """Another process holds the lock for longer than the timeout."""


@contextmanager
def exclusive(path: Path, *, timeout: float, what: str, poll: float = 0.05) -> Iterator[None]:
    """Hold an exclusive ``flock`` on *path* (created if needed) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    msg = f"{what} is busy: another nox-support run holds {path} (waited {timeout:g} s)"
                    raise BusyError(
                        msg,
                        hint="wait for the other run to finish, or remove the lock file if none is running",
                    ) from None
                time.sleep(poll)
        yield
    finally:
        os.close(fd)
