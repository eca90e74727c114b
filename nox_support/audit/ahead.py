"""Sync the venvs of a run's later ``audit(<service>)`` sessions ahead, while the first one runs.

Nox runs the sessions of ``nox -s audit`` one after the other in one process, so
a cold audit of many services used to pay, service after service, a venv
creation and a ``uv pip sync`` (subprocesses that leave the CPU idle while they
wait on files) before each scan.  The first audit session of a run now hands
the venvs of the other audit sessions still queued in this run to a few
threads (as many as the machine has CPUs, ``NOX_SUPPORT_AUDIT_AHEAD`` to
change it, ``0`` to switch it off), each doing exactly what ``sbom`` and
``licenses`` do to reach an audit venv (:func:`nox_support.venv.shared.synced_audit_venv`):
the lock checked as ``audit`` checks it, the venv created where and as Nox
will look for it, and synced with hash checking under the venv's own file
lock and stamp.  When a later session's turn comes, its sync finds the stamp
and installs nothing; its report says ``synced ahead (...)``.

Where safe, and only there:

- nothing is skipped: a venv synced ahead passed the same lock check and the
  same hash-checked install, and the session still checks the stamp under the
  file lock before its scan;
- a failure ahead (stale lock, missing Python, an install that fails) is not
  a verdict: it is logged at debug level and forgotten, and the session of
  that service syncs its venv itself and reports whatever happens then;
- Nox creates a session's venv before the session's code runs, outside
  nox-support's file lock, so every audit session waits, before it ends, for
  the work ahead on the venv of the session Nox runs next (for every venv
  when the next session is not an audit session): Nox never creates a venv
  a thread is still writing;
- a run that stops (Ctrl-C, or a failure under ``nox -x``) cancels the syncs not yet started;
- with ``--no-reuse-existing-virtualenvs`` (Nox recreates each venv anyway),
  under ``nox -j`` in a session subprocess (nothing else is queued there), or
  when this Nox does not show its queue, nothing is synced ahead.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from nox_support import _compat
from nox_support.audit.scan import describe_sync
from nox_support.core.errors import ConfigError
from nox_support.venv import shared
from nox_support.venv import values as venv_values

if TYPE_CHECKING:
    from pathlib import Path

    import nox

    from nox_support.discovery import Service
    from nox_support.project import Project

AHEAD_ENV = "NOX_SUPPORT_AUDIT_AHEAD"
"""How many venvs are synced at once ahead of their sessions (default: the CPUs; ``0``: none)."""


@dataclass
class _Run:
    """The work ahead of one Nox run in one repository (process state, never crosses a module)."""

    futures: dict[str, Future[venv_values.SyncResult]] = field(default_factory=dict)


_RUNS: dict[tuple[Path, int], _Run] = {}


def ahead_workers(environ: dict[str, str] | os._Environ[str] | None = None) -> int:
    """How many venvs to sync at once: ``NOX_SUPPORT_AUDIT_AHEAD``, else the usable CPUs."""
    raw = (os.environ if environ is None else environ).get(AHEAD_ENV, "").strip()
    if not raw:
        usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
        return max(1, len(usable))
    if not raw.isdigit():
        msg = f"{AHEAD_ENV}={raw!r} is not a number of venvs"
        raise ConfigError(
            msg, hint=f"for example {AHEAD_ENV}=2, or {AHEAD_ENV}=0 to sync each venv in its session"
        )
    return int(raw)


def start(session: nox.Session, project: Project, current: str) -> None:
    """In the first audit session of a run: sync the venvs of the other queued audit sessions ahead."""
    key = _key(session, project.root)
    if key in _RUNS:
        return
    run = _RUNS[key] = _Run()
    workers = ahead_workers()
    services = _queued_audits(session, project, current)
    if workers == 0 or not services:
        return
    # Nox's answer for each venv's location, asked here: the threads never touch Nox's manifest.
    locations = {s.name: shared.audit_venv_location(session, s.name) for s in services}
    session.log(f"syncing the audit venvs of {len(services)} more services ahead ({workers} at a time)")
    quiet = cast("nox.Session", _Quiet(session))
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nox-support-ahead")
    for service in services:
        run.futures[service.name] = executor.submit(_sync, quiet, project, service, locations[service.name])
    executor.shutdown(wait=False)  # what was submitted still runs; the threads end with it


def settle(session: nox.Session, root: Path, *, failed: bool = False, interrupted: bool = False) -> None:
    """Before an audit session ends: wait for the work ahead on the venv Nox creates next.

    Only that venv's when the next queued session is an audit session synced ahead; every
    venv's otherwise (or when the queue is unknown).  When the run stops here (interrupted,
    or *failed* under ``nox -x``), the work not yet started is cancelled instead, and nothing
    is waited for.
    """
    run = _RUNS.get(_key(session, root))
    if run is None or not run.futures:
        return
    config = _compat.nox_global_config(session)
    if interrupted or (failed and bool(getattr(config, "stop_on_first_error", False))):
        for future in run.futures.values():
            future.cancel()
        return
    queued = _compat.nox_queued_sessions(session) or ()
    following = queued[0] if queued else None
    service = (
        following.params.get("service") if following and following.name == shared.AUDIT_SESSION else None
    )
    waiting = (
        [run.futures[service]]
        if isinstance(service, str) and service in run.futures
        else run.futures.values()
    )
    for future in waiting:
        _outcome(future, session)


def describe(session: nox.Session, root: Path, service: str, sync: venv_values.SyncResult) -> str:
    """How the venv got in sync, for the report: ``synced ahead (...)`` when the work ahead did it."""
    run = _RUNS.get(_key(session, root))
    future = run.futures.get(service) if run else None
    if isinstance(sync, venv_values.AlreadySynced) and future is not None and future.done():
        ahead = _outcome(future, session)
        if isinstance(ahead, venv_values.Synced | venv_values.Rebuilt) and ahead.stamp == sync.stamp:
            return f"synced ahead ({ahead.reason})"
    return describe_sync(sync)


def _sync(session: nox.Session, project: Project, service: Service, location: Path) -> venv_values.SyncResult:
    with shared.synced_audit_venv(session, project, service, location=location) as result:
        return result


def _outcome(future: Future[venv_values.SyncResult], session: nox.Session) -> venv_values.SyncResult | None:
    """The sync's result, or ``None`` when it failed (the session then syncs and reports itself)."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a failure ahead is never a verdict
        session.debug(f"syncing ahead did not finish ({type(exc).__name__}); the session syncs itself")
        return None


def _queued_audits(session: nox.Session, project: Project, current: str) -> list[Service]:
    queued = _compat.nox_queued_sessions(session) or ()
    known = {s.name: s for s in project.services}
    names = [
        q.params.get("service")
        for q in queued
        if q.name == shared.AUDIT_SESSION and q.reuses_venv and q.params.get("service") != current
    ]
    return [known[n] for n in dict.fromkeys(n for n in names if isinstance(n, str) and n in known)]


def _key(session: nox.Session, root: Path) -> tuple[Path, int]:
    # One Nox run = one parsed configuration; tests may run several in one process.
    return root, id(_compat.nox_global_config(session))


class _Quiet:
    """The session for the threads: their progress lines go to the debug log, not the running session's."""

    def __init__(self, session: nox.Session) -> None:
        self._session = session

    def log(self, *args: Any, **kwargs: Any) -> None:
        self._session.debug(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
