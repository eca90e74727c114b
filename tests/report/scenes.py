"""Monorepos with the reports other sessions would have written, for ``nox -s report``.

The sample monorepo (a copy of ``services/``, ``libs/``, ``constraints/``) and a generated one
of N services x M packages.  Drift is the real ``drift`` session over real (stamped) locks; audit
reports go through the audit's own verdict and codec, licence reports through ``LicenseReport``,
test results are the JUnit XML pytest writes.  Also used by ``benchmarks/report_page.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

from nox_support.audit.reports.json_report import write_service_report
from nox_support.audit.scanners.interface import ScanCompleted, Vulnerability
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, decide
from nox_support.drift.session import DriftArgs, build_report
from nox_support.drift.session import write_reports as write_drift
from nox_support.licenses.report import LicenseReport, ReportRow
from nox_support.lock.orchestrate import Target, current_digest, split_local
from nox_support.project import Project
from tests.repos import NOXFILE, ROOT, write

SOURCE = SourceInfo("offline", "/db", "offline sha256:1", None)
TODAY = dt.date(2026, 1, 1)


def audit(root: Path, service: str, vulnerabilities: tuple[Vulnerability, ...] = ()) -> None:
    """Write ``reports/audit/<service>.json`` as ``audit(<service>)`` would, for the lock on disk."""
    lock = root / "services" / service / "requirements.txt"
    context = ReportContext(
        service=service,
        lock=f"services/{service}/requirements.txt",
        lock_sha256=hashlib.sha256(lock.read_bytes()).hexdigest(),
        generated_at="2026-01-01T00:00:00Z",
        run="test",
        venv="already synced",
        not_audited=(),
        lines={},
    )
    outcome = ScanCompleted("pip-audit", "2.10", SOURCE, vulnerabilities)
    write_service_report(root, decide(context, ((outcome, False),), (), today=TODAY))


def licences(root: Path, service: str, statuses: dict[str, str]) -> None:
    """Write ``reports/licenses/<service>.json`` with one row per package: status."""
    lock = root / "services" / service / "requirements.txt"
    rows = tuple(
        ReportRow(name, "1.0", "MIT" if status != "unknown" else None, None, None, status, "", None)  # type: ignore[arg-type]
        for name, status in statuses.items()
    )
    report = LicenseReport(
        service,
        f"services/{service}/requirements.txt",
        hashlib.sha256(lock.read_bytes()).hexdigest(),
        rows,
        (),
    )
    write(root / "reports" / "licenses" / f"{service}.json", report.to_json())


def junit(root: Path, service: str, *, tests: int, failures: int = 0, skipped: int = 0) -> None:
    """Write ``reports/tests/<service>.xml`` as pytest's ``--junitxml`` does."""
    write(
        root / "reports" / "tests" / f"{service}.xml",
        f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" '
        f'failures="{failures}" skipped="{skipped}" tests="{tests}"></testsuite></testsuites>\n',
    )


def drift(root: Path) -> None:
    """Run the real ``drift`` session's report step: ``reports/drift.json``."""
    project = Project.load(root)
    write_drift(root, build_report(project, DriftArgs(layers=False, services=())))


def sample(root: Path) -> Path:
    """The sample monorepo with: orders vulnerable and tested, payments clean, notifications never audited."""
    for name in ("services", "libs", "constraints"):
        shutil.copytree(
            ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
        )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(NOXFILE, root / "noxfile.py")
    orders_pydantic = next(
        line.split("==")[1].split()[0]
        for line in (root / "services/orders/requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("pydantic==")
    )
    audit(
        root,
        "orders",
        (
            Vulnerability(
                "pydantic",
                orders_pydantic,
                "GHSA-mr82-8j83-vxmv",
                ("CVE-2024-3772",),
                ("1.10.13", "2.4.0"),
                "pip-audit",
                "Regular expression denial of service in email validation",
            ),
        ),
    )
    audit(root, "payments")
    licences(root, "orders", {"pydantic": "compliant", "acme-common": "excepted"})
    licences(root, "payments", {"pydantic": "compliant", "mystery": "violation"})
    junit(root, "orders", tests=12, skipped=1)
    drift(root)
    return root


def generated(root: Path, services: int, packages: int) -> Path:
    """*services* services locking *packages* packages each, at one of three versions, all reported.

    Every package drifts; every tenth service's audit finds ``pkg-0`` vulnerable; every service
    has a licence report and a JUnit report (every seventh with a failure).
    """
    root.mkdir(parents=True, exist_ok=True)
    write(root / "pyproject.toml", '[tool.nox_support]\nservice_globs = ["services/*"]\n')
    digest = "0" * 64
    for s in range(services):
        name = f"svc-{s:03d}"
        write(root / "services" / name / "requirements.in", "".join(f"pkg-{p}\n" for p in range(packages)))
        lock = "".join(
            f"pkg-{p}==1.{(s + p) % 3}.0 \\\n    --hash=sha256:{digest}\n    # via -r requirements.in\n"
            for p in range(packages)
        )
        write(root / "services" / name / "requirements.txt", lock)
    _stamp_every_lock(root)
    for s in range(services):
        name = f"svc-{s:03d}"
        found = (
            (
                Vulnerability(
                    "pkg-0", f"1.{s % 3}.0", "PYSEC-2026-1", ("CVE-2026-0001",), ("2.0.0",), "pip-audit"
                ),
            )
            if s % 10 == 0
            else ()
        )
        audit(root, name, found)
        licences(root, name, {f"pkg-{p}": "compliant" for p in range(min(packages, 5))})
        junit(root, name, tests=20, failures=1 if s % 7 == 0 else 0)
    drift(root)
    return root


def _stamp_every_lock(root: Path) -> None:
    """:func:`tests.repos.stamp_lock` for every main lock, discovering the services once."""
    project = Project.load(root)
    for service in project.services:
        target = Target(project, service, service.main)
        current = current_digest(project, service, service.main)
        text = service.main.lock.read_text(encoding="utf-8")
        content, _ = split_local(text, target, current, compiled_by=project.compiler.identity())
        service.main.lock.write_text(content, encoding="utf-8")
