"""Fakes that subclass the audit layer's real interfaces (as pip-audit's test/conftest.py does).

A fake that drifts from :class:`VulnerabilitySource` or :class:`Scanner` fails mypy.
"""

from __future__ import annotations

import contextlib
import errno
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.audit.cache import ScanCache
from nox_support.audit.scanners.interface import ScanCompleted, Scanner, ScanOutcome, ScanTarget
from nox_support.audit.sources.interface import (
    DatabaseEndpoint,
    Endpoint,
    SourceInfo,
    SourceUnavailableError,
    VulnerabilitySource,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class FakeSource(VulnerabilitySource):
    """A source whose identity and time-to-live the test sets; counts how often it was served."""

    def __init__(self, identity: str = "fake sha256:1", *, ttl_seconds: float | None = None) -> None:
        self.identity = identity
        self.ttl_seconds = ttl_seconds
        self.unavailable: str | None = None
        self.served = 0

    def info(self) -> SourceInfo:
        if self.unavailable is not None:
            raise SourceUnavailableError(self.unavailable)
        return SourceInfo("offline", "/fake/db", self.identity, self.ttl_seconds)

    @contextlib.contextmanager
    def _serve(self) -> Iterator[Endpoint]:
        self.served += 1
        yield DatabaseEndpoint(Path("/fake/db"))

    def serve(self) -> contextlib.AbstractContextManager[Endpoint]:
        return self._serve()

    def queried(self) -> frozenset[tuple[str, str]] | None:
        return None

    def failures(self) -> tuple[str, ...]:
        return ()


class FakeScanner(Scanner):
    """A scanner that answers with what *answer* builds from its source's info; records each scan."""

    def __init__(
        self,
        source: FakeSource,
        answer: Callable[[SourceInfo], ScanOutcome] | None = None,
        *,
        name: str = "pip-audit",
        version: str = "2.10",
    ) -> None:
        self.name = name
        self._version = version
        self._source = source
        self._answer = answer or (lambda info: ScanCompleted(self.name, self._version, info, ()))
        self.scanned: list[ScanTarget] = []

    def version(self) -> str:
        return self._version

    def source(self) -> VulnerabilitySource:
        return self._source

    def scan(self, target: ScanTarget) -> ScanOutcome:
        self.scanned.append(target)
        with self._source.serve():
            return self._answer(self._source.info())


class FullDiskCache(ScanCache):
    """A verdict cache on a full disk: every ``put`` fails as the atomic writer would."""

    def put(self, service: str, key: str, outcome: ScanCompleted, *, now: float | None = None) -> None:  # noqa: ARG002
        raise OSError(errno.ENOSPC, "No space left on device")
