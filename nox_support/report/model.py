"""What the monorepo page shows: one row per service, the drift view and the findings (values only).

A result that could not be had is its own type: :class:`Missing` (no report) and
:class:`Unreadable` (a report this version cannot read), never a clean or empty result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Missing:
    """No report at *path*: the session that writes it has not run here (not a clean result)."""

    path: str


@dataclass(frozen=True)
class Unreadable:
    """The report at *path* exists but cannot be read (*reason* says why)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ReportText:
    """The text of a report file, read by the I/O edge (:mod:`nox_support.report.read`)."""

    path: str
    text: str


Report = ReportText | Missing | Unreadable

LockState = Literal["fresh", "stale", "missing", "unmarked", "unreadable", "altered", "stale-local", "broken"]


@dataclass(frozen=True)
class LockCheck:
    """The offline freshness verdict of one lock of a service (``nox -s freshness``)."""

    lock: str
    state: LockState
    message: str


@dataclass(frozen=True)
class ServiceInputs:
    """Everything the page reads about one service, before it is interpreted."""

    name: str
    locks: tuple[LockCheck, ...]
    lock_sha256: str
    """The SHA-256 of the main lock on disk now (``""`` when it cannot be read)."""
    audit: Report
    licences: Report
    tests: Report


@dataclass(frozen=True)
class AuditResult:
    """The verdict of the latest ``audit(<service>)``."""

    status: Literal["clean", "vulnerable", "error"]
    vulnerable: int
    ignored: int
    errors: int
    not_audited: int
    generated_at: str
    current: bool
    """Whether the audited lock is the lock on disk now (else the verdict is of an older lock)."""


@dataclass(frozen=True)
class LicenceResult:
    """The verdict of the latest ``licenses(<service>)``."""

    packages: int
    violations: int
    unknown: int
    excepted: int
    current: bool
    """Whether the checked lock is the lock on disk now."""


@dataclass(frozen=True)
class PytestResult:
    """The counts of the latest ``tests(<service>)`` (its JUnit report)."""

    tests: int
    failures: int
    errors: int
    skipped: int

    @property
    def passed(self) -> int:
        """Tests that neither failed, errored nor were skipped."""
        return self.tests - self.failures - self.errors - self.skipped


@dataclass(frozen=True)
class ServiceRow:
    """One service: its locks, and what its audit, licence check and tests said last."""

    name: str
    locks: tuple[LockCheck, ...]
    audit: AuditResult | Missing | Unreadable
    licences: LicenceResult | Missing | Unreadable
    tests: PytestResult | Missing | Unreadable


@dataclass(frozen=True)
class DriftCell:
    """The version of a package one lock pins, with the advisories its service's audit found for it."""

    lock: str
    version: str
    vulnerable: tuple[str, ...]


@dataclass(frozen=True)
class DriftRow:
    """A package locked at more than one version across the locks."""

    package: str
    verdict: str
    """Whether one version could serve every lock (``fits-all``, ``no-common-version`` ...)."""
    cells: tuple[DriftCell, ...]

    @property
    def versions(self) -> tuple[str, ...]:
        """The distinct versions, in the order drift listed them (newest first)."""
        return tuple(dict.fromkeys(cell.version for cell in self.cells))


@dataclass(frozen=True)
class DriftView:
    """``reports/drift.json``: packages x locks."""

    locks: tuple[str, ...]
    packages_locked: int
    rows: tuple[DriftRow, ...]


@dataclass(frozen=True)
class FindingRow:
    """One advisory for one package, across every service whose audit report lists it."""

    id: str
    package: str
    summary: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    versions: tuple[str, ...]
    services: tuple[str, ...]
    """Services it affects (not ignored there)."""
    ignored_in: tuple[str, ...]
    """Services whose policy ignores it."""


@dataclass(frozen=True)
class Page:
    """Everything ``reports/index.html`` shows."""

    services: tuple[ServiceRow, ...]
    drift: DriftView | Missing | Unreadable
    findings: tuple[FindingRow, ...]
    notes: tuple[str, ...]
