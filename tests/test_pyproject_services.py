"""Services declared in pyproject.toml: discovery, digests, freshness, and real locks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nox_support.core.errors import DiscoveryError, RequirementsFileError
from nox_support.discovery import discover, unused_pyproject_note
from nox_support.lock import freshness
from nox_support.lock import pyproject_inputs as pp
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.compile.piptools import PipToolsCompiler
from nox_support.lock.orchestrate import Fresh, LockArgs, Written, lock_service
from nox_support.project import Project
from tests.ci.conftest import ci_offline_index, ci_wheelhouse  # noqa: F401 - fixtures used below
from tests.ci.helpers import nox
from tests.fakes import FakeCompiler, RecordingSession
from tests.repos import monorepo, write

KEEP = LockArgs(upgrade=KeepPins(), force=False)

SERVICE = """
[project]
name = "billing"
version = "1.0"
description = "Bills"
requires-python = ">=3.10"
dependencies = ["gamma"]

[project.optional-dependencies]
fast = ["epsilon"]

[dependency-groups]
test = ["pytest-stub"]
dev = [{include-group = "test"}, "alpha"]
"""


def _repo(root: Path, pyproject: str = SERVICE) -> Path:
    write(root / "services/billing/pyproject.toml", pyproject)
    return root


def _project(root: Path, compiler: object | None = None) -> Project:
    project = Project.load(root)
    if compiler is not None:
        project = Project(project.root, project.settings, project.services, compiler)  # type: ignore[arg-type]
    return project


# ---------------------------------------------------------------------------
# Pure: sections, include-group, self-references


def _data(text: str) -> dict[str, object]:
    import tomllib  # noqa: PLC0415

    return tomllib.loads(text)


def test_groups_and_extras_are_layers_named_as_normalized() -> None:
    data = _data(
        "[project]\ndependencies = []\n[project.optional-dependencies]\nFast_IO = []\n"
        '[dependency-groups]\n"Test.Tools" = []\n'
    )
    assert pp.layer_sections(data, "x") == (
        ("fast-io", pp.OptionalDependencies("Fast_IO")),
        ("test-tools", pp.DependencyGroup("Test.Tools")),
    )


def test_a_group_and_an_extra_writing_one_lock_are_refused() -> None:
    data = _data(
        "[project]\ndependencies = []\n[project.optional-dependencies]\ndev = []\n"
        "[dependency-groups]\nDev = []\n"
    )
    with pytest.raises(
        DiscoveryError,
        match=r"\[dependency-groups\] Dev and \[project.optional-dependencies\] dev "
        r"would both write requirements-dev.txt",
    ):
        pp.layer_sections(data, "services/x/pyproject.toml")


def test_include_group_is_resolved_and_self_references_expand() -> None:
    data = _data(
        '[project]\nname = "My_Svc"\ndependencies = ["gamma"]\n'
        '[project.optional-dependencies]\nfast = ["epsilon"]\n'
        '[dependency-groups]\nlint = ["beta"]\n'
        'dev = [{include-group = "Lint"}, "my-svc[fast]", "my_svc",'
        ' "alpha>=1; python_version>\'3\'", "beta"]\n'
    )
    assert pp.requirements(data, pp.DependencyGroup("dev"), "x") == (
        "beta",
        "epsilon",
        "alpha>=1; python_version>'3'",
    )
    assert pp.requirements(data, pp.ProjectDependencies(), "x") == ("gamma",)


def test_include_cycles_and_unknown_groups_are_named() -> None:
    cycle = _data('[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n')
    with pytest.raises(
        DiscoveryError, match=r"include cycle: \[dependency-groups\] a -> \[dependency-groups\] b -> "
    ):
        pp.requirements(cycle, pp.DependencyGroup("a"), "p")
    unknown = _data('[dependency-groups]\na = [{include-group = "nope"}]\n')
    with pytest.raises(DiscoveryError, match="includes group 'nope', which is not in"):
        pp.requirements(unknown, pp.DependencyGroup("a"), "p")


def test_a_requirement_that_is_not_pep_508_is_refused_with_where() -> None:
    data = _data('[project]\ndependencies = ["-r /etc/passwd"]\n')
    with pytest.raises(
        RequirementsFileError,
        match=r"svc/pyproject.toml: \[project\] dependencies: '-r /etc/passwd' "
        "is not a PEP 508 requirement",
    ):
        pp.requirements(data, pp.ProjectDependencies(), "svc/pyproject.toml")


# ---------------------------------------------------------------------------
# Discovery


def test_a_pyproject_with_dependencies_is_a_service_with_a_layer_per_group_and_extra(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(
        root / "services/docs/pyproject.toml", '[project]\nname = "docs"\nversion = "1"\n'
    )  # no dependencies
    (service,) = discover(root, Project.load(root).settings)
    assert service.name == "billing"
    assert [(layer.name, layer.lock.name, layer.section) for layer in service.layers] == [
        ("main", "requirements.txt", pp.ProjectDependencies()),
        ("dev", "requirements-dev.txt", pp.DependencyGroup("dev")),
        ("fast", "requirements-fast.txt", pp.OptionalDependencies("fast")),
        ("test", "requirements-test.txt", pp.DependencyGroup("test")),
    ]
    assert all(layer.constrained_by == service.main.lock for layer in service.layers[1:])
    assert unused_pyproject_note([service]) is None


def test_requirements_in_wins_over_pyproject_and_that_is_said(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(root / "services/billing/requirements.in", "alpha\n")
    (service,) = discover(root, Project.load(root).settings)
    assert [layer.source.name for layer in service.layers] == ["requirements.in"]
    assert unused_pyproject_note([service]) == (
        "services/billing: requirements.in is locked; the [project] dependencies of pyproject.toml next to "
        "it are not (remove requirements.in to lock from pyproject.toml)"
    )


def test_test_layers_setting_global_and_per_service(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(root / "services/api/requirements.in", "alpha\n")
    write(
        root / "pyproject.toml",
        '[tool.nox_support]\ntest_layers = ["test"]\n'
        '[tool.nox_support.services.api]\ntest_layers = ["dev", "docs"]\n',
    )
    api, billing = discover(root, Project.load(root).settings)
    assert api.test_layers == ("dev", "docs")
    assert billing.test_layers == ("test",)


# ---------------------------------------------------------------------------
# Digest and freshness (fake compiler)


def test_only_what_the_compiler_reads_makes_a_lock_stale(tmp_path: Path) -> None:
    fake = FakeCompiler()
    root = _repo(tmp_path)
    project = _project(root, fake)
    service = project.service("billing")
    assert [type(o) for o in lock_service(project, service, KEEP)] == [Written] * 4
    request = fake.calls[0]
    assert request.source.startswith(".nox-support-requirements.txt.")
    # Description and version are not inputs.
    pyproject = root / "services/billing/pyproject.toml"
    pyproject.write_text(SERVICE.replace('"Bills"', '"Bills and invoices"').replace('"1.0"', '"2.0"'))
    assert [type(o) for o in lock_service(project, service, KEEP)] == [Fresh] * 4
    # A new dependency: the main lock is stale and says which field changed.
    pyproject.write_text(SERVICE.replace('["gamma"]', '["gamma", "beta"]'))
    verdicts = {v.lock: freshness.describe(v) for v in freshness.check_services(project, (service,))}
    assert "pyproject.toml [project] dependencies changed" in verdicts["services/billing/requirements.txt"]
    # A changed group stales that group and the group including it, and no other layer.
    pyproject.write_text(SERVICE.replace('test = ["pytest-stub"]', 'test = ["pytest-stub>=1"]'))
    stale = [
        v.lock for v in freshness.check_services(project, (service,)) if isinstance(v, freshness.StaleLock)
    ]
    assert stale == ["services/billing/requirements-dev.txt", "services/billing/requirements-test.txt"]
    pyproject.write_text(SERVICE.replace('">=3.10"', '">=3.11"'))
    verdict = next(iter(freshness.check_services(project, (service,))))
    assert "pyproject.toml [project] requires-python changed" in freshness.describe(verdict)


def test_the_compiled_file_holds_exactly_the_digested_requirements(tmp_path: Path) -> None:
    seen: list[str] = []
    fake = FakeCompiler(
        on_compile=lambda request, _output: seen.append((request.cwd / request.source).read_text())
    )
    project = _project(_repo(tmp_path), fake)
    lock_service(project, project.service("billing"), KEEP)
    assert seen == ["gamma\n", "pytest-stub\nalpha\n", "epsilon\n", "pytest-stub\n"]
    leftovers = sorted(p.name for p in (tmp_path / "services/billing").iterdir() if p.name.startswith("."))
    assert leftovers == []


# ---------------------------------------------------------------------------
# Real pip-compile over the local wheelhouse


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_pyproject_service_locks_main_and_layers(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    project = _project(root, PipToolsCompiler(root))
    started = time.perf_counter()
    outcomes = lock_service(project, project.service("billing"), KEEP)
    elapsed = time.perf_counter() - started
    assert [type(o) for o in outcomes] == [Written] * 4
    directory = root / "services/billing"
    main = (directory / "requirements.txt").read_text()
    assert "gamma==1.0 " in main
    assert "alpha==1.1 " in main  # held below 2 by gamma
    assert "# via -r pyproject.toml" in main
    dev = (directory / "requirements-dev.txt").read_text()
    assert "pytest-stub==1.0 " in dev
    assert "alpha==1.1 " in dev  # constrained by the main lock
    assert ".nox-support-" not in main + dev
    assert sorted(p.name for p in directory.iterdir()) == [
        "pyproject.toml",
        "requirements-dev.txt",
        "requirements-fast.txt",
        "requirements-test.txt",
        "requirements.txt",
    ]
    assert all(
        isinstance(v, freshness.FreshLock) for v in freshness.check_services(project, project.services)
    )
    print(f"adopt shape pyproject: 4 locks in {elapsed:.1f}s")  # noqa: T201 - timing for the report


# ---------------------------------------------------------------------------
# tests(<service>) installs the configured test layers (real uv venvs, local wheels)

TESTED = """
[project]
name = "reports"
version = "0.1.0"
dependencies = ["beta"]

[dependency-groups]
test = ["pytest"]
"""


@pytest.mark.slow
@pytest.mark.usefixtures("ci_offline_index")
def test_tests_session_installs_the_test_layers_setting(tmp_path: Path) -> None:
    wheelhouse = os.environ["UV_FIND_LINKS"]  # set by ci_offline_index
    root = monorepo(tmp_path, {}, pyproject='[tool.nox_support]\ncompiler = "uv"\n')
    write(root / "services/reports/pyproject.toml", TESTED)
    write(root / "services/reports/tests/test_it.py", "import beta\n\ndef test_it():\n    assert beta\n")
    env = {"UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": wheelhouse, "PIP_NO_INDEX": "1"}
    assert nox(root, "-s", "lock", env=env).returncode == 0
    default = nox(root, "-s", "tests(reports)", env=env)
    assert default.returncode == 1
    assert "reports has tests but no dev lock to run them with" in default.stderr
    # [tool.nox_support] test_layers names the group; the setting is not an input of any lock.
    write(root / "pyproject.toml", '[tool.nox_support]\ncompiler = "uv"\ntest_layers = ["test"]\n')
    configured = nox(root, "-s", "tests(reports)", env=env)
    assert configured.returncode == 0, configured.stderr
    assert "reports: 1 passed, 0 skipped" in configured.stderr


def test_sbom_direct_dependencies_of_a_pyproject_service(tmp_path: Path) -> None:
    from nox_support.sbom.session import direct_requirements  # noqa: PLC0415 - only this test needs it

    root = _repo(tmp_path, SERVICE.replace('["gamma"]', '["Gamma>=1", "beta; python_version > \'3\'"]'))
    assert direct_requirements(Project.load(root).service("billing"), root) == ("beta", "gamma")


def test_drift_and_conflicts_read_the_declared_requirements(tmp_path: Path) -> None:
    from nox_support.lock.services import read_lock  # noqa: PLC0415 - only this test needs it

    root = _repo(tmp_path)
    project = _project(root, FakeCompiler())
    service = project.service("billing")
    lock_service(project, service, KEEP)
    main = read_lock(root, service, service.main, project.settings)
    assert [(r.name, r.file, r.line) for r in main.requirements] == [
        ("gamma", "services/billing/pyproject.toml [project] dependencies", 1)
    ]
    dev = read_lock(root, service, service.layers[1], project.settings)
    assert [r.name for r in dev.requirements] == ["pytest-stub", "alpha"]


def test_lock_says_once_that_requirements_in_wins(tmp_path: Path) -> None:
    from nox_support.lock.session import run_lock  # noqa: PLC0415 - only this test needs it

    root = _repo(tmp_path)
    write(root / "services/billing/requirements.in", "alpha\n")
    write(root / "services/api/requirements.in", "alpha\n")
    project = _project(root, FakeCompiler())
    session = RecordingSession()
    run_lock(session.as_nox(), project, "api")
    run_lock(session.as_nox(), project, "billing")
    said = [w for w in session.warnings if "requirements.in is locked" in w]
    assert len(said) == 1
    assert said[0].startswith("services/billing: requirements.in is locked; the [project] dependencies")
