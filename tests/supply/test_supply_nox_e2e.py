"""``nox -s sbom licenses`` for real: the audit venv is the only venv, violations fail the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.audit.conftest import osv_record, write_osv_db
from tests.noxrun import run_nox
from tests.supply.conftest import supply_repo
from tests.supply.cyclonedx_schema import schema_errors

pytestmark = pytest.mark.slow

POLICY = """
[tool.nox_support.licenses]
deny = ["GPL-3.0-only"]

[[tool.nox_support.licenses.exception]]
package = "acme-common"
reason = "our own library"
"""


def test_sbom_and_licenses_sessions_share_the_audit_venv(
    tmp_path: Path, licensed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = supply_repo(
        tmp_path / "repo",
        licensed_index,
        {"shop": {"mitpkg": "1.0", "apachepkg": "2.0"}, "lab": {"gplpkg": "3.1"}},
        pyproject=POLICY,
    )
    monkeypatch.setenv(
        "NOX_SUPPORT_OSV_DB",
        str(write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-1", "unrelated", fixed="9")])),
    )

    first = run_nox(root, "-s", "sbom", "licenses")
    output = first.stdout + first.stderr
    assert first.returncode != 0, output
    assert "Session licenses(lab) aborted: licences of lab: 1 violation" in output
    assert "  - gplpkg==3.1: GPL-3.0-only: denied: GPL-3.0-only" in output
    assert "Session licenses(shop) was successful" in output
    assert "Traceback" not in output
    assert sorted(p.parent.name for p in (root / ".nox").glob("*/pyvenv.cfg")) == ["audit-lab", "audit-shop"]
    for service in ("lab", "shop"):
        text = (root / "reports" / "sbom" / f"{service}.cdx.json").read_text(encoding="utf-8")
        assert schema_errors(text) is None
    combined = (root / "reports" / "licenses.md").read_text(encoding="utf-8")
    assert "- lab: 1 violation (2 packages, 0 unknown, 1 excepted)" in combined
    assert "- shop: compliant (3 packages, 0 unknown, 1 excepted)" in combined

    audit = run_nox(root, "-s", "audit(shop)")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads((root / "reports" / "audit" / "shop.json").read_text(encoding="utf-8"))
    assert report["venv"] == "already synced"

    again = run_nox(root, "-s", "sbom(shop)")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "shop: SBOM with 3 components -> reports/sbom/shop.cdx.json (cached: lock and venv unchanged)" in (
        again.stdout + again.stderr
    )


def test_after_the_audit_the_sessions_reuse_its_venv_under_a_long_path(
    tmp_path: Path, licensed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A workspace whose absolute .nox is 85 characters long: Nox would hash the audit venv's name
    # if it measured that path (87 is its limit for <envdir>/<name>), but it measures --envdir as
    # given, the relative ``.nox``, and names it .nox/audit-shop: the CI runner's workspace case.
    padding = 85 - len(str(tmp_path / "repo" / ".nox")) - 1
    assert padding > 0
    root = supply_repo(
        tmp_path / ("w" * padding) / "repo", licensed_index, {"shop": {"mitpkg": "1.0"}}, common=False
    )
    assert len(str(root / ".nox")) == 85
    monkeypatch.setenv(
        "NOX_SUPPORT_OSV_DB",
        str(write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-1", "unrelated", fixed="9")])),
    )

    audit = run_nox(root, "-s", "audit(shop)")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    supply = run_nox(root, "-s", "sbom(shop)", "licenses(shop)")
    output = supply.stdout + supply.stderr
    assert supply.returncode == 0, output
    assert "Creating virtual environment" not in output
    assert "hashed" not in output
    assert "too long" not in output
    assert [p.parent.name for p in (root / ".nox").glob("*/pyvenv.cfg")] == ["audit-shop"]
    assert (root / "reports" / "sbom" / "shop.cdx.json").is_file()

    again = run_nox(root, "-s", "audit(shop)")
    assert again.returncode == 0, again.stdout + again.stderr
    report = json.loads((root / "reports" / "audit" / "shop.json").read_text(encoding="utf-8"))
    assert report["venv"] == "already synced"
