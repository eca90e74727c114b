"""An OSV ``/v1/query`` API: osv.dev by default, or any URL (a mirror, a proxy)."""

from __future__ import annotations

import contextlib
import hashlib
from typing import TYPE_CHECKING

from nox_support.audit.sources.interface import Endpoint, OsvEndpoint, SourceInfo
from nox_support.core.redact import redact_url

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
        """The API, identified by a digest of its URL, valid for the TTL.

        The URL may carry a credential (``https://user:token@host``, ``?key=...``): reports show it
        redacted, and the cache identity is a digest, so a changed credential or URL is another
        identity without the cache storing the credential.
        """
        digest = hashlib.sha256(self.url.encode()).hexdigest()
        return SourceInfo("osv", redact_url(self.url), f"osv sha256:{digest}", self.ttl_seconds)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        """Nothing to start: the scanner talks to the API itself."""
        yield OsvEndpoint(self.url, self.timeout)

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """Unknown: the queries go straight to the API."""
        return None

    def failures(self) -> tuple[str, ...]:
        """Nothing is evaluated here: the scanner reports what the service could not answer."""
        return ()
