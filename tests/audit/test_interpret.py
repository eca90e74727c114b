"""Deciding from pip-audit's and safety's JSON, never from their exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nox_support.audit.scanners import pip_audit, safety
from nox_support.audit.scanners.interface import (
    AuditedPackage,
    LocalPackage,
    ScanCompleted,
    ScanFailed,
    ScanTarget,
)
from nox_support.audit.sources.interface import SourceInfo

SOURCE = SourceInfo("offline", "/db", "offline sha256:x", None)
TARGET = ScanTarget(
    service="svc",
    site_packages=Path("/venv/lib/python3.11/site-packages"),
    python=Path("/venv/bin/python"),
    packages=(AuditedPackage("alpha", "1.0", 5), AuditedPackage("beta", "1.0", 7)),
    local_packages=(LocalPackage("acme-common", "0.3.0", "../../libs/common"),),
    work_dir=Path("/work"),
)
CLEAN: dict[str, Any] = {
    "dependencies": [
        {"name": "alpha", "version": "1.0", "vulns": []},
        {"name": "beta", "version": "1.0", "vulns": []},
        {"name": "acme-common", "version": "0.3.0", "vulns": []},
    ],
    "fixes": [],
}
QUERIED = frozenset({("alpha", "1.0"), ("beta", "1.0"), ("acme-common", "0.3.0")})


def run(
    data: Any, returncode: int = 0, queried: frozenset[tuple[str, str]] | None = QUERIED, **kw: Any
) -> Any:
    return pip_audit.interpret(
        data,
        returncode=returncode,
        stderr="Traceback ...\nBoom",
        target=TARGET,
        scanner_version="2.10.1",
        source=SOURCE,
        queried=queried,
        **kw,
    )


def test_clean_report() -> None:
    outcome = run(CLEAN)
    assert isinstance(outcome, ScanCompleted)
    assert outcome.vulnerabilities == ()
    assert outcome.skipped == ()
    assert outcome.problems == ()


def test_vulnerable_report_exit_one() -> None:
    data = {
        **CLEAN,
        "dependencies": [
            {
                "name": "Alpha",
                "version": "1.0",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["1.1"], "aliases": ["CVE-1"]}],
            },
            {"name": "beta", "version": "1.0", "vulns": []},
        ],
    }
    outcome = run(data, returncode=1)
    assert isinstance(outcome, ScanCompleted)
    (vuln,) = outcome.vulnerabilities
    assert (vuln.package, vuln.id, vuln.aliases, vuln.fix_versions) == (
        "alpha",
        "PYSEC-1",
        ("CVE-1",),
        ("1.1",),
    )


def test_skipped_package_is_recorded_even_with_exit_zero() -> None:
    data = {
        "dependencies": [
            {
                "name": "alpha",
                "skip_reason": "Dependency not found on PyPI and could not be audited: alpha (1.0)",
            },
            {"name": "beta", "version": "1.0", "vulns": []},
        ]
    }
    outcome = run(data, queried=None)
    assert isinstance(outcome, ScanCompleted)
    assert [s.package for s in outcome.skipped] == ["alpha"]


def test_no_json_is_a_failure_with_stderr() -> None:
    outcome = run(None, returncode=1)
    assert isinstance(outcome, ScanFailed)
    assert "without a JSON report" in outcome.reason
    assert "Boom" in outcome.reason


def test_exit_one_without_vulnerabilities_is_a_failure() -> None:
    assert isinstance(run(CLEAN, returncode=1), ScanFailed)
    assert isinstance(run(CLEAN, returncode=2), ScanFailed)


def test_missing_unexpected_and_unqueried_packages_are_problems() -> None:
    data = {
        "dependencies": [
            {"name": "alpha", "version": "1.1", "vulns": []},
            {"name": "pip", "version": "23.2", "vulns": []},
        ]
    }
    outcome = run(data, queried=frozenset())
    assert isinstance(outcome, ScanCompleted)
    text = "\n".join(outcome.problems)
    assert "alpha 1.1, the lock pins 1.0" in text
    assert "found pip 23.2 in the venv, which the lock does not pin" in text
    assert "without asking the source" in text
    assert "did not report beta==1.0" in text


def test_offline_database_failures_fail_the_scan() -> None:
    outcome = run(CLEAN, source_failures=("alpha==1.0: TEST-1: not PEP 440",))
    assert isinstance(outcome, ScanFailed)


def test_safety_availability() -> None:
    assert safety.availability_problem("2.3.5") is None
    assert "3.x needs network" in (safety.availability_problem("3.2.0") or "")
    assert "not installed" in (safety.availability_problem("unavailable") or "")


def test_safety_report_reading() -> None:
    data = {
        "scanned_packages": {"alpha": {"name": "alpha", "version": "1.0"}},
        "vulnerabilities": [
            {
                "package_name": "alpha",
                "analyzed_version": "1.0",
                "vulnerability_id": "12345",
                "CVE": "CVE-9",
                "fixed_versions": ["1.1"],
                "advisory": "bad",
            },
        ],
    }
    outcome = safety.interpret(
        data, returncode=64, stderr="", target=TARGET, scanner_version="2.3.5", source=SOURCE
    )
    assert isinstance(outcome, ScanCompleted)
    assert [(v.package, v.id, v.aliases) for v in outcome.vulnerabilities] == [("alpha", "12345", ("CVE-9",))]
    assert outcome.problems == ("safety did not scan beta==1.0",)
    crashed = safety.interpret(
        None, returncode=1, stderr="network", target=TARGET, scanner_version="2.3.5", source=SOURCE
    )
    assert isinstance(crashed, ScanFailed)
