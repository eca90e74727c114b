"""A private index configured once, for the compiler: lock, audit, tests, sbom and licenses all use it.

The index is a PEP 503 "simple" index served over loopback, behind HTTP basic auth, holding a
package found nowhere else.  It is configured for the compiler only: ``PIP_INDEX_URL`` for pip-tools
(no ``UV_*`` variable), ``UV_DEFAULT_INDEX`` for uv.  Every proxy variable points at a closed port
with ``NO_PROXY`` naming the loopback address (pip and uv both honour it): a session that went to
the public index instead would fail.  The credential in the URL never reaches a log line or a file.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.audit.conftest import osv_record, write_osv_db
from tests.ci.helpers import PYTEST_DISTRIBUTIONS
from tests.noxrun import run_nox
from tests.repos import monorepo, write
from tests.wheels import Dist, build_wheel, repackage

pytestmark = pytest.mark.slow

USER, SECRET = "ci-reader", "s3cret-t0ken"
PRIVATE = (
    Dist("acme-private", "1.2", ("acme-helper>=2",), license_expression="MIT"),
    Dist("acme-helper", "2.0", license_expression="Apache-2.0"),
)
SETTINGS = '[tool.nox_support]\ncompiler = "{compiler}"\n'
TEST_FILE = "import acme_private\n\n\ndef test_private():\n    assert acme_private.__version__ == '1.2'\n"


def write_simple_index(wheels: Path) -> None:
    """``<wheels>/simple/<project>/index.html`` for every wheel in *wheels* (PEP 503)."""
    projects: dict[str, list[Path]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        projects.setdefault(canonicalize_name(wheel.name.split("-")[0]), []).append(wheel)
    for project, files in projects.items():
        links = "".join(
            f'<a href="../../{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{w.name}</a>\n'
            for w in files
        )
        write(wheels / "simple" / project / "index.html", f"<html><body>\n{links}</body></html>\n")


class _AuthHandler(SimpleHTTPRequestHandler):
    expected = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        del format, args


@pytest.fixture(scope="module")
def private_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL (credentials included) of a loopback index holding :data:`PRIVATE` and pytest."""
    wheels = tmp_path_factory.mktemp("private-index")
    for dist in PRIVATE:
        build_wheel(dist, wheels)
    for name in PYTEST_DISTRIBUTIONS:
        repackage(name, wheels)
    write_simple_index(wheels)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_AuthHandler, directory=str(wheels)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{USER}:{SECRET}@127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nox(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_nox(root, *args, env=os.environ, timeout=600)
    output = result.stdout + result.stderr
    assert SECRET not in output
    assert result.returncode == 0, output
    return result


@pytest.mark.parametrize(
    ("compiler", "variable"), [("pip-tools", "PIP_INDEX_URL"), ("uv", "UV_DEFAULT_INDEX")]
)
def test_a_private_index_configured_for_the_compiler_serves_every_session(
    tmp_path: Path, private_index: str, monkeypatch: pytest.MonkeyPatch, compiler: str, variable: str
) -> None:
    monkeypatch.setenv(variable, private_index)
    proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    monkeypatch.setenv("NOX_SUPPORT_OSV_DB", str(write_osv_db(tmp_path / "db", [osv_record("X-1", "other")])))
    settings = SETTINGS.format(compiler=compiler)
    root = monorepo(tmp_path / "repo", {"shop": "acme-private\n"}, pyproject=settings)
    write(root / "services/shop/requirements-dev.in", "-c requirements.txt\npytest\n")
    write(root / "services/shop/tests/test_private.py", TEST_FILE)

    nox(root, "-s", "lock")
    lock = (root / "services/shop/requirements.txt").read_text(encoding="utf-8")
    assert "acme-private==1.2" in lock
    assert "acme-helper==2.0" in lock
    run = nox(root, "-s", "audit", "tests", "sbom", "licenses")

    output = run.stdout + run.stderr
    assert "shop: clean" in output
    assert "1 passed" in output
    assert "Session licenses(shop) was successful" in output
    assert "acme-private" in (root / "reports/sbom/shop.cdx.json").read_text(encoding="utf-8")
    written = [p for p in root.rglob("*") if p.is_file() and ".nox" not in p.parts] + list(
        root.glob(".nox/*/nox-support-*")
    )
    assert not [p for p in written if SECRET.encode() in p.read_bytes()]
