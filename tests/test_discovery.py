from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import ServiceOverride, Settings
from nox_support.discovery import discover, running_python
from nox_support.errors import DiscoveryError
from tests.repos import write


def _service(root: Path, rel: str, text: str = "alpha\n") -> Path:
    return write(root / rel / "requirements.in", text).parent


def test_finds_services_sorted_with_layers_and_python(tmp_path: Path) -> None:
    _service(tmp_path, "services/orders")
    _service(tmp_path, "services/billing")
    write(tmp_path / "services/orders/requirements-dev.in", "pytest\n")
    write(tmp_path / "services/orders/.python-version", "3.12.4\n")
    (tmp_path / "services/no-inputs").mkdir()
    write(tmp_path / "services/README.md", "not a service")

    services = discover(tmp_path, Settings())

    assert [s.name for s in services] == ["billing", "orders"]
    billing, orders = services
    assert billing.python == running_python()
    assert billing.python_source == "running interpreter"
    assert orders.python == "3.12"
    assert orders.python_source == "services/orders/.python-version"
    assert [layer.name for layer in orders.layers] == ["main", "dev"]
    dev = orders.layers[1]
    assert dev.lock == tmp_path.resolve() / "services/orders/requirements-dev.txt"
    assert dev.constrained_by == orders.main.lock


def test_python_precedence(tmp_path: Path) -> None:
    _service(tmp_path, "services/a")
    _service(tmp_path, "services/b")
    write(tmp_path / "services/b/.python-version", "3.10\n")
    settings = Settings(python="3.12", services={"b": ServiceOverride(python="3.13")})
    a, b = discover(tmp_path, settings)
    assert (a.python, b.python) == ("3.12", "3.13")


def test_unreadable_python_version_names_the_file(tmp_path: Path) -> None:
    _service(tmp_path, "services/a")
    write(tmp_path / "services/a/.python-version", "system\n")
    with pytest.raises(DiscoveryError, match=r"services/a/.python-version:1"):
        discover(tmp_path, Settings())


def test_several_globs(tmp_path: Path) -> None:
    _service(tmp_path, "services/a")
    _service(tmp_path, "apps/web/b")
    services = discover(tmp_path, Settings(service_globs=("services/*", "apps/*/*")))
    assert [(s.name, s.relpath) for s in services] == [("a", "services/a"), ("b", "apps/web/b")]


def test_bad_names_and_duplicates_are_all_reported(tmp_path: Path) -> None:
    _service(tmp_path, "services/ok")
    _service(tmp_path, "services/_private")
    _service(tmp_path, "services/has space")
    _service(tmp_path, "apps/ok")
    with pytest.raises(DiscoveryError) as info:
        discover(tmp_path, Settings(service_globs=("services/*", "apps/*")))
    message = str(info.value)
    assert "services/_private: '_private' is not a valid service name" in message
    assert "services/has space: 'has space' is not a valid service name" in message
    assert "apps/ok: service name 'ok' is already used by services/ok" in message
    assert "service_globs" in message


def test_symlink_outside_the_repository_is_rejected(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = _service(tmp_path, "elsewhere/evil")
    (repo / "services").mkdir(parents=True)
    (repo / "services" / "evil").symlink_to(outside)
    with pytest.raises(DiscoveryError, match="symlink leads outside the repository"):
        discover(repo, Settings())


def test_symlink_inside_the_repository_is_fine(tmp_path: Path) -> None:
    target = _service(tmp_path, "real/api")
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "api").symlink_to(target)
    (service,) = discover(tmp_path, Settings())
    assert service.name == "api"
