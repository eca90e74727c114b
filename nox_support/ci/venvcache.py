"""Per-service ``actions/cache`` entries of a matrix job: each venv under its own key.

A job's services share nothing in their keys: the venv of ``tests(orders)`` is
cached under ``<prefix><venv name>/<lock digest of orders>``, where the prefix
names the job kind, OS, architecture, runner image and exact Python.  Adding
a service, or moving one to another shard, changes no other key; a pull
request restores the default branch's entry for the same key (GitHub's
fallback).  The audit's verdict cache (``.nox/nox-support/audit-cache``) is
kept per service too, under ``<prefix><venv name>/<lock digest>/<day>``, so
expired verdicts are saved again once a day.

A static workflow cannot loop over ``actions/cache`` steps, and one
``actions/cache`` step restores one entry (its ``restore-keys`` are fallbacks
for one key, not more keys), so the local actions ``restore-caches`` and
``save-caches`` unroll :data:`CACHE_SLOTS` steps, one per entry; entries
beyond that are not cached (:attr:`JobCaches.uncached`).

Saving happens whatever the job's result, but only for a venv this job synced
or verified (its stamp carries the marker :mod:`nox_support.venv.record`
writes, which a restored cache never matches) while the service's locks still
hash to the digest in the key, and never for an entry restored by its exact
key (entries are immutable).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.venv import record
from nox_support.venv.shared import nox_env_dir
from nox_support.venv.stamp import STAMP_NAME, read_stamp

if TYPE_CHECKING:
    from nox_support.ci.noxlist import NoxSession

CACHE_SLOTS = 20
"""Restore and save steps the local cache actions unroll (a job's entries of one kind)."""
NOX_ENVDIR = ".nox"
VERDICT_CACHE = ".nox/nox-support/audit-cache"
"""The audit's verdict cache, relative to the Nox root (``audit.scan.STATE_DIR``)."""
AUDIT = "audit"


@dataclass(frozen=True)
class CacheEntry:
    """One ``actions/cache`` entry: a session's venv, or the verdicts of an audit session."""

    session: str
    service: str
    digest: str
    """The service's lock digest the key names (``matrix.lock_digest``)."""
    path: str
    """Relative to the workspace (``actions/cache`` resolves paths there)."""
    key: str
    restore_keys: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The entry as the job keeps it between restoring and saving."""
        return {
            "session": self.session,
            "service": self.service,
            "digest": self.digest,
            "path": self.path,
            "key": self.key,
            "restore_keys": list(self.restore_keys),
        }

    def to_output(self, *, save: bool = False) -> dict[str, object]:
        """What the local cache actions read: ``key``, ``restore_keys`` (lines), ``path``, ``save``."""
        return {
            "key": self.key,
            "restore_keys": "\n".join(self.restore_keys),
            "path": self.path,
            "save": save,
        }


@dataclass(frozen=True)
class JobCaches:
    """The cache entries of one matrix job."""

    venvs: tuple[CacheEntry, ...]
    verdicts: tuple[CacheEntry, ...]
    uncached: tuple[str, ...]
    """Sessions beyond :data:`CACHE_SLOTS`: their venvs are built afresh each run."""


def key_safe(name: str) -> str:
    """*name* if it can stand in a cache key (no comma, no ``/``), else a digest of it."""
    if re.fullmatch(r"[A-Za-z0-9._-]+", name):
        return name
    return "h" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def job_caches(  # noqa: PLR0913 - each argument is a distinct, independent input
    sessions: Sequence[NoxSession],
    digests: Mapping[str, str],
    *,
    venv_prefix: str,
    verdict_prefix: str | None = None,
    period: str = "",
    nox_root: str = ".",
) -> JobCaches:
    """The entries of the per-service *sessions* (pure): at most :data:`CACHE_SLOTS` of each kind."""
    venvs: list[CacheEntry] = []
    verdicts: list[CacheEntry] = []
    uncached: list[str] = []
    for session in sessions:
        if session.service is None:
            continue
        if len(venvs) == CACHE_SLOTS:
            uncached.append(session.session)
            continue
        digest = digests[session.service]
        venv = nox_env_dir(NOX_ENVDIR, session.session)
        name = key_safe(posixpath.basename(venv))
        venvs.append(
            CacheEntry(
                session=session.session,
                service=session.service,
                digest=digest,
                path=_join(nox_root, venv),
                key=f"{venv_prefix}{name}/{digest}",
                restore_keys=(f"{venv_prefix}{name}/",),
            )
        )
        if verdict_prefix is not None and session.name == AUDIT:
            this_lock = f"{verdict_prefix}{name}/{digest}/"
            verdicts.append(
                CacheEntry(
                    session=session.session,
                    service=session.service,
                    digest=digest,
                    path=_join(nox_root, VERDICT_CACHE),
                    key=f"{this_lock}{period}",
                    restore_keys=(this_lock, f"{verdict_prefix}{name}/"),
                )
            )
    return JobCaches(tuple(venvs), tuple(verdicts), tuple(uncached))


def _join(root: str, path: str) -> str:
    root = root.strip().rstrip("/")
    return path if root in ("", ".") else f"{root}/{path}"


def worth_saving(
    entries: Sequence[CacheEntry],
    restored: Mapping[str, object],
    digests: Mapping[str, str],
    synced: frozenset[str],
) -> tuple[bool, ...]:
    """Per entry, whether to save it (pure).

    Only for a session whose venv this job synced (*synced*), while its
    service's locks still hash to the key's digest (*digests*, read now), and
    not when *restored* (the ``steps`` of the restore action, slot ``slot-<i>``)
    says the exact key was restored: that entry exists and cannot change.
    """
    result = []
    for index, entry in enumerate(entries):
        step = restored.get(f"slot-{index}")
        outputs = step.get("outputs") if isinstance(step, dict) else None
        hit = isinstance(outputs, dict) and outputs.get("cache-hit") == "true"
        result.append(entry.session in synced and digests.get(entry.service) == entry.digest and not hit)
    return tuple(result)


def synced_here(venv: Path) -> bool:
    """Whether this machine synced or verified *venv* (a stamp, and the marker matching it).

    ``sync`` deletes the stamp before installing and writes it after; the
    marker names the stamp file's device, inode and ctime, which a venv
    unpacked from a cache never matches until a sync verifies it again.
    """
    stamp = venv / STAMP_NAME
    return read_stamp(venv) is not None and record.is_marked(venv, stamp)


def entries_from_json(items: object) -> tuple[CacheEntry, ...]:
    """Entries written by :meth:`CacheEntry.to_json` (the job's own file)."""
    if not isinstance(items, list):
        return ()
    return tuple(
        CacheEntry(
            session=str(item["session"]),
            service=str(item["service"]),
            digest=str(item["digest"]),
            path=str(item["path"]),
            key=str(item["key"]),
            restore_keys=tuple(str(k) for k in item["restore_keys"]),
        )
        for item in items
        if isinstance(item, dict)
    )
