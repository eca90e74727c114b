"""The Nox boundary: session bodies called from ``noxfile.py``.

This is the only module that turns :class:`NoxSupportError` into
``session.error()``; everything below it raises.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support import _compat
from nox_support.core import logsafe
from nox_support.core.errors import NoxSupportError
from nox_support.core.redact import redact
from nox_support.discovery import NO_SERVICE, no_services_error
from nox_support.interpreters import Searched, find_interpreter, require_interpreter, without_downloads
from nox_support.noxfile_api import UNVERSIONED, api_message
from nox_support.project import Project, cached_project

if TYPE_CHECKING:
    import nox


def service_names(root: Path, *, api: int = UNVERSIONED) -> list[str]:
    """Service names for ``@nox.parametrize``; a discovery error stops Nox with its message.

    With no service, the one name :data:`~nox_support.discovery.NO_SERVICE`: Nox would skip a
    session without parameters and exit 0; this way the session runs and fails with a hint.
    *api* is the ``NOX_SUPPORT_API`` the noxfile was written for (a copy older than that
    constant passes none); a noxfile of another API version gets one message on stderr, naming
    the sessions it lacks.
    """
    names = [s.name for s in _loaded_or_exit(root).services] or [NO_SERVICE]
    message = api_message(api)
    if message is not None:
        logsafe.write(f"nox-support: {message}\n", sys.stderr)
    return names


def service_params(root: Path) -> list[object]:
    """``nox.param(interpreter, service, id=service)`` for sessions whose venv uses the service's Python.

    Nox is given the path :func:`~nox_support.interpreters.find_interpreter` found (the lookup
    ``lock`` uses), so it neither looks elsewhere nor downloads; uv's downloads are switched
    off for the run unless the user set ``UV_PYTHON_DOWNLOADS``.  A Python found nowhere gives
    ``python=False`` (no venv): the session still runs and fails with where it looked (``audit``
    records the service as ``error``), instead of Nox skipping it.
    """
    import nox  # noqa: PLC0415 - only the noxfile calls this

    os.environ.update(without_downloads(os.environ))
    services = _loaded_or_exit(root).services
    if not services:  # see service_names: no venv (python=False); the session fails with the hint
        return [nox.param(False, NO_SERVICE, id=NO_SERVICE)]
    found = {python: find_interpreter(python) for python in {s.python for s in services}}
    return [nox.param(_nox_python(found[s.python]), s.name, id=s.name) for s in services]


def _nox_python(found: Path | Searched) -> str | bool:
    """What a session's ``python`` is: the interpreter's path, or ``False`` (no venv) when missing."""
    return str(found) if isinstance(found, Path) else False


def _loaded_or_exit(root: Path) -> Project:
    # The noxfile is loading: Nox builds its manifest of every parametrized session next.
    _compat.speed_up_nox_manifest()
    _compat.neutralize_nox_log()  # from the noxfile's import on: Nox's own lines name services too
    try:
        return cached_project(root.resolve())
    except NoxSupportError as exc:
        logsafe.write(f"nox-support: {redact(str(exc))}\n", sys.stderr)
        raise SystemExit(2) from None


@contextmanager
def boundary(session: nox.Session) -> Iterator[None]:
    """Report a :class:`NoxSupportError` as a failed session, without a traceback or a credential.

    Every line the session logs passes :func:`nox_support.core.logsafe.message` (a filter on Nox's
    logger): outside text cannot start a GitHub workflow command or move the cursor.
    """
    _compat.neutralize_nox_log()
    try:
        yield
    except NoxSupportError as exc:
        session.error(redact(str(exc)))


def project(root: Path) -> Project:
    """The project at *root* (cached per process); no service at all is an error for every session."""
    loaded = cached_project(root.resolve())
    if not loaded.services:
        raise no_services_error(loaded.settings)
    return loaded


def lock(session: nox.Session, root: Path, service: str) -> None:
    """Body of ``lock(<service>)``."""
    from nox_support.lock.session import run_lock  # noqa: PLC0415 - keeps the noxfile's load (nox -l) light

    with boundary(session):
        run_lock(session, project(root), service)


def freshness(session: nox.Session, root: Path) -> None:
    """Body of ``freshness``: every lock of every (selected) service."""
    from nox_support.lock.session import run_freshness  # noqa: PLC0415

    with boundary(session):
        run_freshness(session, project(root))


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
        loaded = project(root)
        require_interpreter(loaded.service(service).python, service=service)
        run_tests(session, loaded, service)


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


def report(session: nox.Session, root: Path) -> None:
    """Body of ``report``."""
    from nox_support.report.session import run_report  # noqa: PLC0415

    with boundary(session):
        run_report(session, project(root))
