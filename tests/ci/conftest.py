"""Fixtures for the CI tests: a wheelhouse that also holds a real pytest."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.ci.helpers import PYTEST_DISTRIBUTIONS
from tests.conftest import WHEELS
from tests.wheels import Dist, build_all, repackage

LICENSES = {"alpha": "MIT", "beta": "Apache-2.0", "gamma": "BSD-3-Clause", "delta": "MIT", "epsilon": "ISC"}
"""The tiny wheels' licences in the CI wheelhouse: real packages on an index declare theirs."""
COPYLEFT = Dist("copyleft", "1.0", license_expression="GPL-3.0-only")
"""A package the CI test monorepo's licence policy denies."""


@pytest.fixture(scope="session")
def ci_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared tiny wheels (with licences) and :data:`COPYLEFT`, plus pytest and its dependencies."""
    directory = tmp_path_factory.mktemp("ci-wheelhouse")
    licensed = [dataclasses.replace(d, license_expression=LICENSES.get(d.name)) for d in WHEELS]
    build_all([*licensed, COPYLEFT], directory)
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
