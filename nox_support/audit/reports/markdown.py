"""``reports/audit.md``: a human summary, also fit for ``$GITHUB_STEP_SUMMARY`` (< 1 MiB).

Every text from outside (ids, aliases, summaries, versions, messages, paths) passes through
:func:`nox_support.core.markdown.escape`: an advisory cannot inject HTML, links or table cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nox_support.core.markdown import escape

if TYPE_CHECKING:
    from pathlib import Path

    from nox_support.audit.sources.interface import SourceInfo
    from nox_support.audit.verdict import ServiceReport

MAX_BYTES = 1024 * 1024 - 4096
"""GitHub rejects a step summary over 1 MiB; keep a margin for what is already there."""
_ICON = {"clean": "✅", "vulnerable": "❌", "error": "⚠️"}
_TRUNCATED = "\n\n_Report truncated to stay under 1 MiB; see reports/audit/*.json for everything._\n"


class MarkdownReporter:
    """The combined Markdown report."""

    filename = "audit.md"

    def render(self, reports: tuple[ServiceReport, ...], *, root: Path) -> str:  # noqa: ARG002 - part of the interface
        """Summary table, then per-service details; truncated to :data:`MAX_BYTES`."""
        head = [
            "# Security audit",
            "",
            "| service | verdict | vulnerable | ignored | errors | not audited | source |",
        ]
        head.append("| --- | --- | ---: | ---: | ---: | ---: | --- |")
        head.extend(
            f"| {escape(r.service)} | {_ICON.get(r.status, '')} {escape(r.status)} | {r.vulnerable_count} "
            f"| {r.ignored_count} | {len(r.errors)} | {len(r.not_audited)} | {escape(r.source.kind)} |"
            for r in reports
        )
        warnings = list(dict.fromkeys(w for r in reports for w in r.warnings))
        if warnings:
            head += ["", "**Warnings:**", ""] + [f"- {escape(w)}" for w in warnings]
        sections = ["\n".join(head) + "\n"]
        sections += [_details(r) for r in reports]
        return truncate("\n".join(sections), MAX_BYTES)


def truncate(text: str, limit: int) -> str:
    """*text* cut at a line boundary so that its UTF-8 form fits *limit* bytes (pure)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    budget = limit - len(_TRUNCATED.encode("utf-8"))
    cut = data[:budget].decode("utf-8", "ignore")
    return cut[: cut.rfind("\n") + 1] + _TRUNCATED


def _details(report: ServiceReport) -> str:
    lines = [f"## {escape(report.service)}: {escape(report.status)}", ""]
    lines.append(
        f"Lock {escape(report.lock)}, audited {escape(report.generated_at)}; venv: {escape(report.venv)}."
    )
    lines.append("")
    for run in report.scanners:
        cached = " (cached verdict)" if run.cached else ""
        scanner = f"{escape(run.name)} {escape(run.version)}"
        lines.append(f"- {scanner}: {run.outcome}{cached} against {_describe(run.source)}")
    if report.errors:
        lines += ["", "**Could not tell (error):**", ""]
        lines += [f"- {escape(e)}" for e in report.errors]
    if report.findings:
        lines += ["", "| package | version | id | aliases | fixed in | scanner | status |"]
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for f in report.findings:
            status = f"ignored: {escape(f.ignore_reason or '')}" if f.ignored else "**vulnerable**"
            if f.note:
                status += f" ({escape(f.note)})"
            lines.append(
                f"| {escape(f.package)} | {escape(f.version)} | {escape(f.id)} "
                f"| {escape(', '.join(f.aliases))} | {escape(', '.join(f.fix_versions) or 'no fix')} "
                f"| {escape(f.scanner)} | {status} |"
            )
    if report.not_audited:
        lines += [
            "",
            "Not audited (local path packages): "
            + ", ".join(f"{escape(p.name)} ({escape(p.path)})" for p in report.not_audited),
        ]
    if report.expired_ignores:
        lines += ["", "Expired ignores:", ""] + [f"- {escape(e)}" for e in report.expired_ignores]
    if report.unmatched_ignores:
        lines += [
            "",
            "Ignores that matched nothing (stale): " + ", ".join(escape(u) for u in report.unmatched_ignores),
        ]
    if report.warnings:
        lines += ["", "Warnings:", ""] + [f"- {escape(w)}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def _describe(source: SourceInfo) -> str:
    details = ", ".join(f"{k} {v}" for k, v in source.details if k != "content sha256")
    return escape(f"{source.kind} {source.location}" + (f" ({details})" if details else ""))
