"""pip-audit in the Nox process asks this process's loopback server without opening a socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nox_support.audit.scanners import pip_audit_library
from nox_support.audit.server import OsvServer
from nox_support.audit.sources.interface import OsvEndpoint
from nox_support.audit.sources.offline import OfflineOsvSource
from tests.audit.conftest import osv_record, write_osv_db


def site_packages(root: Path, pins: dict[str, str]) -> Path:
    for name, version in pins.items():
        info = root / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", "utf-8")
    return root


def test_the_scan_reaches_the_server_without_a_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = write_osv_db(
        tmp_path / "db",
        [osv_record("PYSEC-2099-1", "alpha", fixed="1.1"), osv_record("PYSEC-2099-2", "beta", fixed="0.5")],
    )
    site = site_packages(tmp_path / "site", {"alpha": "1.0", "beta": "1.0"})
    source = OfflineOsvSource(db, cache_root=tmp_path / "state", timeout=10)
    source.info()  # builds the index before sockets are forbidden below

    def refuse(*args: object) -> None:
        msg = f"no connection expected: {args}"
        raise OSError(msg)

    with source.serve() as endpoint:
        assert isinstance(endpoint, OsvEndpoint)
        monkeypatch.setattr(socket.socket, "connect", refuse)
        report, code, stderr = pip_audit_library.audit(site, endpoint, cache_dir=tmp_path / "cache")
        monkeypatch.undo()
    assert stderr == ""
    assert code == 1
    found = {d["name"]: [v["id"] for v in d["vulns"]] for d in report["dependencies"]}
    assert found == {"alpha": ["PYSEC-2099-1"], "beta": []}
    # The server recorded the questions, as over HTTP: the scan's completeness check still holds.
    assert source.queried() == frozenset({("alpha", "1.0"), ("beta", "1.0")})


def test_an_error_answer_still_fails_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-3", "gamma", fixed="2.0")])
    site = site_packages(tmp_path / "site", {"gamma": "1.0"})
    source = OfflineOsvSource(db, cache_root=tmp_path / "state", timeout=10)
    monkeypatch.setattr(OsvServer, "answer", lambda _self, _body: (500, {"message": "cannot evaluate"}))
    with source.serve() as endpoint:
        report, code, stderr = pip_audit_library.audit(site, endpoint, cache_dir=tmp_path / "cache")
    assert report is None
    assert code == 1
    assert stderr.startswith("pip-audit failed:")
    assert "ServiceError" in stderr  # as over HTTP: pip-audit turns the 500 into its ServiceError
