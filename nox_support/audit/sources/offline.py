"""An offline OSV database served to the scanner over loopback.

:meth:`OfflineOsvSource.info` only identifies the database (cheap, cached);
the records are loaded when a scan actually needs them, in :meth:`serve`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from nox_support.audit import osvdb
from nox_support.audit.interface import Endpoint, OsvEndpoint, SourceInfo
from nox_support.audit.server import OsvServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class OfflineOsvSource:
    """A directory of OSV records (``NOX_SUPPORT_OSV_DB``)."""

    def __init__(self, path: Path, *, cache_root: Path, timeout: float) -> None:
        """Serve the database at *path*; its parsed index is cached under *cache_root*."""
        self.path = path
        self.cache_root = cache_root
        self.timeout = timeout
        self._queried: frozenset[tuple[str, str]] | None = None
        self._failures: tuple[str, ...] = ()

    def info(self) -> SourceInfo:
        """The database by content digest, with its size and age."""
        identity = osvdb.identify(self.path, self.cache_root)
        age = identity.age_days()
        details = (
            ("records", str(identity.records)),
            ("newest record", identity.newest or "unknown"),
            ("age", "unknown" if age is None else f"{age:.0f} days"),
            ("content sha256", identity.content),
        )
        return SourceInfo("offline", str(self.path), f"offline sha256:{identity.content}", None, details)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        """Load the index and serve it on loopback while the block runs."""
        index = osvdb.load(self.path, self.cache_root)
        self._queried = None
        with OsvServer(index) as server:
            try:
                yield OsvEndpoint(server.url, self.timeout)
            finally:
                self._queried = server.queried()
                self._failures = server.failures()

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """What the server answered during the last :meth:`serve`."""
        return self._queried

    def failures(self) -> tuple[str, ...]:
        """Queries the server could not evaluate during the last :meth:`serve`."""
        return self._failures
