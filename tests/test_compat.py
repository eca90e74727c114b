"""Smoke test of every private API nox-support uses (nox_support._compat): a release that moves one
fails here, loudly, instead of turning audits into errors at run time."""

from __future__ import annotations

import inspect
from importlib import metadata
from pathlib import Path

import pytest
from nox.virtualenv import VirtualEnv
from packaging.requirements import Requirement
from packaging.version import Version
from uv import find_uv_bin

from nox_support import _compat


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
