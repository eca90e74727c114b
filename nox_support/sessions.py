"""The Nox boundary: session bodies called from ``noxfile.py``.

This is the only module that turns :class:`NoxSupportError` into
``session.error()``; everything below it raises.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.discovery import default_python_note
from nox_support.errors import DiscoveryError, NoxSupportError
from nox_support.lock import freshness as fresh
from nox_support.lock.orchestrate import Fresh, lock_service, parse_lock_args
from nox_support.project import Project, cached_project
from nox_support.redact import redact

if TYPE_CHECKING:
    import nox


def service_names(root: Path) -> list[str]:
    """Service names for ``@nox.parametrize``; a discovery error stops Nox with its message."""
    return [s.name for s in _loaded_or_exit(root).services]


def service_params(root: Path) -> list[object]:
    """``nox.param(python, service, id=service)``: sessions whose venv uses the service's Python."""
    import nox  # noqa: PLC0415 - only the noxfile calls this

    return [nox.param(s.python, s.name, id=s.name) for s in _loaded_or_exit(root).services]


def _loaded_or_exit(root: Path) -> Project:
    try:
        return cached_project(root.resolve())
    except NoxSupportError as exc:
        sys.stderr.write(f"nox-support: {exc}\n")
        raise SystemExit(2) from None


@contextmanager
def boundary(session: nox.Session) -> Iterator[None]:
    """Report a :class:`NoxSupportError` as a failed session, without a traceback or a credential."""
    try:
        yield
    except NoxSupportError as exc:
        session.error(redact(str(exc)))


def project(root: Path) -> Project:
    """The project at *root* (cached per process)."""
    return cached_project(root.resolve())


_PYTHON_NOTED: set[Path] = set()
"""Roots whose default target Python was already named: Nox runs every session of a run in one
process, so ``nox -s lock`` over fifty services says it once."""


def lock(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``lock(<service>)``."""
    with boundary(session):
        proj = project(root)
        svc = proj.service(service)
        if proj.root not in _PYTHON_NOTED:
            _PYTHON_NOTED.add(proj.root)
            note = default_python_note(proj.services)
            if note:
                session.warn(note)
        args = parse_lock_args(session.posargs)
        for outcome in lock_service(proj.root, svc, proj.settings, proj.compiler, args):
            lock_path = outcome.layer.lock.relative_to(proj.root).as_posix()
            if isinstance(outcome, Fresh):
                session.log(f"{service}: {lock_path} is up to date (inputs unchanged)")
            elif outcome.changed:
                if outcome.note:
                    session.warn(f"{service}: {lock_path} {outcome.note}")
                session.log(f"{service}: wrote {lock_path}")
            else:
                session.log(f"{service}: {lock_path} recompiled, no change")


def freshness(session: nox.Session, root: Path) -> None:
    """Body of ``freshness``: every lock of every (selected) service."""
    with boundary(session):
        proj = project(root)
        args = fresh.parse_freshness_args(session.posargs)
        if not proj.services:
            globs = ", ".join(proj.settings.service_globs)
            msg = f"no services found: no directory matching {globs} holds a requirements.in"
            raise DiscoveryError(msg, hint="add services or set [tool.nox_support] service_globs")
        check = fresh.deep_check_layer if args.deep else fresh.check_layer
        bad = 0
        total = 0
        for svc in proj.select(args.services):
            for layer in svc.layers:
                total += 1
                verdict = check(proj.root, svc, layer, proj.settings, proj.compiler)
                if not isinstance(verdict, fresh.FreshLock):
                    bad += 1
                    session.warn(fresh.describe(verdict))
        if bad:
            session.error(f"{bad} of {total} locks are not fresh (see above)")
        session.log(f"all {total} locks are fresh")


def audit(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``audit(<service>)``."""
    from nox_support.audit.session import run_audit  # noqa: PLC0415 - keeps lock/freshness start-up light

    with boundary(session):
        run_audit(session, project(root), service)


def audit_summary(session: nox.Session, root: Path) -> None:
    """Body of ``audit_summary`` (queued by every ``audit`` session with ``session.notify``)."""
    from nox_support.audit.session import run_audit_summary  # noqa: PLC0415

    with boundary(session):
        run_audit_summary(session, project(root))


def tests(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``tests(<service>)``."""
    from nox_support.ci.tests_session import run_tests  # noqa: PLC0415

    with boundary(session):
        run_tests(session, project(root), service)


def lock_diff(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``lock_diff(<service>)``."""
    from nox_support.ci.lock_diff_session import run_lock_diff  # noqa: PLC0415

    with boundary(session):
        run_lock_diff(session, project(root), service)


def sbom(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``sbom(<service>)``."""
    from nox_support.sbom.session import run_sbom  # noqa: PLC0415 - keeps lock/freshness start-up light

    with boundary(session):
        run_sbom(session, project(root), service)


def licenses(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``licenses(<service>)``."""
    from nox_support.licenses.session import run_licenses  # noqa: PLC0415

    with boundary(session):
        run_licenses(session, project(root), service)


def drift(session: nox.Session, root: Path) -> None:
    """Body of ``drift``."""
    from nox_support.drift.session import run_drift  # noqa: PLC0415

    with boundary(session):
        run_drift(session, project(root))


def conflicts(session: nox.Session, root: Path) -> None:
    """Body of ``conflicts``."""
    from nox_support.conflicts.session import run_conflicts  # noqa: PLC0415

    with boundary(session):
        run_conflicts(session, project(root))
