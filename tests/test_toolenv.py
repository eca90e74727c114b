"""Locking for a target Python other than the one running Nox: the tool venv and its compiler release."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from nox_support.discovery import running_python
from nox_support.interpreters import InterpreterNotFoundError, find_interpreter
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.compile.piptools import PipToolsCompiler
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.lock.toolenv import (
    TOOLS_DIR,
    ToolEnvError,
    ToolPython,
    ToolStamp,
    distribution_version,
    python_for,
    read_stamp,
    series_requirement,
    tool_venv,
)
from nox_support.project import Project
from tests.repos import monorepo, write
from tests.wheels import Dist, build_all


def test_the_running_python_needs_no_tool_venv(tmp_path: Path) -> None:
    assert python_for(tmp_path, running_python(), purpose="pip-tools", packages=("pip-tools",)) == ToolPython(
        sys.executable, (f"pip-tools=={distribution_version('pip-tools')}",)
    )
    assert not (tmp_path / TOOLS_DIR).exists()


@pytest.mark.parametrize(
    ("release", "requirement"),
    [
        ("pip-tools==7.7.0", "pip-tools>=7,<8"),
        ("pip-tools==7.0.0", "pip-tools>=7,<8"),
        ("pip-tools==10.2", "pip-tools>=10,<11"),
        ("uv==0.13.9", "uv>=0.13,<0.14"),
        ("uv==0.9.0", "uv>=0.9,<0.10"),
        ("uv==1.0.0rc1", "uv>=1,<2"),
        ("tool==nightly", "tool==nightly"),
    ],
)
def test_a_tool_venv_installs_any_release_of_the_digested_series(release: str, requirement: str) -> None:
    assert series_requirement(release) == requirement


# Fake pip-tools releases around the running Python's minor version, so that a tool venv made
# from the running interpreter (under a fake version name) shows which release the installer
# picks by Requires-Python.  Nothing in them runs: the choice is what is tested.
MINOR = sys.version_info[1]
FAKE_PIP_TOOLS = (
    Dist("pip-tools", "7.4.0", ("click>=8",), requires_python=">=3.8"),
    Dist("pip-tools", "7.6.0", ("click>=8",), requires_python=f">=3.{MINOR}"),
    Dist("pip-tools", "7.7.0", ("click>=8",), requires_python=f">=3.{MINOR + 1}"),
    Dist("pip-tools", "8.0.0", ("click>=8",), requires_python=">=3.8"),
    Dist("click", "8.1.0"),
)


def _fake_pyenv(root: Path, version: str) -> Path:
    """A pyenv root whose ``versions/<version>`` is the running interpreter under another name."""
    bindir = root / "versions" / f"{version}.0" / "bin"
    bindir.mkdir(parents=True)
    (bindir / f"python{version}").symlink_to(Path(sys.executable).resolve())
    return root


@pytest.fixture
def fake_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Python "3.99" found in a fake pyenv root only; the tool installer sees only local wheels."""
    monkeypatch.setenv("PYENV_ROOT", str(_fake_pyenv(tmp_path / "pyenv", "3.99")))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(build_all(FAKE_PIP_TOOLS, tmp_path / "tools-index")))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "tools-index"))
    return "3.99"


@pytest.mark.slow
def test_the_tool_venv_gets_the_newest_release_of_the_series_for_its_python(
    tmp_path: Path, fake_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nox_support.lock.toolenv.distribution_version", lambda _name: "7.7.0")
    root = tmp_path / "repo"

    tool = python_for(root, fake_target, purpose="pip-tools", packages=("pip-tools",))

    # Not 7.7.0 (Requires-Python excludes this interpreter), not 8.0.0 (another series).
    assert tool.releases == ("pip-tools==7.6.0",)
    location = tool_venv(root, fake_target, "pip-tools")
    assert tool.executable == str(location / "bin" / "python")
    assert read_stamp(location) == ToolStamp(("pip-tools>=7,<8",), ("pip-tools==7.6.0",))
    assert PipToolsCompiler(root).release_for(fake_target) == "pip-tools==7.6.0"  # compiled-by
    stamp = location / "nox-support-tools.txt"
    first = stamp.stat().st_mtime_ns
    time.sleep(0.01)
    assert python_for(root, fake_target, purpose="pip-tools", packages=("pip-tools",)) == tool
    assert stamp.stat().st_mtime_ns == first  # reused, not rebuilt


@pytest.mark.slow
def test_a_series_without_a_release_for_the_target_python_says_so(
    tmp_path: Path, fake_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nox_support.lock.toolenv.distribution_version", lambda _name: "7.7.0")
    only_newer = build_all((FAKE_PIP_TOOLS[2], FAKE_PIP_TOOLS[3], FAKE_PIP_TOOLS[4]), tmp_path / "newer")
    monkeypatch.setenv("UV_FIND_LINKS", str(only_newer))
    monkeypatch.setenv("PIP_FIND_LINKS", str(only_newer))

    with pytest.raises(ToolEnvError) as info:
        python_for(tmp_path / "repo", fake_target, purpose="pip-tools", packages=("pip-tools",))

    assert info.value.message.startswith("cannot install pip-tools>=7,<8 for Python 3.99: command failed")
    assert info.value.hint == (
        "no release of that series may support Python 3.99 (Requires-Python): set "
        'compiler = "uv" (it needs no tool environment) or raise the service\'s target Python; '
        "otherwise check that the installer can reach its index"
    )
    assert read_stamp(tool_venv(tmp_path / "repo", fake_target, "pip-tools")) is None


def test_a_missing_python_is_named_and_no_venv_is_attempted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for name in ("PYENV_ROOT", "ASDF_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_venv(*args: object) -> None:
        pytest.fail(f"a venv (and with uv, a CPython download) was attempted: {args}")

    monkeypatch.setattr("nox_support.lock.toolenv._create", no_venv)
    with pytest.raises(
        InterpreterNotFoundError, match=r"^Python 3\.7 is not installed; looked for python3\.7"
    ):
        python_for(tmp_path, "3.7", purpose="pip-tools", packages=("pip-tools",))


# Real pip-tools from PyPI into real interpreters (~/.pyenv/versions on the development machine).
ZETA = (
    Dist("zeta", "1.0", ("alpha>=1",), requires_python=">=3.8"),
    Dist("zeta", "2.0", ("alpha>=1",), requires_python=">=3.10"),
    Dist("alpha", "1.0"),
)


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.parametrize(("python", "expected_zeta"), [("3.8", "1.0"), ("3.9", "1.0"), ("3.13", "2.0")])
def test_services_on_older_and_newer_pythons_lock_with_pip_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, python: str, expected_zeta: str
) -> None:
    if not isinstance(find_interpreter(python), Path):
        pytest.fail(f"this opt-in test needs Python {python} installed (pyenv install {python})")
    # The service's packages come from local wheels; pip-tools itself from PyPI (uv: no UV_* set).
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(build_all(ZETA, tmp_path / "wheels")))
    root = monorepo(tmp_path / "repo", {"api": "zeta\n"})
    write(root / "services/api/.python-version", f"{python}\n")
    project = Project.load(root)
    service = project.service("api")

    started = time.monotonic()
    lock_service(project, service, LockArgs(KeepPins(), force=False))
    elapsed = time.monotonic() - started

    text = (root / "services/api/requirements.txt").read_text()
    stamped = read_stamp(tool_venv(root, python, "pip-tools"))
    assert stamped is not None
    (release,) = stamped.releases
    sys.stderr.write(f"\nlocked a Python {python} service in {elapsed:.1f} s with {release}\n")
    assert f"autogenerated by pip-compile with Python {python}" in text
    assert f" python={python} compiler=pip-tools==7.* " in text
    assert f" compiled-by={release} " in text
    assert f"zeta=={expected_zeta} " in text
    assert release.startswith("pip-tools==7.")
