"""Shared fixtures: an isolated pip environment and a local wheel index."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import pytest

import nox_support
from tests.wheels import Dist, build_all

# The packages every hermetic test can resolve from the local find-links directory.
WHEELS = (
    Dist("alpha", "1.0"),
    Dist("alpha", "1.1"),
    Dist("alpha", "2.0"),
    Dist("beta", "1.0", ("alpha>=1",)),
    Dist("beta", "1.1", ("alpha>=1",)),
    Dist("gamma", "1.0", ("alpha<2",)),
    Dist("delta", "1.0", ("alpha>=2",)),
    Dist("epsilon", "0.5"),
    Dist("pytest-stub", "1.0"),
)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links directory holding :data:`WHEELS`."""
    return build_all(WHEELS, tmp_path_factory.mktemp("wheelhouse"))


def pytest_configure(config: pytest.Config) -> None:
    """Keep PYTEST_ADDOPTS (``.ci/run`` adds ``--cov`` there) from the pytest runs tests start.

    This run has already read it; the service venvs those runs use have no pytest-cov.  The
    pytest-xdist controller runs no test and keeps it: its workers, started after this hook,
    read ``--cov`` from it (each worker then drops it in its own ``pytest_configure``).
    """
    controller = not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))
    if not controller:
        os.environ.pop("PYTEST_ADDOPTS", None)
    if not hasattr(config, "workerinput"):  # once a run, before the xdist workers start
        compile_nox_support()


def compile_nox_support() -> None:
    """Write the bytecode of nox-support's modules next to them (``__pycache__``, git-ignored).

    The tests start hundreds of Pythons that import nox-support (Nox, ``python -m nox_support``,
    the workflows' steps). An editable install has no bytecode, and where the machine sets
    ``PYTHONDONTWRITEBYTECODE`` none is ever written: each of those processes compiled the modules
    it imports again, about a fifth of their CPU time. Python reads existing bytecode whatever that
    setting says; what ``pip install`` does for an installed nox-support, this does for the source.
    """
    compileall.compile_dir(Path(nox_support.__file__).parent, quiet=1, workers=1)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No PIP_*/UV_* settings, pip config or user cache from the machine leak into a test."""
    for name in list(os.environ):
        if name.startswith(("PIP_", "UV_", "NOX_SUPPORT_", "CUSTOM_COMPILE_COMMAND", "GITHUB_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "uv-cache"))
    # The user's own caches (nox-support's freshness cache among them) stay out of the tests.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def offline_index(monkeypatch: pytest.MonkeyPatch, wheelhouse: Path) -> Path:
    """Point pip (and uv) at the local wheelhouse only."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(wheelhouse))
    return wheelhouse
