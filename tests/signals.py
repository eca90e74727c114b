"""Child processes of signal tests start with default signal dispositions, as from a terminal."""

from __future__ import annotations

import signal


def default_signals() -> None:
    """``preexec_fn``: SIGINT and SIGTERM back to their defaults in the child.

    A suite started in the background of a non-interactive shell, or under ``nox -s latest``,
    inherits SIGINT ignored (and its children SIGTERM too), which no user's session has: the
    tests that interrupt a session must not depend on how the suite itself was started.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
