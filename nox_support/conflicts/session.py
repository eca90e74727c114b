"""Body of ``nox -s conflicts``: resolve the services together, explain why not when they cannot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.conflicts import render
from nox_support.conflicts.compiler_resolver import CompilerResolver, CouldNotTellError
from nox_support.conflicts.explain import alike, causes, differences, same_stake
from nox_support.conflicts.interface import Resolver
from nox_support.conflicts.search import search
from nox_support.core.errors import NoxSupportError
from nox_support.core.outputs import write_report
from nox_support.core.posargs import PosargsParser
from nox_support.lock.regenerate import regenerate_command
from nox_support.lock.servicelock import ServiceLock
from nox_support.lock.services import read_lock_or_problem
from nox_support.project import Project

if TYPE_CHECKING:
    import nox

JSON_REPORT = "reports/conflicts.json"
MARKDOWN_REPORT = "reports/conflicts.md"


class ConflictsInputError(NoxSupportError):
    """Some services' inputs or locks could not be read: they are missing from the answer."""


@dataclass(frozen=True)
class ConflictsArgs:
    """``nox -s conflicts -- [--verbose] [SERVICE ...]``."""

    services: tuple[str, ...]
    verbose: bool = False
    """Print every pin change and name every service (the reports always have them all)."""


def parse_conflicts_args(posargs: list[str] | tuple[str, ...]) -> ConflictsArgs:
    """Parse the session arguments (raises :class:`~nox_support.core.errors.ConfigError`)."""
    parser = PosargsParser("conflicts", usage_hint="nox -s conflicts -- [--verbose] [SERVICE ...]")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("services", nargs="*")
    parsed = parser.parse_args(list(posargs))
    return ConflictsArgs(tuple(parsed.services), verbose=bool(parsed.verbose))


def build_report(
    project: Project, args: ConflictsArgs, resolver: Resolver | None = None
) -> render.ConflictsReport:
    """Read the main locks, search with *resolver* (default: the configured compiler), explain."""
    locks: dict[str, ServiceLock] = {}
    problems: list[str] = []
    selected = project.select(args.services)
    for service in selected:
        lock = read_lock_or_problem(project.root, service, service.main, project.settings)
        if isinstance(lock, str):
            problems.append(lock)
        else:
            locks[service.name] = lock
    if resolver is None:
        pythons = {s.name: s.python for s in selected}
        resolver = CompilerResolver(project.root, project.settings, project.compiler, locks, pythons)
    names = tuple(locks)
    result = search(names, resolver, alike(locks), same_stake(locks))
    shared = result.groups[0].shared.pins if result.compatible and result.groups else {}
    return render.ConflictsReport(
        services=names,
        compiler=project.compiler.name,
        result=result,
        causes=tuple(causes(c, locks) for c in result.conflicts),
        differences=differences(shared, locks),
        problems=tuple(problems),
    )


def write_reports(root: Path, report: render.ConflictsReport) -> None:
    """Write both reports atomically (:class:`~nox_support.core.outputs.OutputError` when it cannot)."""
    write_report(root / JSON_REPORT, render.to_json(report), root=root)
    write_report(root / MARKDOWN_REPORT, render.to_markdown(report), root=root)


def run_conflicts(session: nox.Session, project: Project) -> None:
    """Body of ``conflicts``: a conflict is the finding (exit 0); not being able to tell is an error.

    A service that cannot be resolved even on its own says nothing about conflicts between
    services (its lock resolved once): most often the index is unreachable, so it is an error.
    """
    args = parse_conflicts_args(session.posargs)
    report = build_report(project, args)
    write_reports(project.root, report)
    for line in render.summary_lines(report, verbose=args.verbose):
        session.log(line)
    session.log(f"wrote {JSON_REPORT} and {MARKDOWN_REPORT}")
    alone = [c for c in report.result.conflicts if len(c.services) == 1]
    if alone:
        lines = [f"conflicts: could not tell: {len(alone)} services cannot be resolved even on their own:"]
        for conflict in alone:
            lines.append(f"  {conflict.services[0]}:")
            lines += [f"    {line.strip()}" for line in conflict.explanation.splitlines()[:8]]
        name = alone[0].services[0]
        hint = (
            "their committed locks resolved once: check the index and the network; "
            f"{regenerate_command(name, force=True)} shows the same failure"
        )
        raise CouldNotTellError("\n".join(lines), hint=hint)
    if report.problems:
        msg = (
            f"conflicts: {len(report.problems)} services could not be read and are missing from the answer:\n"
        )
        msg += "\n".join(f"  {p}" for p in report.problems)
        raise ConflictsInputError(msg, hint="fix or lock them (nox -s lock), then run nox -s conflicts again")
