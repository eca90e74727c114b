"""An offline OSV database served to the scanner over loopback.

:meth:`OfflineOsvSource.info` only identifies the database (cheap, cached);
the records are loaded when a scan actually needs them, in :meth:`serve`.

A snapshot is judged by its newest record: past :data:`STALE_AFTER_DAYS` the
source carries a warning that every report shows, and past
``max_db_age_days`` (when set) :meth:`~OfflineOsvSource.info` refuses it, so
the audit, cached verdict or not, is ``error``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from nox_support.audit import osvdb
from nox_support.audit.server import OsvServer
from nox_support.audit.sources.interface import Endpoint, OsvEndpoint, SourceInfo, SourceUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

STALE_AFTER_DAYS = 30
"""A database whose newest record is older than this is reported as old (a warning)."""
FUTURE_TOLERANCE_DAYS = 1
"""Clock skew accepted before a record dated in the future makes the age unknown."""
_LISTED_FILES = 3


class DatabaseTooOldError(SourceUnavailableError):
    """The offline database is older than ``max_db_age_days`` allows."""


class OfflineOsvSource:
    """A directory of OSV records (``NOX_SUPPORT_OSV_DB``)."""

    def __init__(
        self, path: Path, *, cache_root: Path, timeout: float, max_age_days: float | None = None
    ) -> None:
        """Serve the database at *path*; its parsed index is cached under *cache_root*.

        With *max_age_days*, a database whose newest record is older (or of unknown age) is refused.
        """
        self.path = path
        self.cache_root = cache_root
        self.timeout = timeout
        self.max_age_days = max_age_days
        self._queried: frozenset[tuple[str, str]] | None = None
        self._failures: tuple[str, ...] = ()

    def info(self) -> SourceInfo:
        """The database by content digest, with its size, age and what was not used.

        Raises :class:`DatabaseTooOldError` past ``max_age_days``.
        """
        identity = osvdb.identify(self.path, self.cache_root)
        age = identity.age_days()
        self._check_age(identity, age)
        details = (
            ("records", str(identity.records)),
            ("withdrawn", str(identity.withdrawn)),
            ("other ecosystems", str(identity.other_ecosystems)),
            ("ignored files", _listed(identity.ignored_files)),
            ("newest record", identity.newest or "unknown"),
            ("age", "unknown" if age is None else f"{age:.0f} days"),
            ("content sha256", identity.content),
        )
        warnings = () if self.max_age_days is not None else self._age_warnings(identity, age)
        return SourceInfo(
            "offline", str(self.path), f"offline sha256:{identity.content}", None, details, warnings
        )

    def _check_age(self, identity: osvdb.DatabaseIdentity, age: float | None) -> None:
        if self.max_age_days is None:
            return
        limit = f"max_db_age_days = {self.max_age_days:g}"
        unknown = self._unknown_age(identity, age)
        if unknown is not None:
            msg = f"{unknown} ({limit})"
        elif age is not None and age > self.max_age_days:
            msg = (
                f"offline OSV database {self.path} is {age:.0f} days old (newest record "
                f"{identity.newest}), older than {limit} allows"
            )
        else:
            return
        raise DatabaseTooOldError(
            msg,
            hint="update the database (for example git pull in it), or raise max_db_age_days "
            "([tool.nox_support.audit] or NOX_SUPPORT_MAX_DB_AGE_DAYS)",
        )

    def _age_warnings(self, identity: osvdb.DatabaseIdentity, age: float | None) -> tuple[str, ...]:
        fix = (
            "update it, or set max_db_age_days ([tool.nox_support.audit] or "
            "NOX_SUPPORT_MAX_DB_AGE_DAYS) to make an older database an error"
        )
        unknown = self._unknown_age(identity, age)
        if unknown is not None:
            return (f"{unknown}; {fix}",)
        if age is not None and age > STALE_AFTER_DAYS:
            old = f"offline OSV database {self.path} is {age:.0f} days old (newest record {identity.newest})"
            return (f"{old}; {fix}",)
        return ()

    def _unknown_age(self, identity: osvdb.DatabaseIdentity, age: float | None) -> str | None:
        if age is None:
            return (
                f"offline OSV database {self.path}: no record has a 'modified' timestamp, "
                "so its age is unknown"
            )
        if age < -FUTURE_TOLERANCE_DAYS:
            # A record dated in the future would make any snapshot look fresh forever.
            return (
                f"offline OSV database {self.path}: its newest record is dated in the future "
                f"({identity.newest}), so its age is unknown"
            )
        return None

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


def _listed(files: tuple[str, ...]) -> str:
    if not files:
        return "0"
    shown = ", ".join(files[:_LISTED_FILES])
    more = f", ... {len(files) - _LISTED_FILES} more" if len(files) > _LISTED_FILES else ""
    return f"{len(files)} ({shown}{more})"
