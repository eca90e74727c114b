"""``reports/drift.json`` (schema below), ``reports/drift.md`` and the printed summary (pure).

``drift.json``, ``schema_version`` 1 (fields are only ever added within a schema version)::

    {"schema": "nox-support/drift", "schema_version": 1,
     "locks": ["notifications", "orders", "orders:dev", ...],
     "summary": {"locks": 3, "packages_locked": 14, "drifting": 2, "same_version_violations": 0},
     "packages": [                                  # drifting packages, most spread first
       {"name": "pydantic", "same_version": false,
        "versions": [                               # newest first
          {"version": "2.11.7",
           "locks": [{"lock": "payments",
                      "requirements": [{"text": "pydantic>=2.5,<3", "specifier": "<3,>=2.5",
                                        "file": "services/payments/requirements.in", "line": 2,
                                        "constraint": false}],
                      "via": []}],                  # what pulled it in when not required directly
           "findings": [{"service": "payments", "id": "GHSA-...", "ignored": false}]}],
        "convergence": {"verdict": "fits-all" | "no-common-version" | "only-transitive",
                        "version": "2.11.7" | null, "locked": true | null,
                        "transitive": ["notifications"],   # only a resolve could tell for these
                        "requirements": [{"lock": "orders", "text": ..., "specifier": ...,
                                          "file": ..., "line": ..., "constraint": ...}]}}],
     "problems": ["services/x/requirements.txt: service x has no lock ..."],  # not in the analysis
     "notes": ["x: unreadable report reports/audit/x.json: ..."]}          # audit marks missing
"""

from __future__ import annotations

import json
from typing import Any

from nox_support.core.listing import SHORT, and_more
from nox_support.core.markdown import cell_code, code, escape
from nox_support.drift.analysis import (
    Drift,
    DriftReport,
    FitsAll,
    NoCommonVersion,
    OnlyTransitive,
    VersionGroup,
)
from nox_support.lock.servicelock import DirectRequirement

SCHEMA = "nox-support/drift"
SCHEMA_VERSION = 1
MARKDOWN_ROWS = 150
"""Rows of the Markdown table (the JSON report has every package)."""
MARKDOWN_NAMES = 20
"""Locks named per version in a Markdown cell (the JSON report names every one)."""
SUMMARY_PACKAGES = 5
"""Packages the session prints (``--verbose``: every one)."""


def to_json(report: DriftReport) -> str:
    """The JSON report."""
    data = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "locks": list(report.locks),
        "summary": {
            "locks": len(report.locks),
            "packages_locked": report.packages_locked,
            "drifting": len(report.drifts),
            "same_version_violations": len(report.violations),
        },
        "packages": [_drift_json(d) for d in report.drifts],
        "problems": list(report.problems),
        "notes": list(report.notes),
    }
    # One line: Python's C encoder only runs without indentation (200 services: 20x faster).
    return json.dumps(data) + "\n"


def _requirement_json(requirement: DirectRequirement) -> dict[str, Any]:
    return {
        "text": requirement.text,
        "specifier": requirement.specifier,
        "file": requirement.file,
        "line": requirement.line,
        "constraint": requirement.constraint,
    }


def _drift_json(drift: Drift) -> dict[str, Any]:
    return {
        "name": drift.name,
        "same_version": drift.same_version,
        "versions": [
            {
                "version": group.version,
                "locks": [
                    {
                        "lock": h.lock,
                        "requirements": [_requirement_json(r) for r in h.requirements],
                        "via": list(h.via),
                    }
                    for h in group.holders
                ],
                "findings": [
                    {"service": f.service, "id": f.id, "ignored": f.ignored} for f in group.findings
                ],
            }
            for group in drift.versions
        ],
        "convergence": _convergence_json(drift),
    }


def _convergence_json(drift: Drift) -> dict[str, Any]:
    match drift.convergence:
        case FitsAll(version=version, locked=locked, transitive=transitive):
            return {
                "verdict": "fits-all",
                "version": version,
                "locked": locked,
                "transitive": list(transitive),
                "requirements": [],
            }
        case NoCommonVersion(requirements=rules, transitive=transitive):
            return {
                "verdict": "no-common-version",
                "version": None,
                "locked": None,
                "transitive": list(transitive),
                "requirements": [{"lock": label, **_requirement_json(r)} for label, r in rules],
            }
        case OnlyTransitive():
            return {
                "verdict": "only-transitive",
                "version": None,
                "locked": None,
                "transitive": [h.lock for g in drift.versions for h in g.holders],
                "requirements": [],
            }


def to_markdown(report: DriftReport) -> str:
    """A table a person reads at a glance (also fit for ``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        "# Dependency drift across services",
        "",
        (
            f"{len(report.locks)} locks, {report.packages_locked} packages locked, "
            f"**{len(report.drifts)}** locked at more than one version."
        ),
        "",
    ]
    if report.violations:
        names = ", ".join(code(d.name) for d in report.violations)
        lines += [f"**Must be at one version** (`same_version`): {names}.", ""]
    if report.drifts:
        lines += [
            "| package | versions (locks) | one version for all? | audit |",
            "| --- | --- | --- | --- |",
        ]
        lines += [_row(d) for d in report.drifts[:MARKDOWN_ROWS]]
        if len(report.drifts) > MARKDOWN_ROWS:
            hidden = len(report.drifts) - MARKDOWN_ROWS
            lines += ["", f"_{hidden} more drifting packages in reports/drift.json._"]
    else:
        lines.append("Every package is locked at the same version wherever it is locked.")
    if report.problems:
        lines += ["", "**Not included (could not read):**", ""]
        lines += [f"- {escape(p)}" for p in report.problems]
    if report.notes:
        lines += ["", "**Audit reports not used:**", ""]
        lines += [f"- {escape(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _row(drift: Drift) -> str:
    name = cell_code(drift.name) + (" **(same\\_version)**" if drift.same_version else "")
    versions = "<br>".join(_version_cell(g) for g in drift.versions)
    audit = "<br>".join(
        f"{escape(f.id)} in {escape(f.service)} at {cell_code(g.version)}"
        + (" (ignored)" if f.ignored else "")
        for g in drift.versions
        for f in g.findings
    )
    return f"| {name} | {versions} | {_convergence_text(drift, markdown=True)} | {audit} |"


def _version_cell(group: VersionGroup) -> str:
    names = [escape(h.lock) for h in group.holders]
    return f"{cell_code(group.version)}: " + and_more(names, MARKDOWN_NAMES, where="drift.json")


def _convergence_text(drift: Drift, *, markdown: bool, limit: int | None = SHORT) -> str:
    show = cell_code if markdown else str  # Markdown: a table cell
    name = escape if markdown else str
    names = MARKDOWN_NAMES if markdown else limit
    match drift.convergence:
        case FitsAll(version=version, locked=locked, transitive=transitive):
            text = f"yes: {show(version)}" + ("" if locked else " (not locked anywhere yet)")
            if transitive:
                listed = and_more([name(t) for t in transitive], names)
                text += f"; only a resolve could tell for {listed} (transitive)"
            return text
        case NoCommonVersion(requirements=rules, transitive=transitive):
            parts = [f"{name(label)} {show(r.text)} ({show(r.where)})" for label, r in rules]
            if names is not None and len(parts) > names:
                parts = [*parts[:names], f"and {len(parts) - names} more"]
            return "no: " + "; ".join(parts)
        case OnlyTransitive():
            return "only a resolve could tell (pulled in transitively everywhere)"


def _spread(drift: Drift, limit: int | None) -> str:
    """``2.0 in 75 locks: a, b, c, d, e and 70 more; 1.0 in f`` (every lock with ``limit=None``)."""
    parts = []
    for group in drift.versions:
        names = [h.lock for h in group.holders]
        count = f"{len(names)} locks: " if limit is not None and len(names) > limit else ""
        parts.append(f"{group.version} in {count}{and_more(names, limit)}")
    return "; ".join(parts)


def summary_lines(report: DriftReport, *, verbose: bool = False) -> list[str]:
    """What the session prints: the counts and the most spread packages, lists cut short.

    *verbose* (``-- --verbose``) prints every drifting package and names every lock.
    """
    limit = None if verbose else SHORT
    lines = [
        (
            f"drift: {len(report.locks)} locks, {report.packages_locked} packages locked, "
            f"{len(report.drifts)} locked at more than one version"
        )
    ]
    shown = report.drifts if verbose else report.drifts[:SUMMARY_PACKAGES]
    for drift in shown:
        verdict = _convergence_text(drift, markdown=False, limit=limit)
        lines.append(f"  {drift.name}: {_spread(drift, limit)} -- one version for all? {verdict}")
    if len(report.drifts) > len(shown):
        hidden = len(report.drifts) - len(shown)
        lines.append(f"  ... and {hidden} more (reports/drift.md, or -- --verbose)")
    return lines


def violation_message(report: DriftReport, *, verbose: bool = False) -> str:
    """Why the session fails: each ``same_version`` package, its versions and their locks."""
    limit = None if verbose else SHORT
    lines = [f"{len(report.violations)} packages must be at one version across services but are not:"]
    lines += [f"  {drift.name}: {_spread(drift, limit)}" for drift in report.violations]
    return "\n".join(lines)
