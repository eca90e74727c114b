from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from nox_support.audit import osvdb
from nox_support.audit.server import OsvServer
from tests.audit.conftest import osv_record, write_osv_db

UNQUOTED_VERSIONS = """\
id: TEST-3
modified: 2024-05-01T10:00:00Z
affected:
- package:
    ecosystem: PyPI
    name: beta
  versions:
  - 1.10
"""


def db(tmp_path: Path, fmt: str = "yaml") -> Path:
    records = [
        osv_record("TEST-1", "alpha", fixed="1.1", aliases=("CVE-2024-1",)),
        osv_record("TEST-2", "alpha", introduced="2.0", fixed="2.1"),
        osv_record("TEST-4", "alpha", fixed="9", withdrawn="2024-06-01T00:00:00Z"),
    ]
    path = write_osv_db(tmp_path / f"db-{fmt}", records, fmt=fmt)
    (path / "vulns" / "beta").mkdir()
    (path / "vulns" / "beta" / "TEST-3.yaml").write_text(UNQUOTED_VERSIONS, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_index_answers_by_version(tmp_path: Path, fmt: str) -> None:
    index = osvdb.load(db(tmp_path, fmt), tmp_path / "cache")
    assert [m.record.id for m in index.query("Alpha", "1.0").matches] == ["TEST-1"]
    assert [m.record.id for m in index.query("alpha", "2.0").matches] == ["TEST-2"]
    assert index.query("alpha", "1.1").matches == ()
    assert [m.record.id for m in index.query("beta", "1.10").matches] == ["TEST-3"]
    assert index.query("beta", "1.1").matches == ()  # an unquoted YAML 1.10 is not the float 1.1
    assert index.identity.records == 4
    assert index.identity.newest == "2024-05-01T10:00:00Z"


def test_identity_follows_content_and_the_index_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = db(tmp_path)
    cache = tmp_path / "cache"
    first = osvdb.load(path, cache).identity

    def no_yaml(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("YAML must not be parsed when the content is known")

    monkeypatch.setattr(yaml, "load", no_yaml)
    osvdb._identify.cache_clear()
    assert osvdb.load(path, cache).identity == first
    monkeypatch.undo()

    record = path / "vulns" / "alpha" / "TEST-1.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("1.1", "1.2"), encoding="utf-8")
    osvdb._identify.cache_clear()
    changed = osvdb.identify(path, cache)
    assert changed.content != first.content


def test_unreadable_records_make_the_database_unusable(tmp_path: Path) -> None:
    path = db(tmp_path)
    (path / "vulns" / "alpha" / "BROKEN.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (path / "vulns" / "beta" / "NOID.yaml").write_text("summary: no id\n", encoding="utf-8")
    with pytest.raises(osvdb.DatabaseError, match="2 unreadable record"):
        osvdb.identify(path, tmp_path / "cache")


def test_missing_or_empty_database(tmp_path: Path) -> None:
    with pytest.raises(osvdb.DatabaseError, match="not a directory"):
        osvdb.identify(tmp_path / "nope", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(osvdb.DatabaseError, match="no OSV records"):
        osvdb.identify(tmp_path / "empty", tmp_path)


def post(url: str, body: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_loopback_server_speaks_the_osv_query_api(tmp_path: Path) -> None:
    path = db(tmp_path)
    (path / "vulns" / "gamma").mkdir()
    bad = osv_record("TEST-9", "gamma", fixed="x.y.z-not-pep440")
    (path / "vulns" / "gamma" / "TEST-9.json").write_text(json.dumps(bad), encoding="utf-8")
    with OsvServer(osvdb.load(path, tmp_path / "cache")) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, body = post(server.url, {"package": {"name": "alpha", "ecosystem": "PyPI"}, "version": "1.0"})
        assert status == 200
        vulns = body["vulns"]
        assert isinstance(vulns, list)
        assert [v["id"] for v in vulns] == ["TEST-1"]
        assert post(server.url, {"package": {"name": "zeta", "ecosystem": "PyPI"}, "version": "1.0"}) == (
            200,
            {},
        )
        status, body = post(server.url, {"package": {"name": "gamma", "ecosystem": "PyPI"}, "version": "1.0"})
        assert status == 500
        assert "cannot evaluate" in str(body["message"])
        assert post(server.url, {"version": "1"})[0] == 400
        assert server.queried() == frozenset({("alpha", "1.0"), ("zeta", "1.0"), ("gamma", "1.0")})
        assert len(server.failures()) == 1
