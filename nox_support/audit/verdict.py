"""A service's verdict from its scan outcomes and the policy (pure), and its JSON form.

Fail closed: the status is ``error`` whenever any scanner could not tell
(failed, skipped a package, reported something inconsistent) or the venv
could not be synced; ``vulnerable`` when a finding is not ignored; ``clean``
only when every enabled scanner completed, every locked package was audited
and nothing unignored was found.

Every report passes through :func:`nox_support.core.redact.redact` when it is
built: error messages (a scanner's crash text may quote a URL) and source
locations never carry a credential into a report, a cache file or a log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from nox_support.audit.policy import Finding, PolicyResult, apply_policy
from nox_support.audit.scanners.interface import (
    LocalPackage,
    ScanCompleted,
    ScanFailed,
    ScanOutcome,
    SkippedPackage,
)
from nox_support.audit.sources.interface import SourceInfo
from nox_support.core.redact import redact

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    from nox_support.audit.config import Ignore

Status = Literal["clean", "vulnerable", "error"]
NOT_AUDITED_REASON = "local path package: not published, so no source can audit it"


@dataclass(frozen=True)
class ScannerRun:
    """How one scanner fared."""

    name: str
    version: str
    outcome: Literal["completed", "failed"]
    cached: bool
    source: SourceInfo
    reason: str | None = None


@dataclass(frozen=True)
class ServiceReport:
    """Everything ``reports/audit/<service>.json`` holds."""

    service: str
    status: Status
    lock: str
    """The audited lock, relative to the repository root."""
    lock_sha256: str
    generated_at: str
    run: str
    """Which Nox run wrote it (the summary combines the reports of its own run)."""
    source: SourceInfo
    scanners: tuple[ScannerRun, ...]
    findings: tuple[Finding, ...]
    not_audited: tuple[LocalPackage, ...]
    skipped: tuple[SkippedPackage, ...]
    errors: tuple[str, ...]
    expired_ignores: tuple[str, ...]
    unmatched_ignores: tuple[str, ...]
    venv: str
    """What the venv sync did (``already synced``, ``synced: lock changed`` ...)."""
    warnings: tuple[str, ...] = ()
    """What the reader must know although it does not change the verdict (an old database)."""

    @property
    def vulnerable_count(self) -> int:
        """Findings that are not ignored."""
        return sum(1 for f in self.findings if not f.ignored)

    @property
    def ignored_count(self) -> int:
        """Findings that are ignored by the policy."""
        return sum(1 for f in self.findings if f.ignored)

    def summary_line(self) -> str:
        """``orders: vulnerable (2 vulnerable, 1 ignored, 0 errors, 1 not audited)``."""
        return (
            f"{self.service}: {self.status} ({self.vulnerable_count} vulnerable, "
            f"{self.ignored_count} ignored, "
            f"{len(self.errors)} errors, {len(self.not_audited)} not audited)"
        )


@dataclass(frozen=True)
class ReportContext:
    """The facts about a run that are not scan outcomes."""

    service: str
    lock: str
    lock_sha256: str
    generated_at: str
    run: str
    venv: str
    not_audited: tuple[LocalPackage, ...]
    lines: Mapping[str, int]


def decide(
    context: ReportContext,
    outcomes: tuple[tuple[ScanOutcome, bool], ...],
    ignores: tuple[Ignore, ...],
    *,
    today: dt.date,
) -> ServiceReport:
    """The verdict for one service from its ``(outcome, from_cache)`` pairs (pure)."""
    errors: list[str] = []
    runs: list[ScannerRun] = []
    vulnerabilities = []
    skipped: list[SkippedPackage] = []
    for outcome, cached in outcomes:
        match outcome:
            case ScanFailed():
                errors.append(f"{outcome.scanner}: {outcome.reason}")
                runs.append(
                    ScannerRun(
                        outcome.scanner,
                        outcome.scanner_version,
                        "failed",
                        cached,
                        outcome.source,
                        outcome.reason,
                    )
                )
            case ScanCompleted():
                runs.append(
                    ScannerRun(outcome.scanner, outcome.scanner_version, "completed", cached, outcome.source)
                )
                vulnerabilities += _unique(outcome)
                skipped += outcome.skipped
                errors += [
                    f"{s.scanner}: {s.package} {s.version or ''} was not audited: {s.reason}"
                    for s in outcome.skipped
                ]
                errors += [f"{outcome.scanner}: {p}" for p in outcome.problems]
    if not outcomes:
        errors.append("no scanner ran")
    policy = apply_policy(
        tuple(vulnerabilities), ignores, service=context.service, today=today, lines=context.lines
    )
    return build_report(
        context, runs=tuple(runs), policy=policy, skipped=tuple(skipped), errors=tuple(errors)
    )


def error_report(context: ReportContext, source: SourceInfo, message: str) -> ServiceReport:
    """A report for a service whose audit could not even start (e.g. the venv could not be synced)."""
    empty = PolicyResult((), (), ())
    report = build_report(context, runs=(), policy=empty, skipped=(), errors=(message,))
    return replace(report, source=redacted_source(source), warnings=_unique_texts(source.warnings))


def build_report(
    context: ReportContext,
    *,
    runs: tuple[ScannerRun, ...],
    policy: PolicyResult,
    skipped: tuple[SkippedPackage, ...],
    errors: tuple[str, ...],
) -> ServiceReport:
    """Assemble a report and derive its status."""
    status: Status = "clean"
    if any(not f.ignored for f in policy.findings):
        status = "vulnerable"
    if errors:
        status = "error"
    runs = tuple(
        replace(r, source=redacted_source(r.source), reason=None if r.reason is None else redact(r.reason))
        for r in runs
    )
    source = runs[0].source if runs else SourceInfo("none", "", "", None)
    return ServiceReport(
        service=context.service,
        status=status,
        lock=context.lock,
        lock_sha256=context.lock_sha256,
        generated_at=context.generated_at,
        run=context.run,
        source=source,
        scanners=runs,
        findings=policy.findings,
        not_audited=context.not_audited,
        skipped=skipped,
        errors=tuple(redact(e) for e in errors),
        expired_ignores=policy.expired,
        unmatched_ignores=policy.unmatched,
        venv=context.venv,
        warnings=_unique_texts(w for r in runs for w in r.source.warnings),
    )


def redacted_source(source: SourceInfo) -> SourceInfo:
    """*source* with its location and warnings passed through :func:`redact`."""
    return replace(
        source,
        location=redact(source.location),
        warnings=tuple(redact(w) for w in source.warnings),
    )


def _unique_texts(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(redact(t) for t in texts))


def _unique(outcome: ScanCompleted) -> list[Any]:
    seen: set[tuple[str, str]] = set()
    out = []
    for vulnerability in outcome.vulnerabilities:
        key = (vulnerability.package, vulnerability.id)
        if key not in seen:
            seen.add(key)
            out.append(vulnerability)
    return out
