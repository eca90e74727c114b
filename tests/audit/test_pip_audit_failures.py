"""pip-audit that cannot give an answer: the scan is ``failed`` with the reason, never clean."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from nox_support.audit.scanners.interface import AuditedPackage, ScanFailed, ScanTarget
from nox_support.audit.scanners.pip_audit import PipAuditScanner
from nox_support.audit.sources.interface import SourceInfo
from tests.audit.fakes import FakeSource


def target(tmp_path: Path) -> ScanTarget:
    return ScanTarget(
        service="shop",
        site_packages=tmp_path / "site-packages",
        python=Path(sys.executable),
        packages=(AuditedPackage("alpha", "1.0"),),
        local_packages=(),
        work_dir=tmp_path / "work",
    )


def test_a_source_that_cannot_answer_fails_the_scan(tmp_path: Path) -> None:
    source = FakeSource()
    source.unavailable = "the OSV database /db is not readable"
    outcome = PipAuditScanner(source, cache_dir=tmp_path).scan(target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == "the OSV database /db is not readable"
    assert source.served == 0


def test_pip_audit_missing_is_failed_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)  # as pip_audit reads it
    outcome = PipAuditScanner(FakeSource(), cache_dir=tmp_path).scan(target(tmp_path))
    assert outcome == ScanFailed(
        "pip-audit",
        "unavailable",
        SourceInfo("offline", "/fake/db", "fake sha256:1", None),
        "pip-audit is not installed next to nox-support (pip install pip-audit)",
    )


def test_another_python_cannot_read_a_database_directory_and_says_what_to_use(tmp_path: Path) -> None:
    source = FakeSource()  # serves a database directory, as safety's source does
    outcome = PipAuditScanner(source, cache_dir=tmp_path, python="/usr/bin/python3").scan(target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == (
        "pip-audit cannot read the database directory /fake/db directly\n"
        "  hint: use an offline OSV database (NOX_SUPPORT_OSV_DB)"
    )
    assert source.served == 1
