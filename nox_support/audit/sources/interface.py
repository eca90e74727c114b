"""The vulnerability-source layer: who answers "is name==version vulnerable?".

A :class:`VulnerabilitySource` describes itself (:class:`SourceInfo`) and, for the
duration of a scan, serves an :data:`Endpoint` a scanner can use; afterwards it
says what it was asked (:meth:`~VulnerabilitySource.queried`) and what it could
not answer (:meth:`~VulnerabilitySource.failures`).  One module per source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from nox_support.audit.errors import AuditError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path


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

    def failures(self) -> tuple[str, ...]:
        """Queries the source received but could not evaluate during the last :meth:`serve` (empty: none)."""
        ...


class SourceUnavailableError(AuditError):
    """The source cannot answer at all (database unreadable, server cannot start)."""
