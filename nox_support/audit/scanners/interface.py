"""The scanner layer: scan one synced venv against a source.

A :class:`Scanner` scans one :class:`ScanTarget` and returns a :data:`ScanOutcome`:
:class:`ScanCompleted` (possibly with skipped packages, which make the verdict
``error``) or :class:`ScanFailed`.  One module per scanner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from nox_support.audit.sources.interface import SourceInfo, SourceUnavailableError, VulnerabilitySource

if TYPE_CHECKING:
    from pathlib import Path


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


@dataclass(frozen=True)
class ScannerInputs:
    """What a scanner is built from (see :mod:`nox_support.audit.scanners.registry`)."""

    source: VulnerabilitySource
    """The configured vulnerability source (pip-audit's)."""
    safety_db: Path | None
    state_dir: Path
    """nox-support's private state directory (``.nox/nox-support``), for caches."""


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


def source_info(
    scanner: str, version: str, source: VulnerabilitySource, *, kind: str = "unavailable"
) -> SourceInfo | ScanFailed:
    """*source*'s info, or the :class:`ScanFailed` of *scanner* when the source cannot answer at all.

    *kind* names the source in that failure (its info is what failed).
    """
    try:
        return source.info()
    except SourceUnavailableError as exc:
        return ScanFailed(scanner, version, SourceInfo(kind, "", "", None), str(exc))
