"""Bodies of the ``lock(<service>)`` and ``freshness`` sessions.

They raise :class:`~nox_support.core.errors.NoxSupportError`; :mod:`nox_support.sessions` turns it
into ``session.error()``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.core.errors import StaleLockError
from nox_support.discovery import default_python_note, no_services_error, unused_pyproject_note
from nox_support.lock import freshcache
from nox_support.lock import freshness as fresh
from nox_support.project import Project

if TYPE_CHECKING:
    import nox

    from nox_support.lock.orchestrate import LayerOutcome


_PYTHON_NOTED: set[Path] = set()
"""Roots whose default target Python was already named: Nox runs every session of a run in one
process, so ``nox -s lock`` over fifty services says it once."""


def run_lock(session: nox.Session, project: Project, service: str) -> None:
    """Lock every layer of *service*, logging what was (not) written."""
    from nox_support.lock.lockargs import parse_lock_args  # noqa: PLC0415 - not needed by freshness
    from nox_support.lock.orchestrate import Fresh, lock_service  # noqa: PLC0415

    svc = project.service(service)
    if project.root not in _PYTHON_NOTED:
        _PYTHON_NOTED.add(project.root)
        for note in (default_python_note(project.services), unused_pyproject_note(project.services)):
            if note:
                session.warn(note)
    args = parse_lock_args(session.posargs)

    def tell(outcome: LayerOutcome) -> None:  # as each layer is done: a later failure hides nothing
        lock_path = outcome.layer.lock.relative_to(project.root).as_posix()
        if isinstance(outcome, Fresh):
            session.log(f"{service}: {lock_path} is up to date (inputs unchanged)")
        elif outcome.changed:
            if outcome.note:
                session.warn(f"{service}: {lock_path} {outcome.note}")
            session.log(f"{service}: wrote {lock_path}")
        else:
            session.log(f"{service}: {lock_path} recompiled, no change")

    lock_service(project, svc, args, on_outcome=tell)


def run_freshness(session: nox.Session, project: Project) -> None:
    """Check every lock of every (selected) service; one warning per lock that is not fresh."""
    args = fresh.parse_freshness_args(session.posargs)
    if not project.services:
        raise no_services_error(project.settings)
    bad = 0
    total = 0
    cache = None if args.deep or args.no_cache else freshcache.load(str(project.root), now_ns=time.time_ns())
    memo = None if cache is None else cache[0]
    for verdict in fresh.check_services(project, project.select(args.services), deep=args.deep, memo=memo):
        total += 1
        if not isinstance(verdict, fresh.FreshLock):
            bad += 1
            session.warn(fresh.describe(verdict))
    if cache is not None:
        freshcache.save(*cache)
    if bad:
        msg = f"{bad} of {total} locks are not fresh (see above)"
        raise StaleLockError(msg)
    hits = 0 if memo is None else len(memo.hits)
    known = f" ({hits} unchanged since a run proved them; -- --no-cache reads them all)" if hits else ""
    session.log(f"all {total} locks are fresh{known}")
