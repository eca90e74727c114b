r"""``reports/index.html`` from the page model (pure): one file, no network, no outside markup.

Outside text reaches the page two ways, both inert: in the HTML through :func:`html.escape`,
and as data for the script as JSON in ``<script type="application/json">`` with ``<``, ``>``
and ``&`` written as ``\u003c``, ``\u003e`` and ``\u0026``, so no report text can close that
element.  The script builds the tables with ``textContent``.  A Content-Security-Policy allows
only the page's own script and stylesheet (by hash): no other script, style, image, font or
connection, even if escaping failed somewhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from typing import Any

from nox_support.report.assets import SCRIPT, STYLE
from nox_support.report.model import (
    AuditResult,
    DriftView,
    FindingRow,
    LicenceResult,
    LockCheck,
    Missing,
    Page,
    PytestResult,
    ServiceRow,
    Unreadable,
)

_RANK = {"bad": 0, "missing": 1, "warn": 2, "good": 3}
_COLUMNS = (("lock", "locks"), ("audit", "audit"), ("licences", "licences"), ("tests", "tests"))
_RERUN = {
    "audit": 'nox -s "audit({service})"',
    "licences": 'nox -s "licenses({service})"',
    "tests": 'nox -s "tests({service})"',
}


def csp_hash(text: str) -> str:
    """The CSP source expression allowing the inline element whose content is *text*."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def script_json(data: object) -> str:
    """*data* as JSON that cannot end the ``<script>`` element holding it (or start a comment in it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render(page: Page, *, title: str, generated_at: str) -> str:
    """The whole HTML document."""
    services = [_service_json(row) for row in page.services]
    data = {"services": services, "drift": _drift_json(page.drift), "findings": _findings_json(page.findings)}
    policy = (
        f"default-src 'none'; script-src {csp_hash(SCRIPT)}; style-src {csp_hash(STYLE)}; "
        "base-uri 'none'; form-action 'none'"
    )
    esc = html.escape
    return "".join(
        (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{esc(title)}: nox-support report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            f"<header><h1>{esc(title)}</h1>\n",
            f'<p class="meta">nox-support report, generated {esc(generated_at)} from the reports in ',
            "<code>reports/</code> (a missing report is shown as missing; ",
            "lock state is the offline <code>freshness</code> check).</p></header>\n",
            '<div class="controls">\n',
            '<label>service <input type="search" id="f-service" placeholder="filter services"></label>\n',
            '<label>package <input type="search" id="f-package" placeholder="filter packages, ids">',
            "</label>\n",
            '<label><input type="checkbox" id="f-problems"> problems only</label>\n</div>\n<main>\n',
            _summary(services, page),
            _notes(page.notes),
            '<h2>Services <span class="count" id="services-count"></span></h2>\n',
            '<div class="scroll"><table class="data" id="services"><thead><tr>',
            '<th data-key="name">service</th>',
            *(f'<th data-key="{key}">{label}</th>' for key, label in _COLUMNS),
            "</tr></thead><tbody></tbody></table></div>\n",
            f'<h2>Drift <span class="count" id="drift-count"></span></h2>\n{_drift_intro(page.drift)}',
            '<div class="scroll"><table class="data" id="drift"><thead><tr><th>package</th></tr></thead>',
            "<tbody></tbody></table></div>\n",
            '<h2>Findings <span class="count" id="findings-count"></span></h2>\n',
            '<div class="scroll"><table class="data" id="findings"><thead><tr>',
            '<th data-key="id">advisory (aliases)</th><th data-key="package">package</th><th>versions</th>',
            '<th>fixed in</th><th data-key="services">affects</th><th>ignored in</th><th>summary</th>',
            "</tr></thead><tbody></tbody></table></div>\n",
            "<noscript><p>Sorting, filtering and the tables need JavaScript; the summary above does not.",
            "</p></noscript>\n</main>\n",
            f'<script type="application/json" id="data">{script_json(data)}</script>\n',
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n",
        )
    )


def _cell(state: str, text: str, detail: str = "", sub: int = 0) -> dict[str, Any]:
    """A table cell: its state (colour), text, hover detail and sort rank."""
    return {"s": state, "t": text, "d": detail, "r": _RANK[state] * 100_000 - sub}


def _absent(value: Missing | Unreadable, rerun: str) -> dict[str, Any]:
    if isinstance(value, Missing):
        return _cell("missing", "missing", f"{value.path} does not exist: run {rerun}")
    return _cell("bad", "unreadable", f"{value.path}: {value.reason}; run {rerun} again")


def _service_json(row: ServiceRow) -> dict[str, Any]:
    cells = {"lock": _lock_cell(row.locks)}
    for key, value in (("audit", row.audit), ("licences", row.licences), ("tests", row.tests)):
        if isinstance(value, Missing | Unreadable):
            cells[key] = _absent(value, _RERUN[key].format(service=row.name))
        elif isinstance(value, AuditResult):
            cells[key] = _audit_cell(value, row.name)
        elif isinstance(value, LicenceResult):
            cells[key] = _licence_cell(value, row.name)
        else:
            cells[key] = _tests_cell(value)
    return {"name": row.name, "cells": cells}


def _lock_cell(locks: tuple[LockCheck, ...]) -> dict[str, Any]:
    bad = [lock for lock in locks if lock.state != "fresh"]
    detail = "\n".join(lock.message for lock in locks)
    if not bad:
        return _cell("good", "fresh" if len(locks) == 1 else f"fresh ({len(locks)} locks)", detail)
    states = ", ".join(dict.fromkeys(lock.state for lock in bad))
    return _cell("bad", f"{states} ({len(bad)} of {len(locks)} locks)", detail, len(bad))


def _audit_cell(audit: AuditResult, service: str) -> dict[str, Any]:
    counts = (
        f"{audit.vulnerable} vulnerable, {audit.ignored} ignored, {audit.errors} errors, "
        f"{audit.not_audited} not audited"
    )
    detail = f"{counts}; audited {audit.generated_at}"
    shown = [f"{audit.vulnerable} vulnerable"] if audit.vulnerable else []
    shown += [f"{audit.errors} errors"] if audit.errors else []
    shown += [f"{audit.ignored} ignored"] if audit.ignored else []
    shown += [f"{audit.not_audited} not audited"] if audit.not_audited else []
    text = audit.status + (f" ({', '.join(shown)})" if shown else "")
    state = "good" if audit.status == "clean" else "bad"
    if not audit.current:
        text += ", older lock"
        detail += f"; the lock changed since: run {_RERUN['audit'].format(service=service)}"
        state = "warn" if state == "good" else state
    return _cell(state, text, detail, audit.vulnerable + audit.errors)


def _licence_cell(licences: LicenceResult, service: str) -> dict[str, Any]:
    detail = (
        f"{licences.packages} packages: {licences.violations} violations, {licences.unknown} unknown, "
        f"{licences.excepted} excepted"
    )
    if licences.violations:
        state, text = "bad", f"{licences.violations} violations"
    elif licences.unknown:
        state, text = "warn", f"compliant, {licences.unknown} unknown"
    else:
        state, text = "good", "compliant"
    if not licences.current:
        text += ", older lock"
        detail += f"; the lock changed since: run {_RERUN['licences'].format(service=service)}"
        state = "warn" if state == "good" else state
    return _cell(state, text, detail, licences.violations)


def _tests_cell(tests: PytestResult) -> dict[str, Any]:
    detail = f"{tests.tests} tests: {tests.failures} failed, {tests.errors} errors, {tests.skipped} skipped"
    failed = tests.failures + tests.errors
    if failed:
        return _cell("bad", f"{failed} failed of {tests.tests}", detail, failed)
    if tests.tests == 0:
        return _cell("warn", "no tests ran", detail)
    skipped = f", {tests.skipped} skipped" if tests.skipped else ""
    return _cell("good", f"{tests.passed} passed{skipped}", detail)


def _drift_json(drift: DriftView | Missing | Unreadable) -> dict[str, Any]:
    if isinstance(drift, Missing):
        return {"state": "missing"}
    if isinstance(drift, Unreadable):
        return {"state": "unreadable"}
    index = {lock: i for i, lock in enumerate(drift.locks)}
    rows = []
    for row in drift.rows:
        order = {version: i for i, version in enumerate(row.versions)}
        cells = [
            [index[c.lock], c.version, list(c.vulnerable), order[c.version]]
            for c in row.cells
            if c.lock in index
        ]
        rows.append(
            {
                "package": row.package,
                "verdict": row.verdict,
                "versions": len(order),
                "vulnerable": any(c.vulnerable for c in row.cells),
                "cells": cells,
            }
        )
    return {"state": "ok", "locks": list(drift.locks), "rows": rows}


def _drift_intro(drift: DriftView | Missing | Unreadable) -> str:
    esc = html.escape
    rerun = "run <code>nox -s drift</code>"
    if isinstance(drift, Missing):
        return f'<p class="missing">missing: {esc(drift.path)} does not exist; {rerun}.</p>\n'
    if isinstance(drift, Unreadable):
        return f'<p class="bad">unreadable: {esc(drift.path)}: {esc(drift.reason)}; {rerun}.</p>\n'
    return (
        f'<p class="meta">Packages locked at more than one version: {len(drift.rows)} of '
        f"{drift.packages_locked} packages across {len(drift.locks)} locks (the others are at one "
        "version everywhere). Colours tell the versions apart (newest first); \u26a0 marks a version "
        "the service's audit found vulnerable.</p>\n"
    )


def _findings_json(findings: tuple[FindingRow, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "package": f.package,
            "summary": f.summary,
            "aliases": list(f.aliases),
            "fix": list(f.fix_versions),
            "versions": list(f.versions),
            "services": list(f.services),
            "ignored": list(f.ignored_in),
        }
        for f in findings
    ]


def _summary(services: list[dict[str, Any]], page: Page) -> str:
    esc = html.escape
    lines = ['<table class="summary"><tbody>']
    for key, label in _COLUMNS:
        counts = Counter(service["cells"][key]["s"] for service in services)
        parts = [
            f'<span class="{state}">{counts[state]} {word}</span>'
            for state, word in (
                ("good", "good"),
                ("bad", "failing"),
                ("warn", "to look at"),
                ("missing", "missing"),
            )
            if counts[state]
        ]
        lines.append(f"<tr><th>{esc(label)}</th><td>{', '.join(parts) or 'no services'}</td></tr>")
    affecting = sum(1 for f in page.findings if f.services)
    lines.append(
        f"<tr><th>findings</th><td>{affecting} affecting a service, {len(page.findings)} in all</td></tr>"
    )
    lines.append("</tbody></table>\n")
    return "".join(lines)


def _notes(notes: tuple[str, ...]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f'<ul class="notes">{items}</ul>\n'
