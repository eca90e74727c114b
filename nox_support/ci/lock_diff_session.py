"""``nox -s "lock_diff(<service>)" -- --base REF``: what changed in the service's locks.

The base is the merge base of REF and ``HEAD`` (what a pull request diff
shows); the other side is the lock in the work tree.  Every lock of the
service is compared, including ``requirements*.txt`` files that existed at
the base but are gone now.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.ci import git, lockdiff
from nox_support.core import logsafe
from nox_support.core.outputs import append_text, output_dir, write_report
from nox_support.core.posargs import PosargsParser
from nox_support.project import Project

if TYPE_CHECKING:
    import nox

_LOCK_NAME = re.compile(r"requirements(-[A-Za-z0-9][A-Za-z0-9._-]*)?\.txt\Z")


@dataclass(frozen=True)
class LockDiffArgs:
    """What ``-- ...`` asked for."""

    base: str
    markdown: Path | None
    json_dir: Path | None


def parse_lock_diff_args(posargs: list[str] | tuple[str, ...]) -> LockDiffArgs:
    """Parse ``--base REF [--markdown FILE] [--json-dir DIR]`` (pure)."""
    parser = PosargsParser(
        "lock_diff",
        usage_hint='run: nox -s "lock_diff(<service>)" -- --base REF [--markdown FILE] [--json-dir DIR]',
    )
    parser.add_argument("--base", required=True)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json-dir", type=Path)
    ns = parser.parse_args(list(posargs))
    return LockDiffArgs(base=ns.base, markdown=ns.markdown, json_dir=ns.json_dir)


def run_lock_diff(session: nox.Session, project: Project, service_name: str) -> None:
    """Print the diff as markdown; append it to ``--markdown`` and write ``--json-dir/<service>.json``."""
    args = parse_lock_diff_args(session.posargs)
    service = project.service(service_name)
    base = git.resolve_base(project.root, args.base)
    diffs = tuple(
        diff
        for lock in lock_paths(
            project.root, service.relpath, base.commit, (layer.lock for layer in service.layers)
        )
        if (diff := _diff(project.root, base.commit, lock)) is not None
    )
    text = lockdiff.markdown(service.name, args.base, diffs)
    logsafe.write(text, sys.stdout)
    if args.markdown is not None:
        append_text(args.markdown, text + "\n", what="--markdown")
    if args.json_dir is not None:
        output_dir(project.root, args.json_dir)
        target = args.json_dir / f"{service.name}.json"
        write_report(target, lockdiff.to_json(service.name, args.base, base.commit, diffs), root=project.root)
    changed = sum(len(d.changes) for d in diffs)
    session.log(f"{service.name}: {changed} package changes since {args.base} ({base.commit[:12]})")


def lock_paths(root: Path, relpath: str, commit: str, current: Iterable[Path]) -> tuple[str, ...]:
    """Root-relative locks of the service now and at *commit*, in a stable order."""
    now = [p.resolve().relative_to(root).as_posix() for p in current]
    then = [p for p in git.files_at(root, commit, relpath) if _LOCK_NAME.match(p.rpartition("/")[2])]
    return tuple(dict.fromkeys([*now, *sorted(then)]))


def _diff(root: Path, commit: str, lock: str) -> lockdiff.LockDiff | None:
    before = git.show_file(root, commit, lock)
    try:
        after: str | None = (root / lock).read_text(encoding="utf-8")
    except FileNotFoundError:
        after = None
    return lockdiff.diff_locks(lock, before, after)
