"""What a safety 2.x run means (pure): anything but a complete report is ``failed``, never clean."""

from __future__ import annotations

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
from nox_support.audit.scanners.safety import availability_problem, interpret
from nox_support.audit.sources.interface import SourceInfo

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
