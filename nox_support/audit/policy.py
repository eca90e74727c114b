"""The ignore policy: which findings are accepted risks, which ignores lapsed (pure).

An ignore matches a vulnerability when its id equals the vulnerability's id
or one of its aliases (case-insensitive), its package is the vulnerable
package, and it is scoped to the service (or to every service).

* An ignore with a date applies up to and including that date; after it the
  finding counts again and the report says the ignore expired.
* An ``until-fixed`` ignore applies only while the vulnerability lists no
  fixed version; once a fix exists the finding counts again, with a note.
* Ignored findings stay in the reports, marked with the reason.
* Ignores in scope that matched nothing are reported as unmatched (stale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nox_support.audit.config import ExpiresOn, Ignore, UntilFixed
from nox_support.audit.scanners.interface import Vulnerability

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping


@dataclass(frozen=True)
class Finding:
    """A vulnerability as reported: with its lock line and whether it is ignored."""

    vulnerability: Vulnerability
    ignored: bool
    ignore_reason: str | None
    note: str | None
    line: int | None

    @property
    def package(self) -> str:
        """The affected package (as the scanner names it)."""
        return self.vulnerability.package

    @property
    def version(self) -> str:
        """The affected version (the locked one)."""
        return self.vulnerability.version

    @property
    def id(self) -> str:
        """The advisory id."""
        return self.vulnerability.id

    @property
    def aliases(self) -> tuple[str, ...]:
        """The advisory's other ids (CVE, GHSA ...)."""
        return self.vulnerability.aliases

    @property
    def fix_versions(self) -> tuple[str, ...]:
        """The versions that fix it."""
        return self.vulnerability.fix_versions

    @property
    def scanner(self) -> str:
        """The scanner that reported it."""
        return self.vulnerability.scanner

    @property
    def summary(self) -> str:
        """The advisory's summary (outside text: escape before showing)."""
        return self.vulnerability.summary


@dataclass(frozen=True)
class PolicyResult:
    """Findings with the policy applied, and what the policy itself should tell the user."""

    findings: tuple[Finding, ...]
    expired: tuple[str, ...]
    """One message per expired ignore in scope for the service."""
    unmatched: tuple[str, ...]
    """``Ignore.describe()`` of every ignore in scope that matched no finding."""


def matches(ignore: Ignore, vulnerability: Vulnerability, service: str) -> bool:
    """Whether *ignore* is about *vulnerability* in *service*."""
    if not ignore.applies_to(service) or ignore.package != vulnerability.package:
        return False
    wanted = ignore.id.casefold()
    return any(wanted == i.casefold() for i in (vulnerability.id, *vulnerability.aliases))


def apply_policy(
    vulnerabilities: tuple[Vulnerability, ...],
    ignores: tuple[Ignore, ...],
    *,
    service: str,
    today: dt.date,
    lines: Mapping[str, int],
) -> PolicyResult:
    """Mark ignored findings, expired and unmatched ignores for *service* on *today*."""
    in_scope = tuple(i for i in ignores if i.applies_to(service))
    matched: set[int] = set()
    findings = []
    for vulnerability in vulnerabilities:
        ignored, reason, note = False, None, None
        for number, ignore in enumerate(in_scope):
            if not matches(ignore, vulnerability, service):
                continue
            matched.add(number)
            applies, why_not = _still_applies(ignore, vulnerability, today)
            if applies:
                ignored, reason, note = True, ignore.reason, None
                break
            note = why_not
        findings.append(
            Finding(
                vulnerability=vulnerability,
                ignored=ignored,
                ignore_reason=reason,
                note=note,
                line=lines.get(vulnerability.package),
            )
        )
    expired = tuple(
        f"ignore of {i.describe()} expired on {i.expiry.date.isoformat()} ({i.origin}); "
        "it no longer ignores anything"
        for i in in_scope
        if isinstance(i.expiry, ExpiresOn) and today > i.expiry.date
    )
    unmatched = tuple(i.describe() for n, i in enumerate(in_scope) if n not in matched)
    return PolicyResult(tuple(findings), expired, unmatched)


def _still_applies(ignore: Ignore, vulnerability: Vulnerability, today: dt.date) -> tuple[bool, str | None]:
    match ignore.expiry:
        case ExpiresOn(date=date):
            if today > date:
                return False, f"ignore expired on {date.isoformat()} ({ignore.origin})"
            return True, None
        case UntilFixed():
            if vulnerability.fix_versions:
                fixed = ", ".join(vulnerability.fix_versions)
                return (
                    False,
                    f"a fix exists ({fixed}), so the until-fixed ignore no longer applies ({ignore.origin})",
                )
            return True, None
