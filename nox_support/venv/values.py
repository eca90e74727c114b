"""The values of a venv sync: what the locks ask for, what the venv holds, how a sync ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nox_support.core.errors import NoxSupportError

if TYPE_CHECKING:
    from pathlib import Path

    from nox_support.lock.model import LockedPackage

Installer = Literal["uv", "pip"]


class VenvError(NoxSupportError):
    """A service venv cannot be synced to its locks."""


class VenvMismatchError(VenvError):
    """After syncing, the venv still does not hold exactly the locked packages."""

    def __init__(self, message: str, *, problems: tuple[str, ...], hint: str | None = None) -> None:
        """Keep the individual *problems* for callers that report them one by one."""
        super().__init__(message, hint=hint)
        self.problems = problems


@dataclass(frozen=True)
class LocalRequirement:
    """A local path package named by a lock; ``path`` is absolute."""

    path: Path
    extras: str
    editable: bool
    lock: str
    line: int


@dataclass(frozen=True)
class LockPlan:
    """What the locks ask for, merged across locks (pure result of :func:`plan_locks`)."""

    packages: tuple[LockedPackage, ...]
    local: tuple[LocalRequirement, ...]


@dataclass(frozen=True)
class InstalledDist:
    """A distribution found in the venv's ``site-packages``."""

    name: str
    version: str
    dist_info: str
    direct_url: str | None = None


@dataclass(frozen=True)
class LocalInstall:
    """A local path package as installed in the venv (never hash-checked, never audited)."""

    name: str
    version: str
    path: str
    """The path as written in the lock (relative to the service directory)."""
    lock: str
    line: int


@dataclass(frozen=True)
class Stamp:
    """What a synced venv holds and what it was synced from."""

    locks: tuple[tuple[str, str], ...]
    """(lock path relative to the service directory, sha256 of its bytes)."""
    interpreter: str
    python_version: str
    local_fingerprint: str
    contents: tuple[str, ...]
    """Sorted ``*.dist-info`` directory names in ``site-packages``."""
    packages: tuple[tuple[str, str], ...]
    """(canonical name, version) of every locked named package installed."""
    local_packages: tuple[LocalInstall, ...]
    installer: Installer
    records: tuple[tuple[str, str], ...] = ()
    """(``*.dist-info`` name, sha256 of its RECORD): see :mod:`nox_support.venv.record`."""
    unlisted: tuple[tuple[str, str], ...] = ()
    """(path in ``site-packages``, sha256) of the files no RECORD hashes."""
    pin_hashes: tuple[tuple[str, str], ...] = ()
    """(canonical name, sha256 over the lock's sorted ``--hash`` values) per locked package."""


@dataclass(frozen=True)
class AlreadySynced:
    """The stamp matched: nothing was installed (no pip or uv process ran)."""

    venv: Path
    stamp: Stamp


@dataclass(frozen=True)
class Synced:
    """The venv was synced in place; ``reason`` says why (new venv, lock changed ...)."""

    venv: Path
    stamp: Stamp
    reason: str


@dataclass(frozen=True)
class Rebuilt:
    """The venv was deleted, recreated by Nox, then synced; ``reason`` says why."""

    venv: Path
    stamp: Stamp
    reason: str


SyncResult = AlreadySynced | Synced | Rebuilt
