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
  (``session._runner``: its ``global_config``, the run's ``manifest`` and each
  runner's ``envdir``) and ``nox.virtualenv.get_virtualenv`` to open the audit
  venv that ``sbom``/``licenses`` share (:mod:`nox_support.venv.shared`); and
  ``session.virtualenv.create()`` with ``reuse_existing`` to recreate a broken
  service venv (:mod:`nox_support.venv`); and ``nox.manifest.Manifest``, whose
  ``add_session`` and ``list_all_sessions`` are quadratic in the number of sessions
  (:func:`speed_up_nox_manifest` applies the upstream fix in
  ``docs/upstream/nox-manifest.patch`` while Nox's code is the one it was written for).
  Whether a venv must be rebuilt is decided from nox-support's own stamp, not from Nox's
  private ``_reused``.
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

from nox_support.errors import NoxSupportError

PIP_AUDIT_RANGE = ">=2.10,<3"
NOX_RANGE = ">=2025.5.1,<2027"
UV_RANGE = ">=0.7,<0.14"


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


def osv_service(url: str, cache_dir: Path, timeout: int, *, direct: bool) -> Any:
    """pip-audit's OSV service pointed at *url*; *direct*: ignore the environment's proxies.

    pip-audit's ``requests`` session honours ``HTTP(S)_PROXY``; a corporate proxy
    cannot reach nox-support's loopback server, so for it the session must not
    read the environment (``trust_env``).
    """
    service = pip_audit_api().osv_service(cache_dir, timeout, osv_url=url)
    if direct:
        service.session.trust_env = False
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


# ---------------------------------------------------------------------------
# Nox's manifest: O(1) session registration (docs/upstream/nox-manifest.patch)

# sha256 of the source of each method this patch replaces, in the Nox releases it was checked
# against (2025.5.1 to 2026.10.20): a Nox whose method differs is left alone.
_MANIFEST_SOURCES = {
    "add_session": "ecd3b5165d24ff4cfc44c2dfd0ed8f31843267edc31013802245f8c50599df89",
    "list_all_sessions": "1bcb3c23d6342e4f27ed959f7acc6a7635c7e5fa6e8e229cacf11d248291b770",
    "filter_by_name": "c9504441ffa40234ee3752802c3c2cd217efcfb2a0fd5c83d8213153be828062",
}


# Nox's _normalized_session_match, 2025.5.1 and 2026.10.20 (the same semantics, two spellings).
_SESSION_MATCH_SOURCES = frozenset(
    {
        "126110641b5b07554606a6ff4f97f7b86cff4427a47141bd4324e9b16204a29b",
        "d61469c1f4129780c40b87f65c14ae0e24ef1f40189fbbf1e24895c9da752b13",
    }
)


NOX_ORIGINALS: dict[str, Any] = {}
"""Nox's own functions that :func:`speed_up_nox_manifest` replaced (for tests and debugging)."""


def _source_digest(function: object) -> str:
    import hashlib  # noqa: PLC0415 - only at noxfile load

    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()  # type: ignore[arg-type]


def _linear_add_session(self: Any, session: Any) -> None:
    """Nox's ``Manifest.add_session`` with a set of session ids instead of two list scans."""
    ids: set[int] | None = self.__dict__.get("_nox_support_ids")
    if ids is None:  # the first call (sessions added before the patch are counted)
        ids = self.__dict__["_nox_support_ids"] = {id(s) for s in self._all_sessions}
    if id(session) not in ids:
        # A session new to the manifest cannot be queued yet: no list scan.
        ids.add(id(session))
        self._all_sessions.append(session)
        self._queue.append(session)
    elif session not in self._queue:
        self._queue.append(session)


def _linear_list_all_sessions(self: Any) -> Any:
    """Yields all sessions and whether or not they're selected."""
    queued = {id(session) for session in self._queue}
    for session in self._all_sessions:
        yield session, id(session) in queued


def _linear_filter_by_name(self: Any, specified_sessions: Any) -> None:
    """Nox's ``Manifest.filter_by_name``, parsing signatures only for a name not found as written.

    Nox normalizes (parses) every session name and signature to report the requested ones it
    does not know; a requested name found verbatim is known without that.
    """
    import nox.manifest  # noqa: PLC0415

    specified_sessions = list(specified_sessions)
    self._queue = [
        session
        for session_name in specified_sessions
        for session in self._queue
        if nox.manifest._normalized_session_match(session_name, session)  # noqa: SLF001
    ]
    verbatim = {x.name for x in self._all_sessions if x.name}.union(
        *(x.signatures for x in self._all_sessions)
    )
    unknown = [name for name in specified_sessions if name not in verbatim]
    if unknown:
        normalize = nox.manifest._normalize_arg  # noqa: SLF001
        known = set(map(normalize, verbatim))
        missing_sessions = [name for name in unknown if normalize(name) not in known]
        if missing_sessions:
            msg = f"Sessions not found: {', '.join(missing_sessions)}"
            raise KeyError(msg)


def _quick_session_match(original: Any) -> Any:
    """Nox's ``_normalized_session_match`` that answers a plain session name without parsing.

    Nox compares ``nox -s NAME`` with every signature of every session by parsing both as Python
    (``ast``): 6,000 parses at 1,000 services.  A bare identifier parses to a lone name, which a
    signature Nox writes (``name`` or ``name(params)``) equals only when it is that exact text,
    already compared before any parsing: the answer is ``False`` with no parse.  Anything else
    goes to Nox's own function.
    """

    def match(session_name: str, session: Any) -> bool:
        if session_name == session.name or session_name in session.signatures:
            return True
        if session_name.isidentifier():
            return False
        return bool(original(session_name, session))

    match.__wrapped__ = original  # type: ignore[attr-defined]
    return match


def speed_up_nox_manifest() -> bool:
    """Make Nox's session registration linear in the number of sessions; ``True`` if applied.

    Nox's ``Manifest.add_session`` tests list membership twice per session and
    ``list_all_sessions`` once per session: with 1,000 services (6,000 parametrized sessions)
    that is ~0.5 s of every ``nox`` command.  The replacement keeps Nox's semantics (a session is
    registered and queued once) with a set of session ids; it is applied only while Nox's methods
    are byte for byte the ones it was written against, so a Nox release that changes them keeps
    its own code.
    """
    try:
        from nox.manifest import Manifest  # noqa: PLC0415 - only the noxfile calls this
    except ImportError:  # pragma: no cover - Nox is a dependency
        return False
    if getattr(Manifest, "_nox_support_linear", False):
        return True
    try:
        known = {name: _source_digest(getattr(Manifest, name)) for name in _MANIFEST_SOURCES}
    except (AttributeError, OSError, TypeError):  # pragma: no cover - no source (zipapp)
        return False
    if known != _MANIFEST_SOURCES:
        return False
    import nox.manifest  # noqa: PLC0415

    NOX_ORIGINALS.update({name: getattr(Manifest, name) for name in _MANIFEST_SOURCES})
    NOX_ORIGINALS["_normalized_session_match"] = nox.manifest._normalized_session_match  # noqa: SLF001
    if _source_digest(nox.manifest._normalized_session_match) in _SESSION_MATCH_SOURCES:  # noqa: SLF001
        nox.manifest._normalized_session_match = _quick_session_match(nox.manifest._normalized_session_match)  # noqa: SLF001
    Manifest.add_session = _linear_add_session  # type: ignore[method-assign]
    Manifest.list_all_sessions = _linear_list_all_sessions  # type: ignore[method-assign]
    Manifest.filter_by_name = _linear_filter_by_name  # type: ignore[method-assign]
    Manifest._nox_support_linear = True  # type: ignore[attr-defined]  # noqa: SLF001
    return True
