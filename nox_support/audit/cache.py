"""The verdict cache: completed scans keyed by what determines them.

Key: the venv's content (lock digests, installed distributions, Python
version, from the sync stamp), the scanner and its version, and the source's
identity (an offline database by content; an online source by URL).  An entry
from a source with a time-to-live expires after the *configured* one (default 24 h,
``cache_ttl_hours``), whatever the entry itself says.  Only
scans that completed with nothing skipped and nothing inconsistent are
stored: an answer that could not tell is always asked again.  Policy
(ignores) is applied after the cache, so editing ignores or crossing an
expiry date takes effect at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING

from nox_support.audit.codec import outcome_from_json, outcome_to_json
from nox_support.audit.scanners.interface import ScanCompleted
from nox_support.audit.sources.interface import SourceInfo
from nox_support.core import atomic

if TYPE_CHECKING:
    from pathlib import Path

    from nox_support.venv.values import Stamp

CACHE_FORMAT = 1


def cache_key(stamp: Stamp, scanner: str, scanner_version: str, source: SourceInfo) -> str:
    """The digest naming one cached scan (pure)."""
    parts = {
        "locks": stamp.locks,
        "contents": stamp.contents,
        "python": stamp.python_version,
        "scanner": f"{scanner}=={scanner_version}",
        "source": source.identity,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cacheable(outcome: ScanCompleted) -> bool:
    """Whether *outcome* is a definite answer worth reusing."""
    return not outcome.skipped and not outcome.problems


class ScanCache:
    """One JSON file per (service, scanner) under *directory*."""

    def __init__(self, directory: Path) -> None:
        """Store entries under *directory*."""
        self.directory = directory

    def get(
        self, service: str, scanner: str, key: str, *, ttl_seconds: float | None, now: float | None = None
    ) -> ScanCompleted | None:
        """The cached scan for *key*, unless absent, for another key, or older than *ttl_seconds*.

        *ttl_seconds* is the configured lifetime of the current source (``None``: identified by
        content, no expiry).  Whatever the entry says of its own lifetime is never read: a cached
        verdict carries no authority of its own.
        """
        try:
            data = json.loads(self._path(service, scanner).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
            return None
        try:
            outcome = outcome_from_json(data["outcome"])
            created = float(data["created"])
        except (KeyError, TypeError, ValueError):
            return None
        current = time.time() if now is None else now
        if ttl_seconds is not None and not (0 <= current - created < ttl_seconds):
            return None
        return outcome

    def put(self, service: str, key: str, outcome: ScanCompleted, *, now: float | None = None) -> None:
        """Store *outcome* atomically (callers check :func:`cacheable`); raises ``OSError``."""
        path = self._path(service, outcome.scanner)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": CACHE_FORMAT,
            "key": key,
            "created": time.time() if now is None else now,
            "outcome": outcome_to_json(outcome),
        }
        atomic.write_text(path, json.dumps(data))

    def _path(self, service: str, scanner: str) -> Path:
        return self.directory / f"{service}.{scanner}.json"
