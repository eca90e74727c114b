"""Nox's manifest in linear time: the upstream fix of ``docs/upstream/nox-manifest.patch``.

Part of :mod:`nox_support._compat` (every use of a dependency's private API): Nox's
``Manifest.add_session``, ``list_all_sessions`` and ``filter_by_name`` are quadratic in the number
of sessions, and ``nox -s NAME`` parses every signature; at 1,000 services (6,000 parametrized
sessions) that is most of a no-op run.  :func:`speed_up_nox_manifest` replaces them at noxfile
load, only while Nox's code is byte for byte the one this was written against.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import types
from typing import Any

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


# Nox's Call.generate_calls, 2025.5.1 to 2026.10.20.
_GENERATE_CALLS_SOURCES = frozenset({"51fb892cee9b536aee0a7c9cab432d80498cca7a50e945f737cd102087a6c37a"})


NOX_ORIGINALS: dict[str, Any] = {}
"""Nox's own functions that :func:`speed_up_nox_manifest` replaced (for tests and debugging)."""


def _source_digest(function: object) -> str:
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


def _generate_calls_inspecting_once(original: Any) -> Any:
    """Nox's ``Call.generate_calls`` with the session function's signature inspected once.

    Each ``Call`` of a session parametrized over ``python`` asks ``inspect.signature`` of the
    same function (2,000 times at 1,000 services, ~25 ms).  The signature is computed once and
    kept where ``inspect.signature`` looks first, the function's ``__signature__``: the answer
    is the same, only cheaper.  Nox's own code then runs unchanged.
    """

    def generate_calls(cls: Any, func: Any, param_specs: Any) -> Any:
        function = getattr(func, "func", None)
        if isinstance(function, types.FunctionType) and "__signature__" not in function.__dict__:
            with contextlib.suppress(TypeError, ValueError):
                function.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
        return original.__func__(cls, func, param_specs)

    generate_calls.__wrapped__ = original  # type: ignore[attr-defined]
    return classmethod(generate_calls)


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
    _speed_up_calls()
    Manifest.add_session = _linear_add_session  # type: ignore[method-assign]
    Manifest.list_all_sessions = _linear_list_all_sessions  # type: ignore[method-assign]
    Manifest.filter_by_name = _linear_filter_by_name  # type: ignore[method-assign]
    Manifest._nox_support_linear = True  # type: ignore[attr-defined]  # noqa: SLF001
    return True


def _speed_up_calls() -> None:
    """Apply :func:`_generate_calls_inspecting_once` while Nox's ``generate_calls`` is the known one."""
    from nox._decorators import Call  # noqa: PLC0415

    original = Call.__dict__["generate_calls"]
    if _source_digest(original.__func__) in _GENERATE_CALLS_SOURCES:
        NOX_ORIGINALS["generate_calls"] = original
        Call.generate_calls = _generate_calls_inspecting_once(original)  # type: ignore[method-assign]
