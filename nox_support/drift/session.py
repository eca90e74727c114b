"""Body of ``nox -s drift``: read every lock, write reports/drift.json and .md, print a summary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.config import load_tool_table
from nox_support.core.errors import NoxSupportError
from nox_support.core.outputs import append_step_summary, write_report
from nox_support.core.posargs import PosargsParser
from nox_support.drift import render
from nox_support.drift.analysis import DriftReport, analyse
from nox_support.drift.collect import read_audit_findings
from nox_support.drift.config import parse_drift_settings
from nox_support.lock.servicelock import ServiceLock
from nox_support.lock.services import read_lock_or_problem
from nox_support.project import Project

if TYPE_CHECKING:
    import nox

JSON_REPORT = "reports/drift.json"
MARKDOWN_REPORT = "reports/drift.md"


class DriftError(NoxSupportError):
    """Drift the configuration forbids (``same_version``), or locks that could not be read."""


@dataclass(frozen=True)
class DriftArgs:
    """``nox -s drift -- [--layers] [--verbose] [SERVICE ...]``."""

    layers: bool
    services: tuple[str, ...]
    verbose: bool = False
    """Print every drifting package and every lock (the reports always have them all)."""


def parse_drift_args(posargs: list[str] | tuple[str, ...]) -> DriftArgs:
    """Parse the session arguments (raises :class:`~nox_support.core.errors.ConfigError`)."""
    parser = PosargsParser("drift", usage_hint="nox -s drift -- [--layers] [--verbose] [SERVICE ...]")
    parser.add_argument("--layers", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("services", nargs="*")
    parsed = parser.parse_args(list(posargs))
    return DriftArgs(
        layers=bool(parsed.layers), services=tuple(parsed.services), verbose=bool(parsed.verbose)
    )


def build_report(project: Project, args: DriftArgs) -> DriftReport:
    """Read the locks (one problem per unreadable service) and analyse them."""
    settings = parse_drift_settings(
        load_tool_table(project.root), source=str(project.root / "pyproject.toml")
    )
    services = project.select(args.services)
    locks: list[ServiceLock] = []
    problems: list[str] = []
    for service in services:
        layers = service.layers if args.layers else (service.main,)
        read = [read_lock_or_problem(project.root, service, layer, project.settings) for layer in layers]
        service_problems = [r for r in read if isinstance(r, str)]
        if service_problems:
            problems.append(service_problems[0])  # one error per service
        else:
            locks.extend(r for r in read if not isinstance(r, str))
    findings, notes = read_audit_findings(project.root, services)
    return analyse(
        locks, findings=findings, same_version=settings.same_version, problems=problems, notes=notes
    )


def write_reports(root: Path, report: DriftReport) -> str:
    """Write both reports atomically (:class:`~nox_support.core.outputs.OutputError` when it cannot)."""
    markdown = render.to_markdown(report)
    write_report(root / JSON_REPORT, render.to_json(report), root=root)
    write_report(root / MARKDOWN_REPORT, markdown, root=root)
    return markdown


def run_drift(session: nox.Session, project: Project) -> None:
    """Body of ``drift``: fails only on unreadable locks or ``same_version`` packages that drift."""
    args = parse_drift_args(session.posargs)
    report = build_report(project, args)
    markdown = write_reports(project.root, report)
    append_step_summary(markdown + "\n", os.environ.get("GITHUB_STEP_SUMMARY"))
    for line in render.summary_lines(report, verbose=args.verbose):
        session.log(line)
    session.log(f"wrote {JSON_REPORT} and {MARKDOWN_REPORT}")
    for problem in (*report.problems, *report.notes):
        session.warn(problem)
    if report.violations:
        raise DriftError(
            render.violation_message(report, verbose=args.verbose),
            hint="align their locks (nox -s lock -- --upgrade-package NAME), "
            "or remove them from [tool.nox_support.drift] same_version",
        )
    if report.problems:
        msg = f"drift: {len(report.problems)} services could not be read and are not in the report"
        raise DriftError(msg, hint="fix or lock them (nox -s lock), then run nox -s drift again")
