"""SafetyScanner wiring, with a stand-in ``safety`` executable that answers like safety 2.3.5.

The JSON below is the shape safety 2.3.5 prints for ``check --db DIR --json --file REQS``
(captured from a real offline run, trimmed to the fields that are read).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nox_support.audit.scanners.interface import AuditedPackage, ScanCompleted, ScanFailed, ScanTarget
from nox_support.audit.scanners.safety import SafetyScanner
from nox_support.audit.sources.safety_db import SafetyDbSource

REPORT = {
    "report_meta": {"safety_version": "2.3.5", "local_database_path": "DB"},
    "scanned_packages": {
        "alpha": {"name": "alpha", "version": "1.0"},
        "beta": {"name": "beta", "version": "1.0"},
    },
    "affected_packages": {},
    "vulnerabilities": [
        {
            "vulnerability_id": "99999",
            "package_name": "alpha",
            "analyzed_version": "1.0",
            "CVE": "CVE-2099-1",
            "fixed_versions": [],
            "advisory": "alpha before 1.1 is bad",
        }
    ],
    "ignored_vulnerabilities": [],
}


def fake_safety(tmp_path: Path, version: str) -> str:
    script = tmp_path / "safety"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"if sys.argv[1:] == ['--version']:\n    print('safety, version {version}'); sys.exit(0)\n"
        "args = sys.argv[1:]\n"
        "assert args[:2] == ['check', '--db'] and '--json' in args and '--file' in args, args\n"
        f"print(json.dumps({REPORT!r})); sys.exit(64)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


def target(tmp_path: Path) -> ScanTarget:
    return ScanTarget(
        service="svc",
        site_packages=tmp_path,
        python=Path(sys.executable),
        packages=(AuditedPackage("alpha", "1.0"), AuditedPackage("beta", "1.0")),
        local_packages=(),
        work_dir=tmp_path / "work",
    )


def database(tmp_path: Path) -> Path:
    db = tmp_path / "db"
    db.mkdir()
    for name in ("insecure.json", "insecure_full.json"):
        (db / name).write_text(json.dumps({"alpha": ["<1.1"]}), encoding="utf-8")
    return db


def test_safety_two_scans_offline_with_db(tmp_path: Path) -> None:
    scanner = SafetyScanner(SafetyDbSource(database(tmp_path)), executable=fake_safety(tmp_path, "2.3.5"))
    outcome = scanner.scan(target(tmp_path))
    assert isinstance(outcome, ScanCompleted)
    assert outcome.scanner_version == "2.3.5"
    assert outcome.source.kind == "safety-db"
    assert [(v.package, v.id, v.aliases) for v in outcome.vulnerabilities] == [
        ("alpha", "99999", ("CVE-2099-1",))
    ]
    assert (tmp_path / "work" / "safety-requirements.txt").read_text(
        encoding="utf-8"
    ) == "alpha==1.0\nbeta==1.0\n"


def test_safety_three_is_unavailable_never_clean(tmp_path: Path) -> None:
    scanner = SafetyScanner(SafetyDbSource(database(tmp_path)), executable=fake_safety(tmp_path, "3.2.9"))
    outcome = scanner.scan(target(tmp_path))
    assert isinstance(outcome, ScanFailed)
    assert "3.x needs network" in outcome.reason


def test_safety_without_a_database_is_unavailable(tmp_path: Path) -> None:
    outcome = SafetyScanner(SafetyDbSource(None), executable=fake_safety(tmp_path, "2.3.5")).scan(
        target(tmp_path)
    )
    assert isinstance(outcome, ScanFailed)
    assert "no offline safety database" in outcome.reason
