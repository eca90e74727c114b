"""``nox-support cache-entries`` and ``cache-saves``: the I/O around :mod:`.venvcache`.

``cache-entries`` (before the sessions) names each session's cache entries and
keeps them in a file; ``cache-saves`` (after the sessions, whatever their
result) reads that file back and says which entries to save.  Both write step
outputs ``venvs`` and ``verdicts``: JSON lists for the local actions
``restore-caches`` and ``save-caches``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nox_support.ci.discover import service_facts
from nox_support.ci.matrix import JOB_KINDS, format_github_output
from nox_support.ci.noxlist import list_sessions
from nox_support.ci.venvcache import (
    CACHE_SLOTS,
    NOX_ENVDIR,
    CacheEntry,
    JobCaches,
    entries_from_json,
    job_caches,
    synced_here,
    worth_saving,
)
from nox_support.core import atomic
from nox_support.core.errors import NoxSupportError
from nox_support.project import Project
from nox_support.venv.shared import nox_env_dir


class CacheStepError(NoxSupportError):
    """The sessions or the kept entries do not fit the job."""


@dataclass(frozen=True)
class EntriesRequest:
    """``cache-entries``: the job's sessions and how its keys start."""

    root: Path
    sessions: tuple[str, ...]
    venv_prefix: str
    verdict_prefix: str | None
    period: str
    nox_root: str
    keep: Path


def lock_digests(root: Path, services: set[str]) -> dict[str, str]:
    """The current lock digest of each of *services* (as the matrix computes it)."""
    project = Project.load(root)
    return {
        s.name: service_facts(project.root, s).lock_digest for s in project.services if s.name in services
    }


def cache_entries(request: EntriesRequest) -> tuple[JobCaches, str]:
    """The job's entries (also kept in ``request.keep``) and its step outputs."""
    listed = {s.session: s for s in list_sessions(request.root, JOB_KINDS)}
    unknown = [s for s in request.sessions if s not in listed]
    if unknown:
        msg = f"Nox does not list the session(s) {', '.join(unknown)}"
        raise CacheStepError(msg, hint="pass the sessions of the job's matrix entry (matrix.sessions)")
    sessions = [listed[s] for s in request.sessions]
    digests = lock_digests(request.root, {s.service for s in sessions if s.service is not None})
    missing = sorted({s.service for s in sessions if s.service is not None} - set(digests))
    if missing:
        msg = f"no service {', '.join(missing)} was discovered under {request.root}"
        raise CacheStepError(msg, hint="run from the Nox root (the working directory of the job)")
    caches = job_caches(
        sessions,
        digests,
        venv_prefix=request.venv_prefix,
        verdict_prefix=request.verdict_prefix,
        period=request.period,
        nox_root=request.nox_root,
    )
    kept = {
        "venvs": [e.to_json() for e in caches.venvs],
        "verdicts": [e.to_json() for e in caches.verdicts],
    }
    atomic.write_text(request.keep, json.dumps(kept, indent=1) + "\n")
    outputs = _outputs(caches.venvs, caches.verdicts, None, None)
    return caches, outputs + format_github_output({"uncached": " ".join(caches.uncached)})


def cache_saves(root: Path, keep: Path, restored_venvs: Path, restored_verdicts: Path | None) -> str:
    """Step outputs flagging the kept entries this job should save."""
    try:
        kept = json.loads(keep.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read the job's cache entries {keep}: {exc}"
        raise CacheStepError(msg, hint="the step naming the caches must run first") from exc
    venvs = entries_from_json(kept.get("venvs") if isinstance(kept, dict) else None)
    verdicts = entries_from_json(kept.get("verdicts") if isinstance(kept, dict) else None)
    digests = lock_digests(root, {e.service for e in venvs})
    synced = frozenset(e.session for e in venvs if synced_here(root / nox_env_dir(NOX_ENVDIR, e.session)))
    venv_saves = worth_saving(venvs, _restored(restored_venvs), digests, synced)
    verdict_saves = worth_saving(
        verdicts, _restored(restored_verdicts) if restored_verdicts else {}, digests, synced
    )
    return _outputs(venvs, verdicts, venv_saves, verdict_saves)


def _restored(path: Path) -> dict[str, object]:
    """The restore action's ``steps`` (``{}`` when it never ran: then nothing was hit)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _outputs(
    venvs: tuple[CacheEntry, ...],
    verdicts: tuple[CacheEntry, ...],
    venv_saves: tuple[bool, ...] | None,
    verdict_saves: tuple[bool, ...] | None,
) -> str:
    assert len(venvs) <= CACHE_SLOTS  # job_caches caps them
    assert len(verdicts) <= CACHE_SLOTS
    return format_github_output(
        {
            "venvs": _compact(venvs, venv_saves),
            "verdicts": _compact(verdicts, verdict_saves),
            "saves": str(sum(venv_saves or ()) + sum(verdict_saves or ())),
        }
    )


def _compact(entries: tuple[CacheEntry, ...], saves: tuple[bool, ...] | None) -> str:
    flags = saves if saves is not None else (False,) * len(entries)
    return json.dumps(
        [e.to_output(save=s) for e, s in zip(entries, flags, strict=True)], separators=(",", ":")
    )
