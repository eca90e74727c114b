"""``reports/audit.md``: a human summary, also fit for ``$GITHUB_STEP_SUMMARY`` (< 1 MiB)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

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
            f"| {_cell(r.service)} | {_ICON.get(r.status, '')} {r.status} | {r.vulnerable_count} "
            f"| {r.ignored_count} | {len(r.errors)} | {len(r.not_audited)} | {_cell(_source(r))} |"
            for r in reports
        )
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
    lines = [f"## {report.service}: {report.status}", ""]
    lines.append(f"Lock `{report.lock}`, audited {report.generated_at}; venv: {report.venv}.")
    lines.append("")
    for run in report.scanners:
        cached = " (cached verdict)" if run.cached else ""
        lines.append(f"- {run.name} {run.version}: {run.outcome}{cached} against {_describe(run.source)}")
    if report.errors:
        lines += ["", "**Could not tell (error):**", ""]
        lines += [f"- {_cell(e)}" for e in report.errors]
    if report.findings:
        lines += ["", "| package | version | id | aliases | fixed in | scanner | status |"]
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for f in report.findings:
            status = f"ignored: {f.ignore_reason}" if f.ignored else "**vulnerable**"
            if f.note:
                status += f" ({f.note})"
            lines.append(
                f"| {f.package} | {f.version} | {f.id} | {', '.join(f.aliases)} "
                f"| {', '.join(f.fix_versions) or 'no fix'} | {f.scanner} | {_cell(status)} |"
            )
    if report.not_audited:
        lines += [
            "",
            "Not audited (local path packages): "
            + ", ".join(f"`{p.name}` ({p.path})" for p in report.not_audited),
        ]
    if report.expired_ignores:
        lines += ["", "Expired ignores:", ""] + [f"- {_cell(e)}" for e in report.expired_ignores]
    if report.unmatched_ignores:
        lines += ["", "Ignores that matched nothing (stale): " + ", ".join(report.unmatched_ignores)]
    return "\n".join(lines) + "\n"


def _source(report: ServiceReport) -> str:
    return report.source.kind


def _describe(source: object) -> str:
    kind = getattr(source, "kind", "?")
    location = getattr(source, "location", "")
    details = dict(getattr(source, "details", ()))
    extra = ", ".join(f"{k} {v}" for k, v in details.items() if k != "content sha256")
    return f"{kind} `{location}`" + (f" ({extra})" if extra else "")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
