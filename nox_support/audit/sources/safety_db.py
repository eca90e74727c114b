"""safety's own offline database directory (``insecure.json``, ``insecure_full.json``)."""

from __future__ import annotations

import contextlib
import hashlib
from typing import TYPE_CHECKING

from nox_support.audit.sources.interface import DatabaseEndpoint, Endpoint, SourceInfo, SourceUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

REQUIRED_FILES = ("insecure.json", "insecure_full.json")


class SafetyDbSource:
    """A safety database directory, identified by the digest of its files."""

    def __init__(self, path: Path | None) -> None:
        """Use the database at *path* (``None``: not configured, every scan fails)."""
        self.path = path

    def info(self) -> SourceInfo:
        """The database by content digest."""
        if self.path is None:
            msg = "safety is enabled but no offline safety database is configured"
            raise SourceUnavailableError(
                msg, hint="set NOX_SUPPORT_SAFETY_DB or safety_db in [tool.nox_support.audit]"
            )
        digest = hashlib.sha256()
        for name in REQUIRED_FILES:
            digest.update(name.encode() + b"\0" + _read(self.path / name))
        return SourceInfo("safety-db", str(self.path), f"safety-db sha256:{digest.hexdigest()}", None)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        """Let safety read the directory itself."""
        if self.path is None:  # pragma: no cover - info() refused already
            msg = "no safety database"
            raise SourceUnavailableError(msg)
        yield DatabaseEndpoint(self.path)

    def queried(self) -> frozenset[tuple[str, str]] | None:
        """Unknown: safety reads the files itself."""
        return None

    def failures(self) -> tuple[str, ...]:
        """Nothing is evaluated here: the scanner reports what the service could not answer."""
        return ()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        msg = f"safety database {path.parent}: cannot read {path.name}: {exc}"
        raise SourceUnavailableError(
            msg, hint="point NOX_SUPPORT_SAFETY_DB at a safety-db checkout (data/)"
        ) from exc
