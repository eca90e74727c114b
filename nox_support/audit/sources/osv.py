"""An OSV ``/v1/query`` API: osv.dev by default, or any URL (a mirror, a proxy)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from nox_support.audit.interface import Endpoint, OsvEndpoint, SourceInfo

if TYPE_CHECKING:
    from collections.abc import Iterator


class OsvSource:
    """Vulnerabilities from an online OSV API."""

    def __init__(self, url: str, *, timeout: float, ttl_seconds: float) -> None:
        """Query *url*; cached verdicts live *ttl_seconds*."""
        self.url = url
        self.timeout = timeout
        self.ttl_seconds = ttl_seconds

    def info(self) -> SourceInfo:
        """The API, identified by its URL, valid for the TTL."""
        return SourceInfo("osv", self.url, f"osv {self.url}", self.ttl_seconds)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        """Nothing to start: the scanner talks to the API itself."""
        yield OsvEndpoint(self.url, self.timeout)

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """Unknown: the queries go straight to the API."""
        return None
