"""Commands run from a worker thread: Python lets only the main thread set signal handlers."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from nox_support.core import cmd


def test_outside_the_main_thread_sigterm_handling_is_left_alone_and_commands_still_run() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame

    def work() -> None:
        with cmd.on_sigterm(handler):
            seen.append(signal.getsignal(signal.SIGTERM))
        seen.append(cmd.run((sys.executable, "-c", "print('ran')")).stdout)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert seen == [before, "ran\n"]
    assert signal.getsignal(signal.SIGTERM) is before
