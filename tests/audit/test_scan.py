"""The scan / verdict-cache / refresh logic of ``audit(<service>)`` with fakes of the real interfaces.

The slow tests in test_audit_session.py and test_nox_e2e.py prove the same through real venvs and
pip-audit; these pin down each rule of the cache in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nox_support.audit.cache import ScanCache, cache_key
from nox_support.audit.scan import scan_cached as _scan
from nox_support.audit.scanners.interface import (
    AuditedPackage,
    ScanCompleted,
    ScanFailed,
    ScanOutcome,
    ScanTarget,
    SkippedPackage,
    Vulnerability,
)
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, decide
from nox_support.venv.values import Stamp
from tests.audit.fakes import FakeScanner, FakeSource, FullDiskCache

STAMP = Stamp(
    (("requirements.txt", "aa"),), "3.11.7 /py 1:2", "3.11.7", "fp", ("alpha-1.0.dist-info",),
    (("alpha", "1.0"),), (), "uv",
)  # fmt: skip
TARGET = ScanTarget(
    "svc", Path("/venv/lib"), Path("/venv/bin/python"), (AuditedPackage("alpha", "1.0", 3),), (), Path("/w")
)
CONTEXT = ReportContext(
    service="svc",
    lock="services/svc/requirements.txt",
    lock_sha256="ff",
    generated_at="2025-01-01T00:00:00Z",
    run="run-1",
    venv="already synced",
    not_audited=(),
    lines={"alpha": 3},
)
VULN = Vulnerability("alpha", "1.0", "PYSEC-1", ("CVE-1",), ("1.1",), "pip-audit")


def vulnerable(info: SourceInfo) -> ScanOutcome:
    return ScanCompleted("pip-audit", "2.10", info, (VULN,))


def scan(scanner: FakeScanner, cache: ScanCache, *, refresh: bool = False) -> tuple[ScanOutcome, bool]:
    warnings: list[str] = []
    result = _scan(scanner, TARGET, STAMP, cache, refresh=refresh, warn=warnings.append)
    assert warnings == []
    return result


@pytest.fixture
def cache(tmp_path: Path) -> ScanCache:
    return ScanCache(tmp_path / "audit-cache")


def test_a_completed_scan_is_cached_and_reused_without_scanning(cache: ScanCache) -> None:
    source = FakeSource()
    scanner = FakeScanner(source, vulnerable)
    first, first_cached = scan(scanner, cache)
    second, second_cached = scan(scanner, cache)
    assert (first_cached, second_cached) == (False, True)
    assert second == first
    assert scanner.scanned == [TARGET]
    assert source.served == 1
    report = decide(CONTEXT, ((second, second_cached),), (), today=dt.date(2025, 1, 1))
    assert report.status == "vulnerable"
    assert [(r.name, r.cached) for r in report.scanners] == [("pip-audit", True)]


def test_refresh_scans_again_and_replaces_the_entry(cache: ScanCache) -> None:
    answers: list[ScanOutcome] = []

    def answer(info: SourceInfo) -> ScanOutcome:
        answers.append(vulnerable(info) if not answers else ScanCompleted("pip-audit", "2.10", info, ()))
        return answers[-1]

    scanner = FakeScanner(FakeSource(), answer)
    scan(scanner, cache)
    refreshed, cached = scan(scanner, cache, refresh=True)
    assert cached is False
    assert isinstance(refreshed, ScanCompleted)
    assert refreshed.vulnerabilities == ()
    assert len(scanner.scanned) == 2
    # The refreshed answer is what the next run reuses.
    assert scan(scanner, cache) == (refreshed, True)
    assert len(scanner.scanned) == 2


@pytest.mark.parametrize(
    ("identity", "name", "version"),
    [
        pytest.param("fake sha256:2", "pip-audit", "2.10", id="source-identity"),
        pytest.param("fake sha256:1", "pip-audit", "2.11", id="scanner-version"),
        pytest.param("fake sha256:1", "safety", "2.10", id="scanner-name"),
    ],
)
def test_what_determines_the_verdict_invalidates_the_entry(
    cache: ScanCache, identity: str, name: str, version: str
) -> None:
    scan(FakeScanner(FakeSource(), vulnerable), cache)
    other = FakeScanner(FakeSource(identity), vulnerable, name=name, version=version)
    _, cached = scan(other, cache)
    assert cached is False
    assert len(other.scanned) == 1


def test_a_different_venv_content_is_a_miss(cache: ScanCache) -> None:
    scanner = FakeScanner(FakeSource(), vulnerable)
    scan(scanner, cache)
    upgraded = replace(STAMP, contents=("alpha-1.1.dist-info",), packages=(("alpha", "1.1"),))
    _, cached = _scan(scanner, TARGET, upgraded, cache, refresh=False, warn=pytest.fail)
    assert cached is False
    assert len(scanner.scanned) == 2


def test_an_online_answer_expires_after_its_ttl(cache: ScanCache) -> None:
    source = FakeSource("https://osv.example/v1/query", ttl_seconds=60)
    scanner = FakeScanner(source, vulnerable)
    key = cache_key(STAMP, "pip-audit", "2.10", source.info())
    cache.put("svc", key, ScanCompleted("pip-audit", "2.10", source.info(), ()), now=time.time() - 61)
    outcome, cached = scan(scanner, cache)
    assert cached is False
    assert outcome == vulnerable(source.info())
    assert scan(scanner, cache) == (outcome, True)


def test_a_cached_entry_reports_the_source_as_it_is_now(cache: ScanCache) -> None:
    source = FakeSource()
    scanner = FakeScanner(source, vulnerable)
    scan(scanner, cache)
    warned = SourceInfo("offline", "/fake/db", "fake sha256:1", None, warnings=("the database is old",))
    cache.put(
        "svc", cache_key(STAMP, "pip-audit", "2.10", warned), ScanCompleted("pip-audit", "2.10", warned, ())
    )
    outcome, cached = scan(scanner, cache)
    assert cached is True
    assert outcome.source == source.info()


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            lambda info: ScanCompleted(
                "pip-audit",
                "2.10",
                info,
                (),
                skipped=(SkippedPackage("alpha", "1.0", "not on PyPI", "pip-audit"),),
            ),
            id="skipped",
        ),
        pytest.param(
            lambda info: ScanCompleted("pip-audit", "2.10", info, (), problems=("alpha was never reported",)),
            id="problems",
        ),
        pytest.param(lambda info: ScanFailed("pip-audit", "2.10", info, "pip-audit crashed"), id="failed"),
    ],
)
def test_an_answer_that_could_not_tell_is_asked_again(cache: ScanCache, answer: object) -> None:
    scanner = FakeScanner(FakeSource(), answer)  # type: ignore[arg-type]
    first, _ = scan(scanner, cache)
    again, cached = scan(scanner, cache)
    assert (again, cached) == (first, False)
    assert len(scanner.scanned) == 2
    assert not cache.directory.exists()  # nothing was stored
    assert decide(CONTEXT, ((again, cached),), (), today=dt.date(2025, 1, 1)).status == "error"


def test_an_unavailable_source_fails_the_scan_without_running_the_scanner(cache: ScanCache) -> None:
    source = FakeSource()
    source.unavailable = "offline OSV database /db is not a directory"
    scanner = FakeScanner(source)
    outcome, cached = scan(scanner, cache)
    assert outcome == ScanFailed(
        "pip-audit",
        "2.10",
        SourceInfo("unavailable", "", "", None),
        "offline OSV database /db is not a directory",
    )
    assert cached is False
    assert scanner.scanned == []


def test_a_full_disk_keeps_the_verdict_and_warns_once(tmp_path: Path) -> None:
    scanner = FakeScanner(FakeSource(), vulnerable)
    warnings: list[str] = []
    outcome, cached = _scan(
        scanner, TARGET, STAMP, FullDiskCache(tmp_path), refresh=False, warn=warnings.append
    )
    assert (outcome, cached) == (vulnerable(FakeSource().info()), False)
    assert warnings == ["svc: pip-audit verdict not cached (No space left on device); the next run rescans"]
    assert list(tmp_path.iterdir()) == []
