"""The loopback OSV server answers only well-formed PyPI queries; anything else is a clear 4xx."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from nox_support.audit import osvdb
from nox_support.audit.server import OsvServer
from tests.audit.conftest import osv_record, write_osv_db


def _request(url: str, body: bytes | None, method: str) -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _announce_a_huge_body(url: str) -> tuple[int, object]:
    """POST headers announcing a body over 1 MiB, without sending it: refused before it is read."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Length", str((1 << 20) + 1))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_only_well_formed_pypi_queries_to_the_query_path_are_answered(tmp_path: Path) -> None:
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-7", "alpha", fixed="1.1")])
    server = OsvServer(osvdb.load(db, tmp_path / "index"))
    with pytest.raises(RuntimeError, match="the OSV server is not running"):
        _ = server.url
    with server:
        query = server.url
        base = query.removesuffix("/v1/query")

        def post(body: object, url: str = query) -> tuple[int, object]:
            return _request(url, json.dumps(body).encode(), "POST")

        assert post({"package": {"name": "alpha"}, "version": "1.0"})[0] == 200  # PyPI by default
        assert post({"package": {"name": "alpha", "ecosystem": "npm"}, "version": "1.0"}) == (
            400,
            {"message": "only the PyPI ecosystem is served"},
        )
        assert post({"package": {"name": 3}, "version": "1.0"}) == (
            400,
            {"message": "name and version must be strings"},
        )
        assert post({"package": {"name": "alpha"}, "version": "1.0"}, url=f"{base}/v1/querybatch") == (
            404,
            {"message": "only POST /v1/query is served"},
        )
        assert _request(query, None, "GET") == (405, {"message": "use POST /v1/query"})
        assert _announce_a_huge_body(query) == (413, {"message": "query too large"})
    assert server.queried() == frozenset({("alpha", "1.0")})
