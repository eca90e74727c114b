"""Body of ``nox -s report``: read the reports, write ``reports/index.html``, say what was missing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from nox_support.core.outputs import REPORTS, write_report
from nox_support.report import page, read
from nox_support.report.build import build_page
from nox_support.report.model import Missing, Page, Unreadable

if TYPE_CHECKING:
    import nox

    from nox_support.project import Project

INDEX = "index.html"


def build(project: Project) -> Page:
    """The page model of *project* from its reports and its locks (no session is re-run)."""
    return build_page(read.service_inputs(project), read.drift_report(project.root))


def run_report(session: nox.Session, project: Project) -> None:
    """Write ``reports/index.html``; log one line per kind of report that is missing or unreadable."""
    model = build(project)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    html = page.render(model, title=project.root.name, generated_at=now)
    target = project.root / REPORTS / INDEX
    write_report(target, html, root=project.root)
    for line in absent_lines(model):
        session.warn(line)
    session.log(
        f"wrote {REPORTS}/{INDEX} ({len(model.services)} services, {len(model.findings)} findings, "
        f"{len(html.encode('utf-8')) // 1024} KiB): open it in a browser, it needs no network"
    )


def absent_lines(model: Page) -> list[str]:
    """``audit: 2 of 3 services have no report (run nox -s audit)``, one line per kind (pure)."""
    lines = []
    for kind, session_name in (("audit", "audit"), ("licences", "licenses"), ("tests", "tests")):
        values = [getattr(row, kind) for row in model.services]
        missing = sum(isinstance(v, Missing) for v in values)
        unreadable = [v for v in values if isinstance(v, Unreadable)]
        if missing:
            lines.append(
                f"{kind}: {missing} of {len(values)} services have no report, shown as missing "
                f"(run nox -s {session_name})"
            )
        lines += [f"{kind}: {v.path} is unreadable ({v.reason}), shown as unreadable" for v in unreadable]
    if isinstance(model.drift, Missing):
        lines.append(f"drift: {model.drift.path} is missing, shown as missing (run nox -s drift)")
    elif isinstance(model.drift, Unreadable):
        lines.append(f"drift: {model.drift.path} is unreadable ({model.drift.reason})")
    return lines
