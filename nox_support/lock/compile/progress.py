"""A line every 30 s while a compiler runs: elapsed time and what it was last seen doing.

pip-compile (run with ``--verbose``) names little while it resolves from
package metadata: resolution rounds, discarded pins, downloads, builds and the
packages it hashes.  uv (``-v``) names every package it searches a version
for.  The parsers below pick those out of single lines (pure).
"""

from __future__ import annotations

import logging
import re

from nox_support.core import cmd

PROGRESS_INTERVAL = 30.0
UV_HINT = 'compiler = "uv" in [tool.nox_support] resolves the same pins and hashes much faster'


_ROUND = re.compile(r"^\s*ROUND (?P<round>\d+)\s*$")
_PIP_ACTION = re.compile(r"^ {0,2}(?:Collecting|Processing|Obtaining) (?P<what>\S+)")
_DISCARDING = re.compile(r"^\s*Discarding (?P<what>\S+)")
_HASHING = re.compile(r"^  (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*$")
_EGG_INFO = re.compile(r"writing (?:\S*/)?(?P<name>[^/\s]+)\.egg-info/PKG-INFO")
_UV_SEARCH = re.compile(r"^DEBUG Searching for a compatible version of (?P<name>\S+)")
_UV_SELECT = re.compile(r"^DEBUG Selecting: (?P<what>\S+)")


def piptools_notice(line: str) -> str | None:
    """What one line of ``pip-compile --verbose`` says it is doing, if anything."""
    if match := _ROUND.match(line):
        return f"resolution round {match.group('round')}"
    if match := _PIP_ACTION.match(line):
        return f"collecting {match.group('what')}"
    if match := _DISCARDING.match(line):
        return f"discarding {match.group('what')}"
    if match := _EGG_INFO.search(line):
        return f"building {match.group('name')}"
    if match := _HASHING.match(line):
        return f"hashing {match.group('name')}"
    return None


def uv_notice(line: str) -> str | None:
    """What one line of ``uv pip compile -v`` says it is doing, if anything."""
    if match := _UV_SEARCH.match(line):
        return f"resolving {match.group('name')}"
    if match := _UV_SELECT.match(line):
        return f"selected {match.group('what')}"
    return None


def progress_line(service: str, program: str, elapsed: float, last: str | None, *, hint: str | None) -> str:
    """``orders: pip-compile still running (60 s; last: hashing botocore)`` plus *hint* (pure)."""
    seen = f"; last: {last}" if last else ""
    line = f"{service}: {program} still running ({elapsed:.0f} s{seen})"
    return f"{line}; {hint}" if hint else line


def compile_progress(
    service: str, program: str, notice: cmd.Notice, *, interval: float, slow_hint: str | None
) -> cmd.Progress:
    """A :class:`cmd.Progress` that logs :func:`progress_line` (with *slow_hint* the first time)."""
    reported: list[float] = []

    def report(elapsed: float, last: str | None) -> None:
        # The logger session.log() writes to; looked up when used, never created at import:
        # created before nox.logger sets its logger class, it would lack Nox's output level.
        logging.getLogger("nox").info(
            progress_line(service, program, elapsed, last, hint=None if reported else slow_hint)
        )
        reported.append(elapsed)

    return cmd.Progress(interval, report, notice)
