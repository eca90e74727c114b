"""What a safety 2.x run means (pure): anything but a complete report is ``failed``, never clean."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nox_support.audit.scanners.interface import (
    AuditedPackage,
    ScanCompleted,
    ScanFailed,
    ScanOutcome,
    ScanTarget,
    Vulnerability,
)
from nox_support.audit.scanners.safety import SafetyScanner, availability_problem, interpret
from nox_support.audit.sources.interface import (
    Endpoint,
    OsvEndpoint,
    SourceInfo,
    SourceUnavailableError,
)
from tests.audit.fakes import FakeSource

SOURCE = SourceInfo("safety-db", "/db", "sha256:db", None)
TARGET = ScanTarget(
    service="shop",
    site_packages=Path("/venv/site-packages"),
    python=Path("/venv/bin/python"),
    packages=(AuditedPackage("Alpha_Pkg", "1.0"), AuditedPackage("beta", "2.0")),
    local_packages=(),
    work_dir=Path("/work"),
)
SCANNED: dict[str, object] = {"alpha-pkg": {}, "beta": {}}


def run(data: Any, returncode: int = 0, stderr: str = "") -> ScanOutcome:
    return interpret(
        data, returncode=returncode, stderr=stderr, target=TARGET, scanner_version="2.3.5", source=SOURCE
    )


def test_a_crash_without_a_report_fails_with_the_end_of_its_stderr() -> None:
    stderr = "".join(f"line {n}\n" for n in range(1, 21))
    outcome = run(None, returncode=1, stderr=stderr)
    assert outcome == ScanFailed(
        "safety",
        "2.3.5",
        SOURCE,
        "safety exited with code 1 without a usable JSON report:\n"
        + "\n".join(f"line {n}" for n in range(9, 21)),
    )
    assert run(None, returncode=2) == ScanFailed(
        "safety", "2.3.5", SOURCE, "safety exited with code 2 without a usable JSON report"
    )


def test_a_report_without_its_lists_fails() -> None:
    outcome = run({"scanned_packages": SCANNED})
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == "safety's JSON report has no scanned_packages/vulnerabilities"


def test_exit_64_with_no_vulnerability_listed_is_failed_not_clean() -> None:
    outcome = run({"scanned_packages": SCANNED, "vulnerabilities": ["not a table"]}, returncode=64)
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == "safety exited with 64 (vulnerable) but listed no vulnerability"


def test_vulnerabilities_are_read_and_a_package_it_did_not_scan_is_a_problem() -> None:
    item = {
        "vulnerability_id": "51457",
        "package_name": "Alpha_Pkg",
        "analyzed_version": "1.0",
        "CVE": "CVE-2099-1",
        "fixed_versions": ["1.1", "2.0"],
        "advisory": "  Alpha before 1.1\n  leaks   secrets.  ",
    }
    outcome = run({"scanned_packages": {"Alpha-Pkg": {}}, "vulnerabilities": [item]}, returncode=64)
    assert outcome == ScanCompleted(
        "safety",
        "2.3.5",
        SOURCE,
        (
            Vulnerability(
                "alpha-pkg",
                "1.0",
                "51457",
                ("CVE-2099-1",),
                ("1.1", "2.0"),
                "safety",
                "Alpha before 1.1 leaks secrets.",
            ),
        ),
        (),
        ("safety did not scan beta==2.0",),
    )


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("2.3.5", None),
        (
            "unavailable",
            (
                "safety is not installed in the tool environment; "
                "install safety 2.x (pip install 'safety>=2,<3')"
            ),
        ),
        ("two", "cannot read safety's version ('two')"),
        (
            "3.2.0",
            (
                "safety 3.2.0 is unavailable offline (3.x needs network at start-up even with --db); "
                "install safety 2.x"
            ),
        ),
    ],
)
def test_only_safety_2_can_scan_offline(version: str, problem: str | None) -> None:
    assert availability_problem(version) == problem


# --- a scan that cannot complete --------------------------------------------------------------


class _OsvOnly(FakeSource):
    """A source that serves an OSV endpoint, which safety cannot read."""

    @contextlib.contextmanager
    def _serve(self) -> Iterator[Endpoint]:
        yield OsvEndpoint("http://127.0.0.1:9/v1/query", 10)


class _Unservable(FakeSource):
    def serve(self) -> contextlib.AbstractContextManager[Endpoint]:
        msg = "the safety database /db cannot be read"
        raise SourceUnavailableError(msg)


def _safety(tmp_path: Path, check: str) -> str:
    """A safety 2.3.5 whose ``check`` runs *check* (Python)."""
    script = tmp_path / "safety"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "if sys.argv[1:] == ['--version']:\n    print('safety, version 2.3.5'); sys.exit(0)\n"
        f"{check}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


def _target(tmp_path: Path) -> ScanTarget:
    return replace(TARGET, work_dir=tmp_path / "work")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (_OsvOnly(), "safety needs a local database directory (--db)"),
        (_Unservable(), "the safety database /db cannot be read"),
    ],
)
def test_a_source_safety_cannot_use_fails_the_scan(tmp_path: Path, source: FakeSource, reason: str) -> None:
    outcome = SafetyScanner(source, executable=_safety(tmp_path, "sys.exit(0)")).scan(_target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == reason


def test_a_safety_that_prints_no_json_fails_with_its_stderr(tmp_path: Path) -> None:
    check = "print('Traceback ...'); print('KeyError: vulns', file=sys.stderr); sys.exit(1)"
    outcome = SafetyScanner(FakeSource(), executable=_safety(tmp_path, check)).scan(_target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason == "safety exited with code 1 without a usable JSON report:\nKeyError: vulns"


def test_no_safety_installed_is_unavailable_never_clean(tmp_path: Path) -> None:
    scanner = SafetyScanner(FakeSource(), executable=str(tmp_path / "missing-safety"))
    assert scanner.version() == "unavailable"
    outcome = scanner.scan(_target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert outcome.reason.startswith("safety is not installed in the tool environment")
