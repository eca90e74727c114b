"""``reports/conflicts.json`` (schema below), ``reports/conflicts.md`` and the printed lines (pure).

``conflicts.json``, ``schema_version`` 1::

    {"schema": "nox-support/conflicts", "schema_version": 1,
     "verdict": "compatible" | "conflicts",
     "services": ["notifications", "orders", "payments"], "compiler": "pip-tools", "resolves": 5,
     "groups": [{"services": ["notifications", "orders"], "python": "3.11"}],   # each resolved as one
     "conflicts": [                                    # each fails together, every subset resolves
       {"services": ["payments", "orders"], "python": "3.11",
        "explanation": "...",                          # the resolver's words, lines mapped to .in files
        "causes": [{"package": "pydantic", "transitive": false,
                    "sides": [{"service": "payments", "version": "2.11.7",
                               "requirements": [{"text": "pydantic>=2.5,<3", "specifier": "<3,>=2.5",
                                                 "file": "services/payments/requirements.in",
                                                 "line": 2}],
                               "through": []}]}]}],     # packages pulling it in, when not direct
     "differences": [{"service": "orders", "package": "x", "locked": "1.0", "shared": "1.1"}],
     "problems": ["services/x/requirements.txt: service x has no lock ..."]}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from nox_support.conflicts.explain import Cause, Difference, Side
from nox_support.conflicts.search import SearchResult
from nox_support.core.listing import SHORT, and_more, group_by
from nox_support.core.markdown import cell_code, code, escape

SCHEMA = "nox-support/conflicts"
SCHEMA_VERSION = 1
MARKDOWN_NAMES = 20
"""Services named per row of the Markdown report (the JSON report names every one)."""


@dataclass(frozen=True)
class ConflictsReport:
    """The search with the causes of each conflict and, when compatible, the changed pins."""

    services: tuple[str, ...]
    compiler: str
    result: SearchResult
    causes: tuple[tuple[Cause, ...], ...]
    """Per conflict of ``result.conflicts``, in the same order."""
    differences: tuple[Difference, ...]
    problems: tuple[str, ...]


def to_json(report: ConflictsReport) -> str:
    """The JSON report."""
    result = report.result
    data = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "verdict": "compatible" if result.compatible else "conflicts",
        "services": list(report.services),
        "compiler": report.compiler,
        "resolves": result.resolves,
        "groups": [{"services": list(g.services), "python": g.shared.python} for g in result.groups],
        "conflicts": [
            {
                "services": list(conflict.services),
                "python": conflict.python,
                "explanation": conflict.explanation,
                "causes": [_cause_json(c) for c in causes],
            }
            for conflict, causes in zip(result.conflicts, report.causes, strict=True)
        ],
        "differences": [
            {"service": d.service, "package": d.package, "locked": d.locked, "shared": d.shared}
            for d in report.differences
        ],
        "problems": list(report.problems),
    }
    return json.dumps(data, indent=2) + "\n"


def _cause_json(cause: Cause) -> dict[str, Any]:
    return {
        "package": cause.package,
        "transitive": cause.transitive,
        "sides": [
            {
                "service": side.service,
                "version": side.version,
                "requirements": [
                    {"text": r.text, "specifier": r.specifier, "file": r.file, "line": r.line}
                    for r in side.requirements
                ],
                "through": list(side.through),
            }
            for side in cause.sides
        ],
    }


def side_text(side: Side, package: str, *, markdown: bool = False) -> str:
    """``orders: pydantic<2 (services/orders/requirements.in:1)`` or ``... alpha 1.1 through gamma``."""
    show = code if markdown else str
    name = escape if markdown else str
    if side.requirements:
        wanted = ", ".join(f"{show(r.text)} ({show(r.where)})" for r in side.requirements)
        return f"{name(side.service)}: {wanted}"
    through = ", ".join(name(p) for p in side.through) or "an unnamed dependency"
    return f"{name(side.service)}: {show(package + ' ' + side.version)} (locked) through {through}"


def cause_text(cause: Cause, *, markdown: bool = False) -> str:
    """One line per cause: each side against the other."""
    label = "transitive conflict on" if cause.transitive else "conflict on"
    package = code(cause.package) if markdown else cause.package
    sides = " against ".join(side_text(s, cause.package, markdown=markdown) for s in cause.sides)
    return f"{label} {package}: {sides}"


SUMMARY_CHANGES = 20
"""Distinct pin changes the session prints (``--verbose``: every one)."""


def grouped_differences(differences: tuple[Difference, ...]) -> list[tuple[tuple[str, str, str], list[str]]]:
    """``((package, locked, shared), [services])``: one entry per distinct change, most services first."""
    groups = group_by(differences, lambda d: (d.package, d.locked, d.shared))
    ranked = sorted(groups, key=lambda group: (-len(group[1]), group[0]))
    return [(change, [d.service for d in changed]) for change, changed in ranked]


def summary_lines(report: ConflictsReport, *, verbose: bool = False) -> list[str]:
    """What the session prints: identical lines grouped, long lists cut short unless *verbose*."""
    result = report.result
    limit = None if verbose else SHORT
    count = f"{result.resolves} resolve{'s' if result.resolves != 1 else ''} with {report.compiler}"
    services = and_more(report.services, limit)
    if result.compatible:
        lines = [f"conflicts: {services} could share one environment ({count})"]
        if report.differences:
            changes = grouped_differences(report.differences)
            lines.append(
                f"  {len(report.differences)} pins would differ from the services' own locks "
                f"({len(changes)} distinct change{'s' if len(changes) != 1 else ''}):"
            )
            shown = changes if verbose else changes[:SUMMARY_CHANGES]
            for (package, locked, shared), names in shown:
                where = f"{len(names)} services: " if len(names) > 1 else ""
                lines.append(f"    {package} {locked} -> {shared} in {where}{and_more(names, limit)}")
            if len(changes) > len(shown):
                lines.append(
                    f"    ... and {len(changes) - len(shown)} more (reports/conflicts.md, or -- --verbose)"
                )
        return lines
    plural = "s" if len(result.conflicts) != 1 else ""
    lines = [
        (
            f"conflicts: {len(result.conflicts)} conflict{plural}, these services cannot share one "
            f"environment ({count}):"
        )
    ]
    for conflict, causes in zip(result.conflicts, report.causes, strict=True):
        lines.append(f"  {' + '.join(conflict.services)}:")
        lines += [f"    {cause_text(c)}" for c in causes]
        if not causes:
            lines += [f"    {line.strip()}" for line in conflict.explanation.splitlines()[:8]]
    groups = "; ".join(and_more(g.services, limit) for g in result.groups)
    lines.append(f"  groups that resolve together: {groups or 'none'}")
    return lines


def to_markdown(report: ConflictsReport) -> str:
    """The human report."""
    result = report.result
    count = f"{result.resolves} resolves with {escape(report.compiler)}"
    names = and_more([escape(s) for s in report.services], MARKDOWN_NAMES, where="conflicts.json")
    if result.compatible:
        lines = [
            "# Conflicts across services",
            "",
            f"**Compatible**: {names} could share one environment ({count}).",
        ]
        if report.differences:
            lines += ["", "| package | own lock | shared | services |", "| --- | --- | --- | --- |"]
            for (package, locked, shared), changed in grouped_differences(report.differences):
                listed = and_more([escape(n) for n in changed], MARKDOWN_NAMES, where="conflicts.json")
                lines.append(
                    f"| {cell_code(package)} | {cell_code(locked)} | {cell_code(shared)} | "
                    f"{len(changed)}: {listed} |"
                )
        return _with_problems(lines, report)
    plural = "s" if len(result.conflicts) != 1 else ""
    lines = [
        "# Conflicts across services",
        "",
        f"**{len(result.conflicts)} conflict{plural}**: {names} cannot share one environment ({count}).",
    ]
    for conflict, causes in zip(result.conflicts, report.causes, strict=True):
        title = " + ".join(escape(s) for s in conflict.services)
        lines += ["", f"## {title}", ""]
        lines += [f"- {cause_text(c, markdown=True)}" for c in causes]
        lines += [
            "",
            f"The resolver (Python {escape(conflict.python)}) said:",
            "",
            fenced(conflict.explanation),
        ]
    lines += ["", "## Groups that resolve together", ""]
    lines += [
        f"- {and_more([escape(s) for s in g.services], MARKDOWN_NAMES, where='conflicts.json')}"
        for g in result.groups
    ] or ["- none"]
    return _with_problems(lines, report)


def _with_problems(lines: list[str], report: ConflictsReport) -> str:
    if report.problems:
        lines += ["", "**Not included (could not read):**", ""]
        lines += [f"- {escape(p)}" for p in report.problems]
    return "\n".join(lines) + "\n"


def fenced(text: str) -> str:
    """*text* as a fenced code block no line of it can close (pure)."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"
