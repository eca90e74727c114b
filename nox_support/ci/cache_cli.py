"""The command lines of ``nox-support cache-entries`` and ``cache-saves`` (see :mod:`.cache_steps`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nox_support.core import logsafe
from nox_support.core.outputs import append_text


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register both commands on the ``nox-support`` parser."""
    entries = commands.add_parser(
        "cache-entries",
        help="name the per-service actions/cache entries of a matrix job's sessions",
        description="Write step outputs venvs and verdicts (JSON lists for .github/actions/restore-caches) "
        "and keep the entries in a file for cache-saves.",
    )
    entries.add_argument("--root", default=".", help="monorepo root holding noxfile.py (default: .)")
    entries.add_argument("--venv-prefix", required=True, help="how every venv key starts")
    entries.add_argument("--verdict-prefix", help="how every verdict-cache key starts (audit jobs)")
    entries.add_argument("--period", default="", help="ends the verdict-cache keys (the day)")
    entries.add_argument("--nox-root", default=".", help="the root relative to the workspace (default: .)")
    entries.add_argument("--keep", required=True, metavar="FILE", help="where cache-saves finds the entries")
    entries.add_argument("--github-output", required=True, metavar="FILE", help="append the outputs to FILE")
    entries.add_argument(
        "sessions", nargs="+", metavar="SESSION", help="the job's sessions (matrix.sessions)"
    )
    entries.set_defaults(handler=_entries)
    saves = commands.add_parser(
        "cache-saves",
        help="flag the kept cache entries this job synced and should save",
        description="Write step outputs venvs and verdicts with save flags for .github/actions/save-caches.",
    )
    saves.add_argument("--root", default=".", help="monorepo root holding noxfile.py (default: .)")
    saves.add_argument("--keep", required=True, metavar="FILE", help="the file cache-entries wrote")
    saves.add_argument("--restored-venvs", required=True, metavar="FILE", help="restore-caches' record")
    saves.add_argument("--restored-verdicts", metavar="FILE", help="restore-caches' record (audit jobs)")
    saves.add_argument("--github-output", required=True, metavar="FILE", help="append the outputs to FILE")
    saves.set_defaults(handler=_saves)


def _entries(args: argparse.Namespace) -> int:
    from nox_support.ci.cache_steps import EntriesRequest, cache_entries  # noqa: PLC0415 - keeps --help fast
    from nox_support.ci.venvcache import CACHE_SLOTS  # noqa: PLC0415

    request = EntriesRequest(
        root=Path(args.root).resolve(),
        sessions=tuple(args.sessions),
        venv_prefix=args.venv_prefix,
        verdict_prefix=args.verdict_prefix,
        period=args.period,
        nox_root=args.nox_root,
        keep=Path(args.keep),
    )
    caches, outputs = cache_entries(request)
    append_text(Path(args.github_output), outputs, what="--github-output")
    if caches.uncached:
        names = ", ".join(caches.uncached).replace("%", "%25")
        notice = f"::notice title=venvs not cached::more than {CACHE_SLOTS} sessions in this job: {names}"
        logsafe.write_workflow_command(notice, sys.stdout)
    return 0


def _saves(args: argparse.Namespace) -> int:
    from nox_support.ci.cache_steps import cache_saves  # noqa: PLC0415 - keeps --help fast

    verdicts = Path(args.restored_verdicts) if args.restored_verdicts else None
    outputs = cache_saves(Path(args.root).resolve(), Path(args.keep), Path(args.restored_venvs), verdicts)
    append_text(Path(args.github_output), outputs, what="--github-output")
    return 0
