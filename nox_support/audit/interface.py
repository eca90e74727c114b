"""The small interfaces of the audit layers and the values that cross them.

A :class:`VulnerabilitySource` says who answers "is name==version vulnerable?"
and, for the duration of a scan, gives an :data:`Endpoint` a scanner can use.
A :class:`Scanner` scans one :class:`ScanTarget` (a synced venv) and returns
a :data:`ScanOutcome`: :class:`ScanCompleted` (possibly with skipped
packages, which make the verdict ``error``) or :class:`ScanFailed`.
A :class:`Reporter` renders the verdicts of a run into one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from nox_support.errors import NoxSupportError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

    from nox_support.audit.verdict import ServiceReport


class AuditError(NoxSupportError):
    """Root of the audit subsystem's errors."""


# ---------------------------------------------------------------------------
# Sources


@dataclass(frozen=True)
class SourceInfo:
    """What a vulnerability source is, for reports and for the verdict cache."""

    kind: str
    """``pypi``, ``osv``, ``offline`` or ``safety-db``."""
    location: str
    """A URL or a directory."""
    identity: str
    """Stable identity for caching: a content digest (offline) or the URL (online)."""
    ttl_seconds: float | None
    """How long a cached verdict from this source stays valid; ``None``: as long as ``identity``."""
    details: tuple[tuple[str, str], ...] = ()
    """Human facts for reports (records, newest record, age ...)."""
    warnings: tuple[str, ...] = ()
    """What a reader must know about the source although the audit can run (an old database)."""


@dataclass(frozen=True)
class PypiEndpoint:
    """Ask PyPI's JSON API (pip-audit's default service)."""

    timeout: float


@dataclass(frozen=True)
class OsvEndpoint:
    """POST OSV queries to ``url`` (``/v1/query`` API)."""

    url: str
    timeout: float


@dataclass(frozen=True)
class DatabaseEndpoint:
    """A database directory a scanner reads itself (safety's ``--db``)."""

    path: Path


Endpoint = PypiEndpoint | OsvEndpoint | DatabaseEndpoint


class VulnerabilitySource(Protocol):
    """Where vulnerability data comes from."""

    def info(self) -> SourceInfo:
        """Describe the source; cheap (no network, no parsing of a whole database)."""
        ...

    def serve(self) -> AbstractContextManager[Endpoint]:
        """Make the source reachable while the block runs (e.g. a loopback server).

        Raises :class:`SourceUnavailableError` when it cannot (unreadable database).
        """
        ...

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """(name, version) pairs the source answered during the last :meth:`serve`; ``None`` if unknown."""
        ...


class SourceUnavailableError(AuditError):
    """The source cannot answer at all (database unreadable, server cannot start)."""


# ---------------------------------------------------------------------------
# Scanners


@dataclass(frozen=True)
class AuditedPackage:
    """A package of the venv that a scanner must audit."""

    name: str
    version: str
    line: int | None = None
    """Its line in the service's lock, for SARIF locations."""


@dataclass(frozen=True)
class LocalPackage:
    """A local path package of the venv: never audited, reported as such."""

    name: str
    version: str
    path: str


@dataclass(frozen=True)
class ScanTarget:
    """One synced service venv."""

    service: str
    site_packages: Path
    python: Path
    packages: tuple[AuditedPackage, ...]
    local_packages: tuple[LocalPackage, ...]
    work_dir: Path
    """A private directory for the scanner's files (output, requirements, caches)."""


@dataclass(frozen=True)
class Vulnerability:
    """A scanner says ``package==version`` is affected by ``id``."""

    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    scanner: str
    summary: str = ""


@dataclass(frozen=True)
class SkippedPackage:
    """A scanner could not audit a package (not found in the source, unresolvable ...)."""

    package: str
    version: str | None
    reason: str
    scanner: str


@dataclass(frozen=True)
class ScanCompleted:
    """The scanner ran to the end; ``skipped`` non-empty still means "could not tell"."""

    scanner: str
    scanner_version: str
    source: SourceInfo
    vulnerabilities: tuple[Vulnerability, ...]
    skipped: tuple[SkippedPackage, ...] = ()
    problems: tuple[str, ...] = field(default=())
    """Inconsistencies found while reading the result (e.g. a package the scanner never reported)."""


@dataclass(frozen=True)
class ScanFailed:
    """The scanner could not give an answer (crash, source down, unavailable)."""

    scanner: str
    scanner_version: str
    source: SourceInfo
    reason: str


ScanOutcome = ScanCompleted | ScanFailed


class Scanner(Protocol):
    """Something that scans a venv against a source."""

    name: str

    def version(self) -> str:
        """The scanner's version (part of the verdict cache key); ``"unavailable"`` when missing."""
        ...

    def source(self) -> VulnerabilitySource:
        """The source this scanner consults."""
        ...

    def scan(self, target: ScanTarget) -> ScanOutcome:
        """Scan *target*; never raises for scanner or source failures (returns :class:`ScanFailed`)."""
        ...


# ---------------------------------------------------------------------------
# Reports


class Reporter(Protocol):
    """Renders the reports of a run into one text file."""

    filename: str
    """Relative to the reports directory (``audit.md``, ``audit.sarif``)."""

    def render(self, reports: tuple[ServiceReport, ...], *, root: Path) -> str:
        """The file's content for *reports* (pure)."""
        ...
