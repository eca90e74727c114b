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
point a session at another session's venv), hence the two private Nox
details used below, each with a fallback: ``nox.sessions._normalize_path``
(the venv directory name) and the run's parsed options (the venv backend
chosen with ``--force-venv-backend`` / ``--default-venv-backend``).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from nox_support.freshness import require_fresh
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


def audit_venv_location(envdir: Path, service: str) -> Path:
    """Where Nox puts the venv of ``audit(<service>)`` under *envdir* (``.nox``)."""
    name = f"{AUDIT_SESSION}({service})"
    try:
        from nox.sessions import _normalize_path  # noqa: PLC0415 - Nox's own naming, see module doc

        return Path(_normalize_path(str(envdir), name))
    except ImportError:  # pragma: no cover - a Nox without the helper: its documented naming rule
        slug = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "-", name).strip().lower()).strip("-")
        return envdir / slug


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
    session: nox.Session, project: Project, service: Service
) -> Iterator[venv_values.SyncResult]:
    """Sync the audit venv of *service* to its main lock and hold its lock while the block reads it.

    The lock is checked first as ``audit`` checks it (body digest, lock rules, unchanged inputs):
    no installer starts for a lock that is stale or was altered by hand.
    """
    require_fresh(project.root, service, (service.main,), project.settings, project.compiler)
    location = audit_venv_location(session.env_dir.resolve().parent, service.name)
    env = _open(session, location, service)
    with venv_sync.synced(
        _OnVenv(session, env).as_nox(), service, (service.main.lock,), purpose="audit"
    ) as result:
        yield result


def _open(session: nox.Session, location: Path, service: Service) -> Any:
    from nox.virtualenv import get_virtualenv  # noqa: PLC0415 - Nox is imported only inside sessions

    config = getattr(getattr(session, "_runner", None), "global_config", None)
    forced = getattr(config, "force_venv_backend", None)
    default = getattr(config, "default_venv_backend", None) or _noxfile_default_backend()
    configured = str(forced or default or "virtualenv")
    if configured == "none":
        msg = f"the audit venv of service {service.name!r} cannot be used with venv_backend 'none'"
        raise VenvError(msg, hint="run without --no-venv / --force-venv-backend none")
    download: Literal["auto", "never", "always"] = "auto"
    if getattr(config, "download_python", None) in {"never", "always"}:
        download = config.download_python  # type: ignore[union-attr]
    try:
        env = get_virtualenv(
            *backend_for(location, configured),
            download_python=download,
            envdir=str(location),
            reuse_existing=True,
            interpreter=service.python,
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
