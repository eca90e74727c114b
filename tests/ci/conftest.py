"""Fixtures for the CI tests: a wheelhouse that also holds a real pytest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ci.helpers import PYTEST_DISTRIBUTIONS, repackage


@pytest.fixture(scope="session")
def ci_wheelhouse(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared tiny wheels plus pytest and its dependencies, as real wheels."""
    directory = tmp_path_factory.mktemp("ci-wheelhouse")
    for wheel in wheelhouse.glob("*.whl"):
        shutil.copy(wheel, directory)
    for name in PYTEST_DISTRIBUTIONS:
        repackage(name, directory)
    return directory


@pytest.fixture
def ci_offline_index(monkeypatch: pytest.MonkeyPatch, ci_wheelhouse: Path) -> Path:
    """Point pip and uv at :func:`ci_wheelhouse` only (like ``offline_index``)."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(ci_wheelhouse))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(ci_wheelhouse))
    return ci_wheelhouse
