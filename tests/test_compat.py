"""Smoke test of every private API nox-support uses (nox_support._compat): a release that moves one
fails here, loudly, instead of turning audits into errors at run time."""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nox
import pytest
from nox.virtualenv import VirtualEnv
from packaging.requirements import Requirement
from packaging.version import Version
from uv import find_uv_bin

from nox_support import _compat
from nox_support._compat import manifest as compat_manifest


def declared(name: str) -> Requirement:
    for line in metadata.requires("nox-support") or []:
        requirement = Requirement(line)
        if requirement.name == name and requirement.marker is None:
            return requirement
    raise AssertionError(f"nox-support does not declare {name}")


@pytest.mark.parametrize(
    ("distribution", "declared_range"),
    [("pip-audit", _compat.PIP_AUDIT_RANGE), ("nox", _compat.NOX_RANGE), ("uv", _compat.UV_RANGE)],
)
def test_private_api_dependencies_are_bounded_and_installed_within(
    distribution: str, declared_range: str
) -> None:
    requirement = declared(distribution)
    assert str(requirement.specifier) == str(Requirement(f"x{declared_range}").specifier)
    assert any(spec.operator == "<" for spec in requirement.specifier), f"{distribution} needs an upper bound"
    assert Version(metadata.version(distribution)) in requirement.specifier


def test_pip_audit_private_classes_are_there() -> None:
    api = _compat.pip_audit_api()
    assert callable(api.auditor.audit)
    assert inspect.isabstract(api.dependency_source)
    assert {"collect", "fix"} <= set(api.dependency_source.__abstractmethods__)
    assert set(inspect.signature(api.resolved_dependency).parameters) >= {"name", "version"}
    assert set(inspect.signature(api.skipped_dependency).parameters) >= {"name", "skip_reason"}
    assert set(inspect.signature(api.json_format).parameters) >= {"output_desc", "output_aliases"}
    assert set(inspect.signature(api.osv_service).parameters) >= {"cache_dir", "timeout", "osv_url"}
    assert list(inspect.signature(api.pypi_service).parameters)[:2] == ["cache_dir", "timeout"]


def test_the_loopback_osv_service_ignores_proxies(tmp_path: Path) -> None:
    direct = _compat.osv_service("http://127.0.0.1:1/v1/query", tmp_path, 5, direct=True)
    remote = _compat.osv_service("https://api.osv.dev/v1/query", tmp_path, 5, direct=False)
    assert direct.session.trust_env is False
    assert remote.session.trust_env is True


def test_nox_virtualenv_api_is_there() -> None:
    parameters = inspect.signature(VirtualEnv).parameters
    assert {"location", "interpreter", "reuse_existing", "venv_backend"} <= set(parameters)
    assert callable(VirtualEnv.create)
    assert VirtualEnv("/nonexistent", reuse_existing=True).reuse_existing is True


def test_recreate_refuses_a_venv_without_create() -> None:
    with pytest.raises(_compat.CompatError, match="has no create"):
        _compat.recreate_session_venv(object())


def test_uv_binary_is_the_bundled_one() -> None:
    assert _compat.uv_binary() == str(find_uv_bin())


def test_nox_session_runner_api_is_there() -> None:
    import nox.manifest  # noqa: PLC0415
    import nox.sessions  # noqa: PLC0415
    import nox.virtualenv  # noqa: PLC0415

    # What nox_session_runner, nox_runner_envdir and nox_virtualenv reach for.
    assert callable(nox.manifest.Manifest.list_all_sessions)
    assert isinstance(inspect.getattr_static(nox.sessions.SessionRunner, "envdir"), property)
    assert callable(nox.virtualenv.get_virtualenv)
    assert "self._runner = runner" in inspect.getsource(nox.sessions.Session.__init__)
    assert "global_config" in inspect.signature(nox.sessions.SessionRunner).parameters


def _manifest(count: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Nox manifest of *count* parametrized sessions, built by Nox itself."""
    import nox  # noqa: PLC0415

    monkeypatch.setattr(nox.registry, "_REGISTRY", {})  # a registry of this test's own
    from nox._options import options  # noqa: PLC0415
    from nox.manifest import Manifest  # noqa: PLC0415

    @nox.parametrize("service", [f"s{i}" for i in range(count)])
    def audit(session: nox.Session, service: str) -> None:
        del session, service

    config = options.namespace(posargs=[], default_venv_backend="none")
    registered: Any = nox.registry.session_decorator(audit, venv_backend="none")
    return Manifest({"audit": registered}, config)


def test_nox_manifest_registration_is_linear_and_keeps_noxs_semantics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The methods this patch replaces are still Nox's own: a release that changes them fails here.
    import nox.manifest  # noqa: PLC0415
    from nox.manifest import Manifest  # noqa: PLC0415

    # Nox's own methods (an earlier test may have loaded a noxfile, which applies the patch).
    for name in ("add_session", "list_all_sessions", "filter_by_name"):
        monkeypatch.setattr(Manifest, name, _compat.NOX_ORIGINALS.get(name, getattr(Manifest, name)))
    monkeypatch.setattr(
        nox.manifest,
        "_normalized_session_match",
        _compat.NOX_ORIGINALS.get("_normalized_session_match", nox.manifest._normalized_session_match),
    )
    monkeypatch.delattr(Manifest, "_nox_support_linear", raising=False)
    before = _manifest(50, monkeypatch)
    listed_before = [(s.signatures, selected) for s, selected in before.list_all_sessions()]
    assert _compat.speed_up_nox_manifest() is True
    after = _manifest(50, monkeypatch)
    assert [(s.signatures, selected) for s, selected in after.list_all_sessions()] == listed_before
    # A session added twice is registered and queued once; a consumed one can be queued again.
    first = next(after)
    after.add_session(first)
    after.add_session(first)
    assert after._all_sessions.count(first) == 1
    assert after._queue.count(first) == 1
    after.filter_by_name(["audit(service='s3')", 'audit(service = "s4")'])
    selected = [s.signatures for s, chosen in after.list_all_sessions() if chosen]
    assert selected == [["audit(service='s3')"], ["audit(service='s4')"]]
    with pytest.raises(KeyError, match=re.escape("Sessions not found: audit(service='s99'), nope")):
        _manifest(50, monkeypatch).filter_by_name(["audit(service='s99')", "nope", "audit"])


def test_the_nox_manifest_patch_leaves_another_nox_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from nox.manifest import Manifest  # noqa: PLC0415

    def add_session(self: Any, session: Any) -> None:  # a "newer Nox" with its own code
        self._all_sessions.append(session)
        self._queue.append(session)

    monkeypatch.setattr(Manifest, "add_session", add_session)
    monkeypatch.delattr(Manifest, "_nox_support_linear", raising=False)
    for name in ("list_all_sessions", "filter_by_name"):
        monkeypatch.setattr(Manifest, name, _compat.NOX_ORIGINALS.get(name, getattr(Manifest, name)))
    assert _compat.speed_up_nox_manifest() is False
    assert Manifest.add_session is add_session


def test_a_plain_session_name_is_matched_as_nox_matches_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import nox.manifest  # noqa: PLC0415

    original: Any = _compat.NOX_ORIGINALS.get(
        "_normalized_session_match", nox.manifest._normalized_session_match
    )
    quick = compat_manifest._quick_session_match(original)
    monkeypatch.setattr(nox.manifest, "_normalized_session_match", original)
    sessions = [
        _Signed("tests", ("tests-3.11(service='x')", "tests(service='x')")),
        _Signed("freshness", ("freshness",)),
        _Signed("lock", ("lock(service='orders')",)),
    ]
    names = [
        "tests",
        "freshness",
        "lock",
        "tests(service='x')",
        'tests(service="x")',
        "tests( service = 'x' )",
        "lock(service='orders')",
        "lock(service = 'payments')",
        "tests-3.11(service='x')",
        "(freshness)",
        "missing",
    ]
    for session in sessions:
        for name in names:
            assert quick(name, session) == original(name, session), (name, session.signatures)


class _Signed:
    def __init__(self, name: str, signatures: tuple[str, ...]) -> None:
        self.name = name
        self.signatures = list(signatures)


def test_nox_queued_sessions_reads_the_run_s_queue_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(3, monkeypatch)
    running = next(iter(manifest))  # Nox pops a session off the queue before running it
    session = SimpleNamespace(_runner=SimpleNamespace(manifest=manifest))
    queued = _compat.nox_queued_sessions(session)
    assert queued is not None
    assert running.func.call_spec == {"service": "s0"}
    assert [(q.name, q.params) for q in queued] == [("audit", {"service": f"s{i}"}) for i in (1, 2)]
    assert _compat.nox_queued_sessions(object()) is None


def test_calls_inspect_the_session_function_once_and_get_what_nox_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the patch, Nox's calls are the same (the python parameter taken out of each call)."""
    from nox._decorators import Call, Func  # noqa: PLC0415

    original = _compat.NOX_ORIGINALS.get("generate_calls", Call.__dict__["generate_calls"])
    monkeypatch.setattr(Call, "generate_calls", original)

    def make() -> tuple[Any, list[Any]]:
        def audit(session: nox.Session, service: str) -> None:
            del session, service

        params = [nox.param(f"3.{minor}", f"s{minor}", id=f"s{minor}") for minor in range(8, 14)]
        func = Func(nox.parametrize(("python", "service"), params)(audit))
        return audit, Call.generate_calls(func, func.parametrize)  # type: ignore[attr-defined]

    def described(calls: list[Any]) -> list[tuple[object, ...]]:
        return [(c.python, c.call_spec, c.session_signature) for c in calls]

    _, before = make()
    parsed: list[object] = []  # the costly part of inspect.signature: reading a function's code
    real = inspect._signature_from_function  # type: ignore[attr-defined]

    def counting(cls: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(function)
        return real(cls, function, *args, **kwargs)

    monkeypatch.setattr(inspect, "_signature_from_function", counting)
    compat_manifest._speed_up_calls()
    function, after = make()
    assert described(after) == described(before)
    assert after[0].python == "3.8"
    assert after[0].call_spec == {"service": "s8"}
    assert [f for f in parsed if f is function] == [function]  # once, for six calls
    assert function.__signature__ == inspect.signature(before[0].func)


def test_the_calls_patch_leaves_another_nox_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from nox._decorators import Call  # noqa: PLC0415

    def generate_calls(cls: Any, func: Any, param_specs: Any) -> list[Any]:  # a "newer Nox"
        return [cls(func, spec) for spec in param_specs]

    newer = classmethod(generate_calls)
    monkeypatch.setattr(Call, "generate_calls", newer)
    compat_manifest._speed_up_calls()
    assert Call.__dict__["generate_calls"] is newer
