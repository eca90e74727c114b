"""PyPI's JSON API, pip-audit's default service.

pip-audit reports a package it cannot find there as *skipped* (and exits 0
unless ``--strict``); the verdict logic turns every skip into ``error``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from nox_support.audit.sources.interface import Endpoint, PypiEndpoint, SourceInfo

if TYPE_CHECKING:
    from collections.abc import Iterator

PYPI_URL = "https://pypi.org/pypi"


class PypiSource:
    """Vulnerabilities as published by PyPI (``/pypi/<name>/<version>/json``)."""

    def __init__(self, *, timeout: float, ttl_seconds: float) -> None:
        """Ask PyPI with *timeout*; cached verdicts live *ttl_seconds*."""
        self.timeout = timeout
        self.ttl_seconds = ttl_seconds

    def info(self) -> SourceInfo:
        """PyPI, identified by its URL, valid for the TTL."""
        return SourceInfo("pypi", PYPI_URL, f"pypi {PYPI_URL}", self.ttl_seconds)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        """Nothing to start: pip-audit talks to PyPI itself."""
        yield PypiEndpoint(self.timeout)

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """Unknown: the queries go straight from pip-audit to PyPI."""
        return None

    def failures(self) -> tuple[str, ...]:
        """Nothing is evaluated here: the scanner reports what the service could not answer."""
        return ()
