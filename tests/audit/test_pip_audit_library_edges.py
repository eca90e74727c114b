"""pip-audit in-process: an unusable pip-audit or source is an error code; a bad version is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support import _compat
from nox_support.audit import osvdb
from nox_support.audit.scanners import pip_audit_library
from nox_support.audit.server import OsvServer
from nox_support.audit.sources.interface import DatabaseEndpoint, OsvEndpoint
from tests.audit.conftest import osv_record, write_osv_db
from tests.repos import write


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    write(site / "alpha-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n")
    write(site / "odd-0.dist-info/METADATA", "Metadata-Version: 2.1\nName: odd\nVersion: not.a.version\n")
    return site


def test_a_package_with_an_unreadable_version_is_skipped_with_the_reason(tmp_path: Path) -> None:
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-7", "alpha", fixed="1.1")])
    with OsvServer(osvdb.load(db, tmp_path / "index")) as server:
        report, code, stderr = pip_audit_library.audit(
            _site(tmp_path), OsvEndpoint(server.url, 10), cache_dir=tmp_path / "cache"
        )
    assert (code, stderr) == (1, "")
    by_name = {d["name"]: d for d in report["dependencies"]}
    assert [v["id"] for v in by_name["alpha"]["vulns"]] == ["PYSEC-2099-7"]
    assert by_name["odd"]["skip_reason"] == (
        "Package has invalid version and could not be audited: odd (not.a.version)"
    )


def test_a_database_directory_is_not_a_source_pip_audit_reads(tmp_path: Path) -> None:
    assert pip_audit_library.audit(_site(tmp_path), DatabaseEndpoint(tmp_path), cache_dir=tmp_path) == (
        None,
        2,
        f"pip-audit cannot read the database directory {tmp_path} directly",
    )


def test_a_pip_audit_without_the_api_is_an_error_code_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported() -> object:
        msg = "this pip-audit does not offer the API nox-support uses: no Auditor"
        raise _compat.CompatError(msg, hint="install a supported pip-audit")

    monkeypatch.setattr(_compat, "pip_audit_api", unsupported)
    report, code, stderr = pip_audit_library.audit(
        _site(tmp_path), OsvEndpoint("http://127.0.0.1:9/v1/query", 1), cache_dir=tmp_path
    )
    assert (report, code) == (None, 2)
    assert stderr == (
        "this pip-audit does not offer the API nox-support uses: no Auditor\n"
        "  hint: install a supported pip-audit"
    )
