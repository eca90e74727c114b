"""Every use of a dependency's private API, in one place.

nox-support reaches below the public API of three dependencies; each such use
is a function here, each dependency carries an upper bound in
``pyproject.toml``, and ``tests/test_compat.py`` imports and checks every
symbol so that a release that moves one fails the test suite loudly instead
of turning audits into errors at run time:

- **pip-audit** (``<3``): ``pip_audit._audit.Auditor``, the dependency-source and
  service interfaces, ``OsvService``/``PyPIService`` and ``JsonFormat`` (the
  in-process audit, :mod:`nox_support.audit.scanners.pip_audit_library`).
  ``OsvService(osv_url=...)`` exists from 2.10 on, hence the floor.
- **Nox** (``<2027``): ``nox.virtualenv.VirtualEnv`` to create tool venvs for
  other target Pythons (:mod:`nox_support.lock.toolenv`); the session's runner
  (``session._runner``: its ``global_config``, the run's ``manifest``, its ``_queue``, each
  runner's ``envdir``) and ``nox.virtualenv.get_virtualenv`` to open the audit venv that
  ``sbom``/``licenses`` share and that :mod:`nox_support.audit.ahead` syncs ahead; and
  ``session.virtualenv.create()`` with ``reuse_existing`` to recreate a broken
  service venv (:mod:`nox_support.venv`); and ``nox.manifest.Manifest``, whose
  ``add_session`` and ``list_all_sessions`` are quadratic in the number of sessions
  (:func:`speed_up_nox_manifest` applies the upstream fix in
  ``docs/upstream/nox-manifest.patch`` while Nox's code is the one it was written for).
  Whether a venv must be rebuilt is decided from nox-support's own stamp, not from Nox's
  private ``_reused``.
- **pip** (through ``pip-tools<8``): ``pip._internal.commands.create_command("install")``
  and its ``parse_args``, the very call pip-compile makes to read pip's configuration
  (``piptools.repositories.pypi``), so every pip that pip-tools supports offers it; used to hand
  pip's effective index settings to uv (:mod:`nox_support.indexconfig`).
- **uv** (``<0.14``): ``uv.find_uv_bin()`` is public; the bound covers the
  decorations of ``uv pip compile``'s error output that
  :mod:`nox_support.lock.compile.uv` strips.

Parsed output text that stays where it is parsed (same bounds, listed here so
that one file names every fragile point): pip's resolver error text, reached
through pip-tools (``pip-tools<8``), in :mod:`nox_support.lock.compile.piptools`;
uv's error decorations in :mod:`nox_support.lock.compile.uv`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nox_support._compat.manifest import NOX_ORIGINALS, speed_up_nox_manifest
from nox_support.core import logsafe
from nox_support.core.errors import ConfigError, NoxSupportError

__all__ = ["NOX_ORIGINALS", "speed_up_nox_manifest"]  # nox_support._compat.manifest, re-exported

PIP_AUDIT_RANGE = ">=2.10,<3"
NOX_RANGE = ">=2025.5.1,<2027"
UV_RANGE = ">=0.7,<0.14"

NOISY_LOGGERS = (
    "pip",  # every VCS backend it registers, when imported
    "pip_api",
    "pip_audit",
    "cachecontrol",
    "urllib3",
    "cyclonedx",
    "py_serializable",  # every model field cyclonedx registers, when imported
    "serializable",  # the same, py-serializable before 2.0
    "filelock",
)
"""Loggers of dependencies that log at DEBUG on import or per request."""


def quiet_library_logs() -> None:
    """Show only warnings and errors of :data:`NOISY_LOGGERS`: Nox shows DEBUG records.

    As their own command lines do (``PIP_AUDIT_LOGLEVEL`` defaults to WARNING); called before
    the first import of pip, pip-audit or cyclonedx in the Nox process.
    """
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class CompatError(NoxSupportError):
    """An installed dependency no longer offers the private API nox-support uses."""


# ---------------------------------------------------------------------------
# pip-audit


@dataclass(frozen=True)
class PipAuditApi:
    """The pip-audit classes the in-process audit is built from."""

    auditor: Any
    dependency_source: Any
    dependency: Any
    resolved_dependency: Any
    skipped_dependency: Any
    json_format: Any
    osv_service: Any
    pypi_service: Any


@functools.cache
def pip_audit_api() -> PipAuditApi:
    """Import pip-audit's private classes once (importing pip-audit costs ~0.35 s)."""
    try:
        from pip_audit._audit import Auditor  # noqa: PLC0415
        from pip_audit._dependency_source.interface import DependencySource  # noqa: PLC0415
        from pip_audit._format import JsonFormat  # noqa: PLC0415
        from pip_audit._service import OsvService, PyPIService  # noqa: PLC0415
        from pip_audit._service.interface import (  # noqa: PLC0415
            Dependency,
            ResolvedDependency,
            SkippedDependency,
        )
    except ImportError as exc:
        raise CompatError(
            f"this pip-audit does not offer the API nox-support uses: {exc}",
            hint=f"install a supported pip-audit: pip install 'pip-audit{PIP_AUDIT_RANGE}'",
        ) from exc
    if "osv_url" not in inspect.signature(OsvService).parameters:
        raise CompatError(
            "this pip-audit's OsvService takes no osv_url (pip-audit 2.10 added it)",
            hint=f"install a supported pip-audit: pip install 'pip-audit{PIP_AUDIT_RANGE}'",
        )
    return PipAuditApi(
        Auditor,
        DependencySource,
        Dependency,
        ResolvedDependency,
        SkippedDependency,
        JsonFormat,
        OsvService,
        PyPIService,
    )


def osv_service(url: str, cache_dir: Path, timeout: int, *, direct: bool, session: Any = None) -> Any:
    """pip-audit's OSV service pointed at *url*; *direct*: ignore the environment's proxies.

    pip-audit's ``requests`` session honours ``HTTP(S)_PROXY``; a corporate proxy cannot reach
    nox-support's loopback server, so for it the session must not read the environment
    (``trust_env``).  *session*: what answers *url* in this process, in place of pip-audit's
    ``requests`` session (its ``post``, and a response's ``raise_for_status`` and ``json``).
    """
    service = pip_audit_api().osv_service(cache_dir, timeout, osv_url=url)
    if direct:
        service.session.trust_env = False
    if session is not None:
        service.session = session
    return service


def pypi_service(cache_dir: Path, timeout: int) -> Any:
    """pip-audit's PyPI service."""
    return pip_audit_api().pypi_service(cache_dir, timeout)


# ---------------------------------------------------------------------------
# Nox


def create_tool_venv(location: Path, python: str, backend: str) -> None:
    """Create a fresh venv at *location* for the interpreter *python* (a path) with Nox's ``VirtualEnv``.

    The interpreter was found by :mod:`nox_support.interpreters`: Nox never downloads one.
    """
    from nox.virtualenv import VirtualEnv  # noqa: PLC0415 - only when a foreign Python is needed

    options = _without_downloads(VirtualEnv, {"reuse_existing": False, "venv_backend": backend})
    VirtualEnv(str(location), interpreter=python, **options).create()


def recreate_session_venv(virtualenv: object) -> None:
    """Have Nox create the session's venv again (its directory was removed).

    ``create()`` honours ``reuse_existing``; it is switched off for the call so
    that Nox really creates the venv, then restored.
    """
    create = getattr(virtualenv, "create", None)
    if create is None:
        msg = f"this Nox's session venv ({type(virtualenv).__name__}) has no create()"
        raise CompatError(msg, hint=f"install a supported Nox: pip install 'nox{NOX_RANGE}'")
    previous = getattr(virtualenv, "reuse_existing", None)
    try:
        if previous is not None:
            virtualenv.reuse_existing = False  # type: ignore[attr-defined]
        create()
    finally:
        if previous is not None:
            virtualenv.reuse_existing = previous  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# pip


def pip_install_options() -> Any:
    """The options pip's ``install`` command parses from pip's configuration and ``PIP_*`` alone.

    Raises :class:`~nox_support.core.errors.ConfigError` when pip refuses its configuration.
    """
    quiet_library_logs()
    try:
        from pip._internal.commands import create_command  # noqa: PLC0415 - only when syncing
    except ImportError as exc:  # pragma: no cover - pip-tools depends on pip
        msg = f"pip's configuration cannot be read: {exc}"
        raise CompatError(msg, hint="reinstall nox-support (pip-tools needs pip)") from exc
    try:
        options, _ = create_command("install").parse_args([])
    except SystemExit as exc:  # pip's option parser exits on a bad value (PIP_NO_INDEX=maybe)
        msg = "pip's configuration (pip.conf, PIP_* variables) is invalid: pip refused it"
        raise ConfigError(
            msg, hint="run `python -m pip config debug` to see where each value comes from"
        ) from exc
    return options


# ---------------------------------------------------------------------------
# uv


@functools.cache
def uv_binary() -> str | None:
    """The uv executable: the one installed with nox-support, else ``uv`` on PATH, else ``None``."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415 - a small import, done once

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def nox_global_config(session: object) -> Any:
    """The run's parsed options (``session._runner.global_config``), or ``None``."""
    return getattr(getattr(session, "_runner", None), "global_config", None)


def nox_envdir(session: Any) -> str:
    """The run's ``--envdir`` as Nox was given it (default ``.nox``), else the session venv's parent."""
    envdir = getattr(nox_global_config(session), "envdir", None)
    return str(os.fspath(envdir if envdir is not None else session.env_dir.parent))


def nox_session_runner(session: object, name: str, **params: str) -> Any:
    """The run's session runner of session *name* with call parameters *params*, or ``None``.

    Matched on the name and parameters (from the run's manifest), not on the signature text,
    which changes with parameter ids and forced Pythons (``-P``); among several (one per
    forced Python), the one this run selected, if any.
    """
    manifest = getattr(getattr(session, "_runner", None), "manifest", None)
    listing = getattr(manifest, "list_all_sessions", None)
    if listing is None:
        return None
    matches = [
        (selected, runner)
        for runner, selected in listing()
        if getattr(runner, "name", None) == name
        and all(
            getattr(getattr(runner, "func", None), "call_spec", {}).get(k) == v for k, v in params.items()
        )
    ]
    return next((runner for selected, runner in matches if selected), matches[0][1] if matches else None)


@dataclass(frozen=True)
class QueuedSession:
    """A session still queued in this Nox run (after the one running now)."""

    name: str
    params: dict[str, Any]
    reuses_venv: bool  # the session's reuse_venv and the run's options let Nox reuse its venv


def nox_queued_sessions(session: object) -> tuple[QueuedSession, ...] | None:
    """Sessions still to run, in order (``manifest._queue``, the running one popped), else ``None``."""
    queue = getattr(getattr(getattr(session, "_runner", None), "manifest", None), "_queue", None)
    if not isinstance(queue, list):
        return None
    return tuple(
        QueuedSession(str(getattr(r, "name", "")), _call_spec(r), bool(r.reuse_existing_venv()))
        for r in list(queue)
    )


def _call_spec(runner: object) -> dict[str, Any]:
    return dict(getattr(getattr(runner, "func", None), "call_spec", {}))


def nox_runner_envdir(runner: Any) -> str:
    """A runner's venv directory, computed by Nox (without its "name was hashed" warning in our log)."""
    nox_logger = logging.getLogger("nox")
    previous = nox_logger.level
    nox_logger.setLevel(logging.ERROR)
    try:
        return str(runner.envdir)
    finally:
        nox_logger.setLevel(previous)


def nox_virtualenv(*backends: str, **options: Any) -> Any:
    """``nox.virtualenv.get_virtualenv(*backends, **options)``: a venv object as Nox builds one.

    With ``download_python="never"`` where Nox has that option: the interpreter is a path found
    by :mod:`nox_support.interpreters`.
    """
    from nox.virtualenv import get_virtualenv  # noqa: PLC0415 - Nox is imported only inside sessions

    return get_virtualenv(*backends, **_without_downloads(get_virtualenv, options))


def _without_downloads(factory: Any, options: dict[str, Any]) -> dict[str, Any]:
    """*options* plus ``download_python="never"`` when *factory* takes it (Nox releases since 2025.5.1)."""
    if "download_python" in inspect.signature(factory).parameters:
        return {**options, "download_python": "never"}
    return options


def neutralize_nox_log() -> None:
    """Every line Nox logs (``session.log``/``warn``, a session's failure) passes :mod:`.logsafe`."""
    logsafe.install(logging.getLogger("nox"))
