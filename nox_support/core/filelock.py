"""An advisory inter-process lock with a timeout and a clear "busy" error.

A thin wrapper over the `filelock <https://py-filelock.readthedocs.io>`_
package (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so the package
imports and locks on every platform.  What stays here is only the
translation of a timeout into :class:`BusyError` with a message that names
what is busy and how to proceed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from nox_support.core.errors import NoxSupportError

# filelock logs every acquire and release at DEBUG, and Nox shows DEBUG: keep session logs readable.
logging.getLogger("filelock").setLevel(logging.WARNING)


class BusyError(NoxSupportError):
    """Another process holds the lock for longer than the timeout."""


@contextmanager
def exclusive(path: Path, *, timeout: float, what: str, poll: float = 0.05) -> Iterator[None]:
    """Hold an exclusive lock on *path* (created if needed) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # thread_local=False: the lock belongs to the process (as flock did), not to one thread.
    lock = filelock.FileLock(path, timeout=timeout, thread_local=False)
    try:
        lock.acquire(poll_interval=poll)
    except filelock.Timeout:
        msg = f"{what} is busy: another nox-support run holds {path} (waited {timeout:g} s)"
        raise BusyError(
            msg, hint="wait for the other run to finish, or remove the lock file if none is running"
        ) from None
    try:
        yield
    finally:
        lock.release()
