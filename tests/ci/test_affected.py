from __future__ import annotations

from nox_support.ci.affected import (
    AffectedService,
    Everything,
    GlobalChange,
    InputFile,
    LocalPackageFile,
    OwnFile,
    RemovedService,
    ServiceInputs,
    ServiceTestsFile,
    SharedTestConfig,
    UnreadableInputs,
    affected_services,
    describe,
    everything,
    matches_any,
)
from nox_support.ci.git import PathChange, parse_name_status
from nox_support.ci.settings import ALWAYS_AFFECTS_ALL

SERVICES = (
    ServiceInputs(
        "orders",
        "services/orders",
        frozenset({"constraints/shared.txt", "libs/common/pyproject.toml"}),
        ("libs/common",),
    ),
    ServiceInputs(
        "payments",
        "services/payments",
        frozenset({"constraints/shared.txt", "libs/requirements-http.in", "libs/http-pins.txt"}),
        (),
    ),
    ServiceInputs("web", "services/web", frozenset(), ()),
)


def affected(*changes: PathChange, services: tuple[ServiceInputs, ...] = SERVICES) -> dict[str, list[str]]:
    result = affected_services(
        changes, services, global_paths=ALWAYS_AFFECTS_ALL, service_globs=("services/*",)
    )
    return {s.name: [describe(r) for r in s.reasons] for s in result.services}


def test_own_file() -> None:
    assert affected(PathChange("M", "services/web/app/main.py")) == {
        "web": ["services/web/app/main.py changed"]
    }


def test_similar_prefix_is_not_the_service() -> None:
    assert affected(PathChange("M", "services/webapp/requirements.in")) == {}


def test_shared_constraints_affect_their_users_only() -> None:
    assert set(affected(PathChange("M", "constraints/shared.txt"))) == {"orders", "payments"}


def test_nested_include() -> None:
    assert affected(PathChange("M", "libs/http-pins.txt")) == {
        "payments": ["input libs/http-pins.txt changed"]
    }


def test_any_file_of_a_local_package_counts() -> None:
    assert affected(PathChange("A", "libs/common/src/common/deep/x.py")) == {
        "orders": ["libs/common/src/common/deep/x.py changed (local package libs/common)"]
    }


def test_tests_outside_the_service_directory_count() -> None:
    lambdas = (
        ServiceInputs(
            "orders-src-create", "orders/src/create", frozenset(), (), tests=("orders/tests/unit",)
        ),
        ServiceInputs(
            "orders-src-validate", "orders/src/validate", frozenset(), (), tests=("orders/tests/unit",)
        ),
        ServiceInputs(
            "payments-src-validate", "payments/src/validate", frozenset(), (), tests=("payments/t.py",)
        ),
    )
    assert affected(PathChange("M", "orders/tests/unit/deep/test_x.py"), services=lambdas) == {
        "orders-src-create": ["orders/tests/unit/deep/test_x.py changed (tests)"],
        "orders-src-validate": ["orders/tests/unit/deep/test_x.py changed (tests)"],
    }
    assert affected(PathChange("M", "payments/t.py"), services=lambdas) == {
        "payments-src-validate": ["payments/t.py changed (tests)"]
    }
    assert affected(PathChange("M", "orders/tests/unitx/test_x.py"), services=lambdas) == {}


def test_global_paths_affect_everything() -> None:
    for path in ("noxfile.py", "pyproject.toml", "nox_support/ci/matrix.py"):
        result = affected(PathChange("M", path))
        assert set(result) == {"orders", "payments", "web"}
        assert result["web"] == [f"{path} changed (affects every service)"]


def test_local_actions_affect_everything() -> None:
    result = affected(PathChange("M", ".github/actions/setup-nox-support/action.yml"))
    assert set(result) == {"orders", "payments", "web"}


def test_a_global_directory_is_not_a_prefix_of_its_neighbours() -> None:
    assert matches_any("tools/x.py", ("tools/",))
    assert not matches_any("tools-other/x.py", ("tools/",))
    assert not matches_any("tools", ("tools/",))
    assert affected(PathChange("M", "nox_support-fork/x.py")) == {}
    assert affected(PathChange("M", ".github/workflows-old/ci.yml")) == {}


def test_test_configuration_above_the_services_affects_them() -> None:
    """pytest reads conftest.py and ini files from every directory above the tests it runs."""
    for name in ("conftest.py", "pytest.ini", "tox.ini", "setup.cfg"):
        result = affected(PathChange("M", name))
        assert set(result) == {"orders", "payments", "web"}, name
        assert result["web"] == [f"{name} changed (test configuration above the service)"]
        assert set(affected(PathChange("M", f"services/{name}"))) == {"orders", "payments", "web"}
    # Beside or below the services, not above them: only what it is part of.
    assert affected(PathChange("M", "libs/conftest.py")) == {}
    assert affected(PathChange("M", "services/web/conftest.py")) == {
        "web": ["services/web/conftest.py changed"]
    }
    assert affected(PathChange("M", "services/webapp/conftest.py")) == {}


def test_test_configuration_above_tests_outside_the_service_counts() -> None:
    lambdas = (
        ServiceInputs(
            "orders-src-validate", "orders/src/validate", frozenset(), (), tests=("orders/tests/unit",)
        ),
    )
    assert affected(PathChange("M", "orders/tests/conftest.py"), services=lambdas) == {
        "orders-src-validate": ["orders/tests/conftest.py changed (test configuration above the service)"]
    }


def test_nested_pyproject_is_not_global() -> None:
    assert affected(PathChange("M", "services/web/pyproject.toml")) == {
        "web": ["services/web/pyproject.toml changed"]
    }


def test_rename_counts_both_sides() -> None:
    result = affected(PathChange("R", "libs/moved.in", "libs/requirements-http.in"))
    assert result == {"payments": ["input libs/requirements-http.in changed"]}


def test_unreadable_inputs_are_always_affected() -> None:
    broken = (
        *SERVICES[:2],
        ServiceInputs("web", "services/web", frozenset(), (), "missing.in does not exist"),
    )
    assert affected(PathChange("M", "README.md"), services=broken) == {
        "web": ["inputs cannot be read: missing.in does not exist"]
    }


def test_reasons_are_capped() -> None:
    changes = [PathChange("M", f"services/web/f{i}.py") for i in range(10)]
    assert len(affected(*changes)["web"]) == 3


def test_removed_and_renamed_services() -> None:
    result = affected_services(
        (
            PathChange("D", "services/old/requirements.in"),
            PathChange("D", "services/old/app.py"),
            PathChange("R", "services/web/requirements.in", "services/website/requirements.in"),
            PathChange("D", "tools/requirements.in"),
            PathChange("D", "services/web/sub/requirements.in"),
        ),
        SERVICES,
        global_paths=ALWAYS_AFFECTS_ALL,
        service_globs=("services/*",),
    )
    assert result.removed == (RemovedService("services/old"), RemovedService("services/website", "web"))
    assert result.names == ("web",)


def test_everything() -> None:
    result = everything(reversed(SERVICES))
    assert result.names == ("orders", "payments", "web")
    assert all(s.reasons == (Everything(),) for s in result.services)


def test_describe_every_reason() -> None:
    assert describe(GlobalChange("noxfile.py")) == "noxfile.py changed (affects every service)"
    assert describe(OwnFile("a")) == "a changed"
    assert describe(InputFile("b")) == "input b changed"
    assert describe(LocalPackageFile("c/x", "c")) == "c/x changed (local package c)"
    assert describe(ServiceTestsFile("t/x.py")) == "t/x.py changed (tests)"
    assert (
        describe(SharedTestConfig("conftest.py"))
        == "conftest.py changed (test configuration above the service)"
    )
    assert describe(UnreadableInputs("boom")) == "inputs cannot be read: boom"
    assert describe(Everything()) == "every service selected"


def test_parse_name_status() -> None:
    text = "M\0a.txt\0R087\0old dir/x.in\0new dir/x.in\0D\0gone\0A\0ünï.py\0"
    assert parse_name_status(text) == (
        PathChange("M", "a.txt"),
        PathChange("R", "new dir/x.in", "old dir/x.in"),
        PathChange("D", "gone"),
        PathChange("A", "ünï.py"),
    )
    assert parse_name_status("") == ()


def test_5000_changed_files_against_500_services() -> None:
    # Its wall time is measured by benchmarks/ci_scale.py; a test asserts behaviour only.
    services = tuple(
        ServiceInputs(f"s{i}", f"services/s{i}", frozenset({f"libs/l{i % 20}/x.in"}), (f"libs/p{i % 7}",))
        for i in range(500)
    )
    changes = tuple(PathChange("M", f"services/s{i % 500}/deep/er/f{i}.py") for i in range(5000))
    result = affected_services(
        changes, services, global_paths=ALWAYS_AFFECTS_ALL, service_globs=("services/*",)
    )
    assert {s.name for s in result.services} == {f"s{i}" for i in range(500)}
    assert len(result.services) == 500
    assert result.removed == ()
    # Each service names its own files, the first few only.
    assert result.services[0] == AffectedService(
        "s0",
        tuple(OwnFile(f"services/s0/deep/er/f{n}.py") for n in (0, 1000, 1500)),
    )
