"""The synced venv of ``audit(<service>)``, used by other per-service sessions.

``sbom(<service>)`` and ``licenses(<service>)`` read the exact environment the
audit scans, so they never create a venv of their own: they run with
``venv_backend="none"`` and open ``audit(<service>)``'s venv here (the path
Nox gives that session, ``.nox/audit-<service>``), create it the way Nox
would when it does not exist yet, and sync it through :func:`nox_support.venv.sync.synced`
with the same lock, stamp and ``flock`` as the audit.  A venv that cannot be
synced raises :class:`~nox_support.venv.values.VenvError`: nothing is ever read from
a venv that does not match its lock.

Nox names a session's venv after the session (there is no public way to
point a session at another session's venv), hence the private Nox details,
each a function of :mod:`nox_support._compat` with a fallback: the run's manifest
(the runner of ``audit(<service>)``, whose ``envdir`` is Nox's own answer,
long paths hashed included), the run's ``--envdir`` and the run's parsed
options (the venv backend chosen with ``--force-venv-backend`` /
``--default-venv-backend``).  Without the manifest, :func:`nox_env_dir`
applies Nox's naming rule to the unresolved ``--envdir``: resolving it
first would change the length rule's verdict and name another directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from nox_support import _compat
from nox_support.interpreters import require_interpreter
from nox_support.lock.freshness import require_fresh
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from nox_support.venv.values import VenvError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import nox

    from nox_support.discovery import Service
    from nox_support.project import Project

AUDIT_SESSION = "audit"
"""The session whose venv is shared (its ``purpose`` in :mod:`nox_support.venv` too)."""


def audit_venv_location(session: nox.Session, service: str) -> Path:
    """The directory Nox gives ``audit(<service>)`` in this run (``.nox/audit-<service>``).

    Nox's own answer when the run knows the audit session (its runner's
    ``envdir``: same envdir string, signature and hashing of long paths), else
    Nox's naming rule applied to the run's envdir and ``audit(<service>)``.
    """
    runner = _compat.nox_session_runner(session, AUDIT_SESSION, service=service)
    if runner is not None:
        return Path(_compat.nox_runner_envdir(runner))
    return Path(nox_env_dir(_compat.nox_envdir(session), f"{AUDIT_SESSION}({service})"))


def nox_env_dir(envdir: str, signature: str) -> str:
    """Nox's venv directory for a session *signature* under *envdir* (pure; ``nox.sessions._normalize_path``).

    The name is the signature slugified; when ``<envdir>/<name>/bin/pythonX.Y``
    would exceed 100 characters the name becomes the first 8 hex digits of its
    SHA-1.  *envdir* is used as Nox was given it (usually the relative
    ``.nox``), never resolved: the length rule counts its characters.
    """
    name = unicodedata.normalize("NFKD", signature).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "-", name).strip().lower()).strip("-")
    if not name:
        name = hashlib.sha1(signature.encode("utf-8")).hexdigest()[:8]  # noqa: S324 - Nox's naming, not security
    full = os.path.join(envdir, name)  # noqa: PTH118 - the exact string Nox measures
    if len(full) > _NOX_MAX_VENV_PATH - len("bin/pythonX.Y") and len(envdir) < _NOX_MAX_VENV_PATH - 9:
        full = os.path.join(envdir, hashlib.sha1(name.encode("ascii")).hexdigest()[:8])  # noqa: PTH118, S324
    return full


_NOX_MAX_VENV_PATH = 100
"""Nox hashes a venv name when the venv's interpreter path would be longer than this."""


def backend_for(location: Path, configured: str) -> tuple[str, ...]:
    """The venv backends to try: the one that made an existing venv, else *configured* (pure-ish).

    Reusing the backend of an existing venv keeps Nox from recreating it when
    the audit session reuses it (Nox recreates a venv of another type).
    """
    try:
        text = (location / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return tuple(configured.split("|"))
    keys = {line.partition("=")[0].strip() for line in text.splitlines() if "=" in line}
    if "uv" in keys:
        return ("uv",)
    if "virtualenv" in keys:
        return ("virtualenv",)
    return ("venv",)


@contextlib.contextmanager
def synced_audit_venv(
    session: nox.Session, project: Project, service: Service, *, location: Path | None = None
) -> Iterator[venv_values.SyncResult]:
    """Sync the audit venv of *service* to its main lock and hold its lock while the block reads it.

    The lock is checked first as ``audit`` checks it (body digest, lock rules, unchanged inputs):
    no installer starts for a lock that is stale or was altered by hand.  *location*: the venv's
    directory when the caller already asked Nox (:func:`audit_venv_location`).
    """
    require_fresh(project, service, (service.main,))
    if location is None:
        location = audit_venv_location(session, service.name)
    env = _open(session, location, service)
    with venv_sync.synced(
        _OnVenv(session, env).as_nox(), service, (service.main.lock,), purpose="audit"
    ) as result:
        yield result


def _open(session: nox.Session, location: Path, service: Service) -> Any:
    config = _compat.nox_global_config(session)
    forced = getattr(config, "force_venv_backend", None)
    default = getattr(config, "default_venv_backend", None) or _noxfile_default_backend()
    configured = str(forced or default or "virtualenv")
    if configured == "none":
        msg = f"the audit venv of service {service.name!r} cannot be used with venv_backend 'none'"
        raise VenvError(msg, hint="run without --no-venv / --force-venv-backend none")
    interpreter = require_interpreter(service.python, service=service.name)
    try:
        env = _compat.nox_virtualenv(
            *backend_for(location, configured),
            envdir=str(location),
            reuse_existing=True,
            interpreter=str(interpreter),
        )
        env.create()
    except Exception as exc:  # Nox raises its own types for missing interpreters and backends
        msg = f"cannot create the audit venv of service {service.name!r} at {location}: {exc}"
        raise VenvError(msg, hint=f"check that Python {service.python} is installed") from exc
    return env


def _noxfile_default_backend() -> str | None:
    import nox  # noqa: PLC0415

    value = getattr(nox.options, "default_venv_backend", None)
    return value if isinstance(value, str) else None


class _OnVenv:
    """A Nox session whose ``virtualenv`` is the audit venv; everything else is the real session."""

    def __init__(self, session: nox.Session, env: Any) -> None:
        self._session = session
        self.virtualenv = env

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def as_nox(self) -> nox.Session:
        return cast("nox.Session", self)
