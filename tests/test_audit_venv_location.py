"""Which venv ``sbom`` and ``licenses`` share: the one Nox gives ``audit(<service>)`` in this run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import nox
import pytest

from nox_support import _compat
from nox_support.venv.shared import audit_venv_location


def _session(manifest: object, envdir: str = ".nox") -> nox.Session:
    runner = SimpleNamespace(manifest=manifest, global_config=SimpleNamespace(envdir=envdir))
    return cast("nox.Session", SimpleNamespace(_runner=runner))


def test_the_location_is_noxs_own_envdir_of_the_audit_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from nox._options import options  # noqa: PLC0415
    from nox.manifest import Manifest  # noqa: PLC0415

    monkeypatch.setattr(nox.registry, "_REGISTRY", {})  # a registry of this test's own

    @nox.parametrize("service", ["shop", "billing"])
    def audit(session: nox.Session, service: str) -> None:
        del session, service

    config = options.namespace(posargs=[], default_venv_backend="none", envdir=".nox")
    registered: Any = nox.registry.session_decorator(audit, venv_backend="none")
    manifest = Manifest({"audit": registered}, config)
    billing = next(
        r
        for r, _ in manifest.list_all_sessions()
        if getattr(r.func, "call_spec", None) == {"service": "billing"}
    )

    session = cast(
        "nox.Session", SimpleNamespace(_runner=SimpleNamespace(manifest=manifest, global_config=config))
    )
    assert (
        audit_venv_location(session, "billing") == Path(billing.envdir) == Path(".nox/audit-service-billing")
    )
    # A service the run does not know: Nox's naming rule under the run's envdir.
    assert audit_venv_location(session, "lab") == Path(".nox/audit-lab")


def _runner(service: str, envdir: str) -> SimpleNamespace:
    return SimpleNamespace(name="audit", func=SimpleNamespace(call_spec={"service": service}), envdir=envdir)


def test_among_runners_of_one_service_the_selected_one_wins_else_the_first() -> None:
    first, forced, other = _runner("shop", "/a"), _runner("shop", "/b"), _runner("web", "/c")
    listing = SimpleNamespace(list_all_sessions=lambda: [(other, True), (first, False), (forced, True)])
    assert audit_venv_location(_session(listing), "shop") == Path("/b")
    unselected = SimpleNamespace(list_all_sessions=lambda: [(first, False), (forced, False)])
    assert audit_venv_location(_session(unselected), "shop") == Path("/a")


def test_without_a_manifest_it_is_named_under_the_session_venvs_parent() -> None:
    session = SimpleNamespace(env_dir=Path("/repo/.nox/sbom-shop"))
    assert _compat.nox_session_runner(session, "audit", service="shop") is None
    assert audit_venv_location(cast("nox.Session", session), "shop") == Path("/repo/.nox/audit-shop")
