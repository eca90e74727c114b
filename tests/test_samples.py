"""The sample monorepo shipped in this repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nox_support.lock import freshness as fresh
from nox_support.lock import lockfile
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.project import Project
from tests.repos import ROOT


def test_samples_show_why_isolation_matters() -> None:
    project = Project.load(ROOT)
    assert [s.name for s in project.services] == ["notifications", "orders", "payments", "reports"]
    orders = (ROOT / "services/orders/requirements.txt").read_text()
    payments = (ROOT / "services/payments/requirements.txt").read_text()
    assert "\npydantic==1." in orders
    assert "\npydantic==2." in payments
    # Local packages sit next to the lock, which plain `pip install --require-hashes` accepts.
    assert "libs/common\n" not in orders
    assert "\n../../libs/common\n" in (ROOT / "services/orders/requirements.local.txt").read_text()
    users_of_common = [
        s.name for s in project.services if "../../libs/common" in s.main.source.read_text(encoding="utf-8")
    ]
    # reports is declared in pyproject.toml alone; its tests install its dependency group "test".
    reports = project.service("reports")
    assert [(layer.name, layer.source.name) for layer in reports.layers] == [
        ("main", "pyproject.toml"),
        ("test", "pyproject.toml"),
    ]
    assert reports.test_layers == ("test",)
    assert users_of_common == ["notifications", "orders"]


def test_committed_sample_locks_are_fresh_valid_and_portable() -> None:
    project = Project.load(ROOT)
    for service in project.services:
        for layer in service.layers:
            verdict = fresh.check_layer(project, service, layer)
            assert isinstance(verdict, fresh.FreshLock), fresh.describe(verdict)
            text = layer.lock.read_text(encoding="utf-8")
            lockfile.validate(text, path=str(layer.lock), forbidden=lockfile.machine_paths(ROOT))
            assert "/opt/" not in text


@pytest.mark.network
def test_relocking_the_samples_from_pypi_is_byte_identical(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".venv", ".nox", ".git", "reports", "*.egg-info")
    shutil.copytree(ROOT, copy, ignore=ignore)
    project = Project.load(copy)
    for service in project.services:
        lock_service(project, service, LockArgs(KeepPins(), force=True))
        for layer in service.layers:
            committed = (ROOT / layer.lock.relative_to(copy)).read_bytes()
            assert layer.lock.read_bytes() == committed, layer.lock
