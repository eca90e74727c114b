from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.ci.testpaths import FoundTests, NoTests, find_tests
from nox_support.config import ServiceNaming, ServiceOverride, Settings
from nox_support.core.errors import ConfigError, DiscoveryError
from nox_support.discovery import (
    Service,
    default_python_note,
    discover,
    running_python,
    service_name,
)
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


LAMBDA_LAYOUT = ("orders/src/validate", "orders/src/create", "payments/src/validate", "payments/src/refund")


def test_repeating_leaf_names_suggest_path_names(tmp_path: Path) -> None:
    for rel in LAMBDA_LAYOUT:
        _service(tmp_path, rel)
    with pytest.raises(DiscoveryError) as info:
        discover(tmp_path, Settings(service_globs=("*/src/*",)))
    assert info.value.message == (
        "invalid service directories:\n"
        "  payments/src/validate: service name 'validate' is already used by orders/src/validate; "
        "service names must be unique across all service_globs"
    )
    assert info.value.hint == (
        'to keep the directories, set [tool.nox_support] service_names = "path" to name services by '
        "their path (payments/src/validate -> payments-src-validate); "
        "see [tool.nox_support] service_globs in pyproject.toml"
    )


def test_path_names_for_a_nested_lambda_layout(tmp_path: Path) -> None:
    for rel in LAMBDA_LAYOUT:
        _service(tmp_path, rel)
    settings = Settings(
        service_globs=("*/src/*",),
        service_names="path",
        services={"payments-src-validate": ServiceOverride(python="3.13")},
    )
    services = discover(tmp_path, settings)
    assert [(s.name, s.relpath) for s in services] == [
        ("orders-src-create", "orders/src/create"),
        ("orders-src-validate", "orders/src/validate"),
        ("payments-src-refund", "payments/src/refund"),
        ("payments-src-validate", "payments/src/validate"),
    ]
    assert services[3].python == "3.13"
    assert services[1].python == running_python()


def test_path_names_still_refuse_collisions(tmp_path: Path) -> None:
    _service(tmp_path, "apps/a-b/c")
    _service(tmp_path, "apps/a/b-c")
    with pytest.raises(DiscoveryError) as info:
        discover(tmp_path, Settings(service_globs=("apps/*/*",), service_names="path"))
    assert info.value.message == (
        "invalid service directories:\n"
        "  apps/a-b/c: service name 'apps-a-b-c' is already used by apps/a/b-c; "
        "service names must be unique across all service_globs"
    )
    assert info.value.hint == "see [tool.nox_support] service_globs in pyproject.toml"


@pytest.mark.parametrize(
    ("relpath", "naming", "expected"),
    [
        ("services/orders", "directory", "orders"),
        ("services/orders", "path", "services-orders"),
        ("orders/src/validate", "path", "orders-src-validate"),
        ("orders", "path", "orders"),
    ],
)
def test_service_name(relpath: str, naming: ServiceNaming, expected: str) -> None:
    assert service_name(relpath, naming) == expected


def test_override_for_a_leaf_name_under_path_names_points_at_the_path_names(tmp_path: Path) -> None:
    for rel in LAMBDA_LAYOUT:
        _service(tmp_path, rel)
    settings = Settings(
        service_globs=("*/src/*",),
        service_names="path",
        services={"validate": ServiceOverride(python="3.12")},
    )
    with pytest.raises(ConfigError) as info:
        discover(tmp_path, settings)
    assert info.value.message == (
        f"{tmp_path.resolve() / 'pyproject.toml'}: [tool.nox_support.services.validate] names no service"
    )
    assert info.value.hint == (
        "services are named by their path: did you mean 'orders-src-validate' or 'payments-src-validate'?"
    )


# --- where the tests are ---------------------------------------------------------------------


def _lambda_repo(root: Path) -> None:
    for rel in LAMBDA_LAYOUT:
        _service(root, rel)
    write(root / "orders/tests/unit/test_validate.py", "def test_ok():\n    pass\n")


def _by_name(root: Path, settings: Settings) -> dict[str, Service]:
    return {s.name: s for s in discover(root, settings)}


def test_default_tests_location_is_the_tests_directory(tmp_path: Path) -> None:
    _service(tmp_path, "services/api")
    write(tmp_path / "services/api/tests/test_api.py", "")
    _service(tmp_path, "services/empty")
    write(tmp_path / "services/empty/tests/data.txt", "")
    _service(tmp_path, "services/none")
    services = _by_name(tmp_path, Settings())
    found = find_tests(tmp_path, services["api"])
    assert isinstance(found, FoundTests)
    assert found.pytest_args(services["api"]) == ("tests",)
    assert find_tests(tmp_path, services["empty"]) == NoTests("services/empty/tests/ holds no Python file")
    assert find_tests(tmp_path, services["none"]) == NoTests("services/none/tests/ does not exist")


def test_global_tests_location_relative_to_each_service(tmp_path: Path) -> None:
    _lambda_repo(tmp_path)
    settings = Settings(service_globs=("*/src/*",), service_names="path", tests="../../tests/unit")
    services = _by_name(tmp_path, settings)
    found = find_tests(tmp_path, services["orders-src-validate"])
    assert isinstance(found, FoundTests)
    assert found.pytest_args(services["orders-src-validate"]) == ("../../tests/unit",)
    assert find_tests(tmp_path, services["payments-src-refund"]) == NoTests(
        "payments/tests/unit/ does not exist; [tool.nox_support] tests = '../../tests/unit'"
    )


def test_per_service_tests_glob(tmp_path: Path) -> None:
    _lambda_repo(tmp_path)
    write(tmp_path / "payments/tests/refund_unit/test_refund.py", "")
    write(tmp_path / "payments/tests/refund_int/test_more.py", "")
    write(tmp_path / "payments/tests/refund_docs/readme.txt", "")
    settings = Settings(
        service_globs=("*/src/*",),
        service_names="path",
        services={
            "payments-src-refund": ServiceOverride(tests="../../tests/refund_*"),
            "payments-src-validate": ServiceOverride(tests="../../tests/validate_*"),
        },
    )
    services = _by_name(tmp_path, settings)
    refund = services["payments-src-refund"]
    found = find_tests(tmp_path, refund)
    assert isinstance(found, FoundTests)
    assert found.pytest_args(refund) == ("../../tests/refund_int", "../../tests/refund_unit")
    assert find_tests(tmp_path, services["payments-src-validate"]) == NoTests(
        "nothing matches payments/tests/validate_*; "
        "[tool.nox_support.services.payments-src-validate] tests = '../../tests/validate_*'"
    )


def test_tests_location_outside_the_repository_is_refused(tmp_path: Path) -> None:
    _service(tmp_path, "services/api")
    with pytest.raises(DiscoveryError) as info:
        discover(tmp_path, Settings(services={"api": ServiceOverride(tests="../../../elsewhere")}))
    assert info.value.message == (
        "invalid service directories:\n"
        "  services/api: tests = '../../../elsewhere' leads outside the repository; "
        "point it at a directory inside the repository"
    )


def test_tests_location_through_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _service(repo, "services/api")
    write(tmp_path / "outside/test_evil.py", "")
    (repo / "services/api/tests").symlink_to(tmp_path / "outside")
    (service,) = discover(repo, Settings())
    with pytest.raises(DiscoveryError) as info:
        find_tests(repo, service)
    assert info.value.message == (
        f"api: tests location services/api/tests leads outside the repository (to {tmp_path / 'outside'})"
    )
    assert (
        info.value.hint == "point [tool.nox_support.services.api] tests at a directory inside the repository"
    )


def test_no_default_python_note_without_services() -> None:
    assert default_python_note(()) is None


def test_default_python_note_lists_services_without_a_target_python(tmp_path: Path) -> None:
    _service(tmp_path, "services/a")
    _service(tmp_path, "services/b")
    _service(tmp_path, "services/c")
    write(tmp_path / "services/c/.python-version", "3.12\n")
    note = default_python_note(discover(tmp_path, Settings()))
    assert note == (
        f"no target Python is configured for a, b: their locks are compiled for Python {running_python()}, "
        "the interpreter running Nox. To lock for the Python a service deploys with, set "
        '[tool.nox_support] python = "X.Y" (every service), [tool.nox_support.services.<name>] python, '
        "or a .python-version file in the service's directory."
    )
    assert default_python_note(discover(tmp_path, Settings(python="3.12"))) is None


def test_default_python_note_stays_short_for_many_services(tmp_path: Path) -> None:
    for number in range(12):
        _service(tmp_path, f"services/s{number:02}")
    note = default_python_note(discover(tmp_path, Settings()))
    assert note is not None
    assert note.startswith("no target Python is configured for s00, s01, s02, s03, s04 and 7 more: ")
