"""Session bodies: ``audit(<service>)`` and ``audit_summary``.

``audit(<service>)``: sync the Nox venv to the service's lock (holding the
venv's lock while scanning), reuse a cached scan when nothing that
determines it changed, otherwise run the scanners (pip-audit as a library
in this process, safety 2.x as a command); apply the ignore policy; write
``reports/audit/<service>.json``; fail unless the verdict is ``clean``.  Its
first step replaces the service's report with an ``error`` placeholder of this
run, so a session that aborts before its verdict is never summarised with an
earlier run's report.

``audit_summary`` (queued once at the end of the run with
``session.notify``): one line per service, ``reports/audit.md`` (also
appended to ``$GITHUB_STEP_SUMMARY``) and ``reports/audit.sarif``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.audit import ahead
from nox_support.audit.cache import ScanCache
from nox_support.audit.config import AuditSettings, load_audit_settings
from nox_support.audit.errors import AuditError
from nox_support.audit.reports.json_report import read_service_report, write_service_report
from nox_support.audit.reports.markdown import MarkdownReporter, truncate
from nox_support.audit.reports.sarif import SarifReporter
from nox_support.audit.scan import (
    STATE_DIR,
    build_scanners,
    pin_lines,
    safe_info,
    scan_cached,
    scan_target,
)
from nox_support.audit.scanners.interface import (
    LocalPackage,
)
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, ServiceReport, decide, error_report
from nox_support.config import load_tool_table
from nox_support.core import logsafe
from nox_support.core.errors import ConfigError, NoxSupportError
from nox_support.core.filelock import BusyError
from nox_support.core.outputs import (
    OutputError,
    append_step_summary,
    reports_dir,
    step_summary_room,
    write_report,
)
from nox_support.core.paths import display_path
from nox_support.core.posargs import PosargsParser
from nox_support.core.redact import redact
from nox_support.interpreters import interpreter_error
from nox_support.lock.freshness import lock_error
from nox_support.lock.regenerate import regenerate_command
from nox_support.venv import sync as venv_sync

if TYPE_CHECKING:
    import nox

    from nox_support.audit.reports.interface import Reporter
    from nox_support.discovery import Service
    from nox_support.project import Project

SUMMARY_SESSION = "audit_summary"
RUN_ID = f"{os.getpid()}-{time.time_ns()}"
# The reports this process wrote, by repository root and service.  audit_summary combines these
# rather than re-reading reports/audit/<service>.json alone: a concurrent run in the same checkout
# may have rewritten a file since (its own placeholder or verdict), which must not stand for ours.
_THIS_RUN: dict[Path, dict[str, ServiceReport]] = {}
"""Nox runs every session of a run in one process, so this names the run."""


class AuditFailedError(AuditError):
    """The verdict is not ``clean``."""


@dataclass(frozen=True)
class AuditArgs:
    """What ``nox -s audit -- ...`` asked for."""

    refresh: bool


def parse_audit_args(posargs: list[str] | tuple[str, ...]) -> AuditArgs:
    """Parse ``--refresh`` (pure)."""
    parser = PosargsParser("audit", usage_hint="accepted: --refresh")
    parser.add_argument("--refresh", action="store_true")
    ns = parser.parse_args(list(posargs))
    return AuditArgs(refresh=bool(ns.refresh))


def settings_for(project: Project) -> AuditSettings:
    """The audit settings of *project* with the environment applied."""
    table = load_tool_table(project.root).get("audit", {})
    if not isinstance(table, dict):
        msg = "pyproject.toml [tool.nox_support.audit] must be a table"
        raise ConfigError(msg)
    return load_audit_settings(table, root=project.root, environ=os.environ, cwd=Path.cwd())


def run_audit(session: nox.Session, project: Project, service: str) -> None:
    """Body of ``audit(<service>)``."""
    _notify_summary(session)
    svc = project.service(service)
    _write_and_record(project.root, aborted_report(project.root, svc))
    args = parse_audit_args(session.posargs)
    settings = settings_for(project)
    try:
        ahead.start(session, project, service)
        unusable = interpreter_error(svc.python, service=svc.name) or lock_error(project, svc, (svc.main,))
        today = dt.date.today()  # noqa: DTZ011 - ignore dates are local calendar days
        report = audit_service(
            session, project.root, svc, settings, refresh=args.refresh, today=today, unusable_lock=unusable
        )
    except BaseException as exc:  # Ctrl-C, or a failure that may stop the run (nox -x): stop the work ahead
        ahead.settle(session, project.root, failed=True, interrupted=not isinstance(exc, Exception))
        raise
    ahead.settle(session, project.root, failed=report.status != "clean")
    path = _write_and_record(project.root, report)
    session.log(f"{report.summary_line()} -> {path.relative_to(project.root).as_posix()}")
    for message in (
        *report.warnings,
        *report.expired_ignores,
        *(f"ignore matched nothing: {u}" for u in report.unmatched_ignores),
    ):
        session.warn(redact(f"{service}: {message}"))
    if report.status != "clean":
        raise AuditFailedError(failure_message(report), hint=_hint(report))


def audit_service(  # noqa: PLR0913 - the inputs of one audit
    session: nox.Session,
    root: Path,
    service: Service,
    settings: AuditSettings,
    *,
    refresh: bool,
    today: dt.date,
    unusable_lock: NoxSupportError | None = None,
) -> ServiceReport:
    """Sync, scan (or reuse the cache) and decide the verdict of *service*.

    With *unusable_lock* (see :func:`nox_support.lock.freshness.lock_error`, or the service's
    Python missing: :func:`nox_support.interpreters.interpreter_error`) the verdict is ``error``
    and nothing is installed.
    """
    lock = service.main.lock
    scanners = build_scanners(settings, root)
    context = ReportContext(
        service=service.name,
        lock=display_path(lock, root),
        lock_sha256=_sha256(lock),
        generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        run=RUN_ID,
        venv="not synced",
        not_audited=(),
        lines={},
    )
    if unusable_lock is not None:
        return error_report(context, safe_info(scanners[0].source()), str(unusable_lock))
    try:
        with venv_sync.synced(session, service, (lock,), purpose="audit") as sync:
            context = replace(
                context,
                venv=ahead.describe(session, root, service.name, sync),
                not_audited=tuple(LocalPackage(p.name, p.version, p.path) for p in sync.stamp.local_packages),
                lines=pin_lines(lock),
            )
            target = scan_target(root, service, sync, context.lines)
            cache = ScanCache(root / STATE_DIR / "audit-cache")
            outcomes = tuple(
                scan_cached(s, target, sync.stamp, cache, refresh=refresh, warn=session.warn)
                for s in scanners
            )
    except BusyError:
        raise
    except NoxSupportError as exc:
        return error_report(
            context, safe_info(scanners[0].source()), f"the audit venv could not be synced: {exc}"
        )
    return decide(context, outcomes, settings.ignores, today=today)


def aborted_report(root: Path, service: Service) -> ServiceReport:
    """What stands for *service* in this run until its verdict replaces it."""
    context = ReportContext(
        service=service.name,
        lock=display_path(service.main.lock, root),
        lock_sha256=_sha256(service.main.lock),
        generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        run=RUN_ID,
        venv="not synced",
        not_audited=(),
        lines={},
    )
    message = (
        f"audit({service.name}) started in this run but stopped before its verdict (see its session log)"
    )
    return error_report(context, SourceInfo("none", "", "", None), message)


def failure_message(report: ServiceReport) -> str:
    """Why the session fails: the verdict, then each reason."""
    lines = [f"audit of {report.service}: {report.status}"]
    if report.status == "error":
        lines.append("could not tell whether the service is vulnerable:")
        lines += [f"  - {logsafe.field(e)}" for e in report.errors[:20]]
        if len(report.errors) > 20:  # noqa: PLR2004
            lines.append(f"  ... and {len(report.errors) - 20} more (see the JSON report)")
    vulnerable = [f for f in report.findings if not f.ignored]
    if vulnerable:
        lines.append(f"{len(vulnerable)} known vulnerabilities:")
        for f in vulnerable:
            # Every part but the words is the advisory's or the lock's text: one log line each.
            fix = f"fixed in {', '.join(f.fix_versions)}" if f.fix_versions else "no fix yet"
            note = f"; {f.note}" if f.note else ""
            lines.append("  - " + logsafe.field(f"{f.package}=={f.version}: {f.id} ({fix}){note}"))
    return "\n".join(lines)


def run_audit_summary(session: nox.Session, project: Project) -> None:
    """Body of ``audit_summary``: one line per service, combined Markdown and SARIF.

    Combines the reports written by this Nox run; run on its own, it combines
    the latest report of every service (a missing report is an error).
    """
    reports, problems = select_reports(project)
    for report in reports:
        session.log(report.summary_line())
    for problem in problems:
        session.warn(redact(problem))
    for warning in dict.fromkeys(w for r in reports for w in r.warnings):
        session.warn(redact(warning))
    out = reports_dir(project.root)
    reporters: tuple[Reporter, ...] = (MarkdownReporter(), SarifReporter())
    rendered = {r.filename: r.render(tuple(reports), root=project.root) for r in reporters}
    for filename, text in rendered.items():
        write_report(out / filename, text, root=project.root)
    session.log(f"wrote {', '.join(f'reports/{name}' for name in rendered)}")
    step_problem: OutputError | None = None
    try:
        append_audit_summary(rendered[MarkdownReporter.filename], os.environ.get("GITHUB_STEP_SUMMARY"))
    except OutputError as exc:
        step_problem = exc
    for stale in stale_ignores(reports):
        session.warn(f"stale ignore (matched nothing in any audited service): {stale}")
    bad = [r.service for r in reports if r.status != "clean"] + [p.split(":")[0] for p in problems]
    if bad:
        if step_problem is not None:
            session.warn(redact(str(step_problem)))
        msg = f"audit: {len(bad)} of {len(reports) + len(problems)} services are not clean: {', '.join(bad)}"
        raise AuditFailedError(msg, hint="see reports/audit.md")
    if step_problem is not None:
        raise step_problem


def _write_and_record(root: Path, report: ServiceReport) -> Path:
    _THIS_RUN.setdefault(root, {})[report.service] = report
    return write_service_report(root, report)


def select_reports(project: Project) -> tuple[list[ServiceReport], list[str]]:
    """The reports to combine, and why some service has none."""
    found = {s.name: read_service_report(project.root, s.name) for s in project.services}
    this_run = {
        **{r.service: r for r in found.values() if isinstance(r, ServiceReport) and r.run == RUN_ID},
        **_THIS_RUN.get(project.root, {}),
    }
    if this_run:
        return [this_run[s.name] for s in project.services if s.name in this_run], []
    reports: list[ServiceReport] = []
    problems: list[str] = []
    for service in project.services:
        report = found[service.name]
        if isinstance(report, str):
            problems.append(report)
        elif report.lock_sha256 != _sha256(service.main.lock):
            problems.append(f"{service.name}: the lock changed since its report of {report.generated_at}")
        else:
            reports.append(report)
    return reports, problems


def stale_ignores(reports: list[ServiceReport]) -> tuple[str, ...]:
    """Ignores unmatched in every report where they were in scope (pure)."""
    if not reports:
        return ()
    unmatched = [set(r.unmatched_ignores) for r in reports]
    everywhere = set.intersection(*unmatched) if unmatched else set()
    return tuple(sorted(everywhere))


def append_audit_summary(markdown: str, path: str | None) -> None:
    """Append *markdown* to ``$GITHUB_STEP_SUMMARY``, truncated to what fits under 1 MiB."""
    if not path:
        return
    budget = step_summary_room(Path(path)) - 1
    if budget <= 200:  # noqa: PLR2004 - not even a truncation note fits
        return
    append_step_summary(truncate(markdown, budget), path)


def _notify_summary(session: nox.Session) -> None:
    try:
        session.notify(SUMMARY_SESSION)
    except (ValueError, KeyError):
        session.debug(f"no {SUMMARY_SESSION} session in the noxfile: no combined report this run")


def _hint(report: ServiceReport) -> str:
    if report.status == "error":
        return (
            "an audit that cannot tell is never clean: fix the causes above, then run again "
            "(-- --refresh bypasses the cache)"
        )
    return (
        f"upgrade the affected pins ({regenerate_command(report.service)} -- --upgrade-package NAME) "
        "or add a reasoned ignore (docs/audit.md)"
    )


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
