"""Explaining compiler failures and reporting progress, on recorded real output (tests/data/compile)."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import pytest

from nox_support.core.errors import ResolutionError
from nox_support.lock.compile import failure, progress
from nox_support.lock.compile.interface import CompileRequest, CompilerError, KeepPins
from nox_support.lock.compile.piptools import PipToolsCompiler, conflict_cause
from nox_support.lock.compile.uv import UvCompiler, resolution_cause
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.project import Project
from tests.repos import monorepo, write
from tests.wheels import Dist, build_all

DATA = Path(__file__).parent / "data" / "compile"
INPUTS = {"requirements.in": ["boto3>=1.34", "botocore<1.30"]}


def _recorded(name: str) -> str:
    path = DATA / name
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def _cause(name: str, inputs: dict[str, list[str]] | None = None) -> list[str]:
    return conflict_cause(_recorded(name), lambda file: (inputs or INPUTS).get(file, [])).splitlines()


def test_hundreds_of_boto3_versions_make_one_line() -> None:
    # 285 KB of ResolutionImpossible details after 21 minutes of backtracking.
    assert _cause("piptools-boto3-range-botocore-old.stderr.gz") == [
        (
            "  Cannot install 'boto3>=1.34' (requirements.in line 1) and botocore<1.30 because these package "
            "versions have conflicting dependencies."
        ),
        "  requirements in conflict:",
        "    botocore<1.30 (required by the service's own requirements)",
        (
            "    botocore<1.45.0,>=1.44.8 (required by boto3 1.44.8; "
            "its 711 other versions, 1.34.0 to 1.44.7, also require botocore)"
        ),
    ]


def test_parents_are_named_from_pypi_links_not_their_index_pages() -> None:
    inputs = {"requirements.in": ["boto3==1.35.0", "botocore<1.30"]}
    assert _cause("piptools-boto3-1.35.0-botocore-old.stderr", inputs)[-2:] == [
        "    botocore<1.30 (required by the service's own requirements)",
        "    botocore<1.36.0,>=1.35.0 (required by boto3 1.35.0)",
    ]
    inputs = {"requirements.in": ["pydantic<2", "pydantic-settings>=2"]}
    assert _cause("piptools-pydantic1-pydantic-settings2.stderr", inputs) == [
        (
            "  Cannot install 'pydantic-settings>=2' (requirements.in line 2) and pydantic<2 because these "
            "package versions have conflicting dependencies."
        ),
        "  requirements in conflict:",
        "    pydantic<2 (required by the service's own requirements)",
        (
            "    pydantic>=2.7.0 (required by pydantic-settings 2.16.3; "
            "its 37 other versions, 2.0.0 to 2.16.2, also require pydantic)"
        ),
    ]


def test_requires_python_is_named() -> None:
    assert _cause("piptools-boto3-1.44.8-py3.9.stderr") == [
        (
            "  Could not find a version that satisfies the requirement boto3==1.44.8 "
            "(from versions: 0.0.1, ..., 1.42.97)"
        ),
        "  boto3 1.44.8 requires Python >= 3.10 (and 136 other versions require another Python too)",
        "  cannot be satisfied: boto3==1.44.8 (required by the service's own requirements)",
    ]


def test_uv_explanations_keep_the_conclusion_of_long_derivations() -> None:
    lines = resolution_cause(_recorded("uv-boto3-range-botocore-old.stderr.gz")).splitlines()
    assert len(lines) == 7
    assert lines[3] == "  ... (2168 more lines of the same derivation)"
    assert lines[-1] == (
        "  And because you require boto3>=1.34 and botocore<1.30, we can conclude that your requirements "
        "are unsatisfiable."
    )
    python = resolution_cause(_recorded("uv-boto3-1.44.8-py3.9.stderr"))
    assert "boto3==1.44.8 depends on Python>=3.10" in python
    assert "DEBUG" not in python
    assert "pyenv" not in python


def test_build_failure_names_the_package_and_the_error_line() -> None:
    found = failure.build_failure(_recorded("piptools-pyyaml-5.4.1-py3.11.stderr"))
    assert found == failure.BuildFailure(
        "PyYAML",
        "Getting requirements to build wheel",
        "AttributeError: 'build_ext' object has no attribute 'cython_sources'",
    )
    assert found is not None
    assert found.describe() == (
        "could not build PyYAML (getting requirements to build wheel): "
        "AttributeError: 'build_ext' object has no attribute 'cython_sources'"
    )
    assert failure.build_failure(_recorded("piptools-boto3-1.35.0-botocore-old.stderr")) is None


@pytest.mark.parametrize(
    "recorded",
    ["piptools-local-build-failure-pip25.3.stderr", "piptools-local-build-failure-pip26.3.stderr"],
)
def test_a_local_package_build_failure_is_named_by_its_directory(recorded: str) -> None:
    # pip quotes the package it could not build as a file:// URL ("Failed to build
    # 'file:///home/dev/repo/libs/broken'"); the name is the directory's, never the URL's scheme.
    found = failure.build_failure(_recorded(recorded))
    assert found == failure.BuildFailure(
        "broken", "Getting requirements to build wheel", "AttributeError: boom"
    )


def test_rerun_command_names_the_lock_not_the_deleted_temporary_file() -> None:
    command = (
        "python",
        "-m",
        "piptools",
        "compile",
        "--constraint",
        ".nox-support-requirements.txt.k2j_x9ab.tmp",
        "--output-file",
        ".nox-support-requirements-dev.txt.a8b7c6d5.tmp",
        "requirements-dev.in",
    )
    lock = failure.original_name(".nox-support-requirements-dev.txt.a8b7c6d5.tmp")
    assert lock == "requirements-dev.txt"
    assert failure.rerun_command(command, replace_output=("--output-file", lock, "--dry-run")) == (
        "python",
        "-m",
        "piptools",
        "compile",
        "--constraint",
        "requirements.txt",
        "--output-file",
        "requirements-dev.txt",
        "--dry-run",
        "requirements-dev.in",
    )
    assert "--output-file" not in failure.rerun_command(command, replace_output=None)


def test_progress_notices_from_real_output() -> None:
    stderr = _recorded("piptools-pyyaml-5.4.1-py3.11.stderr")
    notices = [n for line in stderr.splitlines() if (n := progress.piptools_notice(line))]
    assert notices[0] == "resolution round 1"
    assert notices[-1] == "building PyYAML"
    assert progress.piptools_notice("  Discarding boto3==1.44.8 (from -r requirements.txt (line 7))") == (
        "discarding boto3==1.44.8"
    )
    assert progress.piptools_notice("  botocore") == "hashing botocore"
    uv = _recorded("uv-pydantic1-pydantic-settings2.stderr.gz")
    uv_notices = [n for line in uv.splitlines() if (n := progress.uv_notice(line))]
    assert "resolving pydantic-settings" in uv_notices
    assert progress.progress_line("api", "pip-compile", 61.4, "hashing botocore", hint=None) == (
        "api: pip-compile still running (61 s; last: hashing botocore)"
    )


RP_WHEELS = (
    Dist("newpy", "0.9"),
    Dist("newpy", "1.0", requires_python=">=3.99"),
    Dist("needsnew", "1.0", ("newpy>=1.0",)),
)


@pytest.mark.slow
@pytest.mark.parametrize("compiler", ["pip-tools", "uv"])
def test_tiny_wheel_requiring_a_newer_python_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiler: str
) -> None:
    wheels = build_all(RP_WHEELS, tmp_path / "wheels")
    for name, value in {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheels),
    }.items():
        monkeypatch.setenv(name, value)
    root = monorepo(
        tmp_path / "repo", {"api": "needsnew\n"}, pyproject=f'[tool.nox_support]\ncompiler = "{compiler}"\n'
    )
    project = Project.load(root)
    keep = LockArgs(KeepPins(), force=False)
    with pytest.raises(ResolutionError) as info:
        lock_service(project, project.service("api"), keep)
    message = str(info.value)
    # pip: "newpy 1.0 requires Python >=3.99"; uv: "newpy==1.0 requires Python >=3.99", which uv 0.7
    # wraps after "Python": the package, its version and the Python it needs are named.
    assert re.search(r"newpy(==| )1\.0 requires Python\s+>=3\.99", message), message
    assert "or raise the service's target Python (now 3." in message
    assert str(tmp_path) not in message


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_progress_lines_while_pip_compile_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A local package whose build blocks until the first progress line was logged: no timing involved.
    release = tmp_path / "release"
    root = monorepo(tmp_path / "repo", {"api": "../../libs/slow\n"})
    write(
        root / "libs/slow/pyproject.toml",
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    )
    write(
        root / "libs/slow/backend.py",
        f"""
        import os, pathlib, time
        def get_requires_for_build_wheel(config_settings=None):
            deadline = time.monotonic() + 120
            while not pathlib.Path({str(release)!r}).exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            raise RuntimeError("slow package: build refused after the test saw progress")
        """,
    )

    class Release(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "still running" in record.getMessage():
                release.touch()

    handler = Release()
    logging.getLogger("nox").addHandler(handler)
    try:
        project = Project.load(root)
        compiler = PipToolsCompiler(root, progress_interval=0.05)
        with caplog.at_level(logging.INFO, logger="nox"), pytest.raises(CompilerError) as info:
            compiler.compile(
                CompileRequest(
                    service="api",
                    cwd=root / "services/api",
                    source="requirements.in",
                    output="requirements.txt",
                    constraints=(),
                    python=project.service("api").python,
                    upgrade=KeepPins(),
                    extra_args=(),
                    custom_command='nox -s "lock(api)"',
                )
            )
    finally:
        logging.getLogger("nox").removeHandler(handler)
    lines = [r.getMessage() for r in caplog.records if "still running" in r.getMessage()]
    assert lines[0].startswith("api: pip-compile still running (")
    assert lines[0].endswith(f"; {progress.UV_HINT}")
    assert "RuntimeError: slow package: build refused after the test saw progress" in str(info.value)
    assert "cd services/api && " in str(info.value)
    assert "--dry-run" in str(info.value)


def test_uv_never_downloads_an_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}

    def fake_run(_command: tuple[str, ...], **kwargs: object) -> None:
        env = kwargs["env"]
        assert isinstance(env, dict)
        seen.update(env)
        raise CompilerError("stop")

    monkeypatch.setattr("nox_support.lock.compile.uv.cmd.run", fake_run)
    request = CompileRequest("api", tmp_path, "requirements.in", "out.txt", (), "3.9", KeepPins(), (), "nox")
    with pytest.raises(CompilerError):
        UvCompiler(tmp_path).compile(request)
    assert seen["UV_PYTHON_DOWNLOADS"] == "never"
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "automatic")  # the user enabled downloads
    with pytest.raises(CompilerError):
        UvCompiler(tmp_path).compile(request)
    assert seen["UV_PYTHON_DOWNLOADS"] == "automatic"


@pytest.mark.slow
def test_a_local_package_that_fails_to_build_is_named_without_machine_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    root = monorepo(tmp_path / "repo", {"api": "../../libs/broken\n"})
    write(
        root / "libs/broken/pyproject.toml",
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    )
    write(
        root / "libs/broken/backend.py",
        """
        def get_requires_for_build_wheel(config_settings=None):
            raise AttributeError("'build_ext' object has no attribute 'cython_sources'")
        """,
    )
    project = Project.load(root)
    keep = LockArgs(KeepPins(), force=False)
    with pytest.raises(CompilerError) as info:
        lock_service(project, project.service("api"), keep)
    message = str(info.value)
    assert message.startswith(
        "service api: pip-compile could not build broken (getting requirements to build wheel): "
        "AttributeError: 'build_ext' object has no attribute 'cython_sources'\n"
    )
    assert message.endswith(" --output-file requirements.txt --dry-run requirements.in")
    assert "hint: for a release from an index, require a version that publishes wheels" in message
    assert str(tmp_path) not in message
    assert ".nox-support-" not in message
