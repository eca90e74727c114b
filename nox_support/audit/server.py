"""A loopback OSV ``/v1/query`` server over an offline :class:`~nox_support.audit.osvdb.Index`.

pip-audit's OSV service is pointed at it with ``--osv-url``, so the real
pip-audit code path (querying, alias merging, JSON output) runs unchanged.
The server binds ``127.0.0.1`` on a free port, answers only ``POST
/v1/query``, and records every (name, version) it answered so the caller
can check that the scanner really asked about every package.  A query it
cannot evaluate (a version outside PEP 440 where a range needs one) gets
HTTP 500, which makes pip-audit fail: the audit can then not say "clean".

Clients must reach it directly even when ``HTTP_PROXY``/``HTTPS_PROXY`` are
set (corporate CI): the in-process pip-audit ignores the environment's
proxies for a loopback URL, and a pip-audit process gets :func:`direct_env`.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, final
from urllib.parse import urlparse

from packaging.utils import canonicalize_name

from nox_support.audit import osv

if TYPE_CHECKING:
    from nox_support.audit.osvdb import Index

QUERY_PATH = "/v1/query"
_MAX_BODY = 1 << 20


_POLL_SECONDS = 0.02
_SERVING: dict[str, OsvServer] = {}
"""The servers of this process by URL, while they run (pip-audit in this process skips the socket)."""
_SERVING_LOCK = threading.Lock()
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback_url(url: str) -> bool:
    """Whether *url* names this machine (``localhost`` or a loopback address) (pure)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serving(url: str) -> OsvServer | None:
    """The server of this process that answers *url* now, if any."""
    with _SERVING_LOCK:
        return _SERVING.get(url)


def direct_env(environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of *environ* whose ``NO_PROXY``/``no_proxy`` also name the loopback hosts (pure)."""
    env = dict(environ)
    for key in ("NO_PROXY", "no_proxy"):
        present = [h.strip() for h in env.get(key, "").split(",") if h.strip()]
        env[key] = ",".join(present + [h for h in LOOPBACK_HOSTS if h not in present])
    return env


@final
class OsvServer:
    """Serve *index* on loopback while used as a context manager."""

    def __init__(self, index: Index) -> None:
        """Prepare (not start) a server for *index*."""
        self.index = index
        self._queried: set[tuple[str, str]] = set()
        self._failures: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The query URL (only while running)."""
        if self._httpd is None:
            msg = "the OSV server is not running"
            raise RuntimeError(msg)
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{QUERY_PATH}"

    def queried(self) -> frozenset[tuple[str, str]]:
        """Every (canonical name, version) answered so far."""
        with self._lock:
            return frozenset(self._queried)

    def failures(self) -> tuple[str, ...]:
        """Queries answered with an error, with the reason."""
        with self._lock:
            return tuple(self._failures)

    def __enter__(self) -> OsvServer:
        """Start serving on a free loopback port."""
        handler = _handler_for(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        # shutdown() waits for serve_forever's next poll: the default 0.5 s would be paid per service.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="nox-support-osv",
            daemon=True,
        )
        self._thread.start()
        with _SERVING_LOCK:
            _SERVING[self.url] = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving."""
        if self._httpd is not None:
            with _SERVING_LOCK:
                _SERVING.pop(self.url, None)
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def answer(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body for one query (pure apart from the query log)."""
        try:
            query = json.loads(body)
            package = query["package"]
            name, ecosystem, version = (
                package["name"],
                package.get("ecosystem", osv.ECOSYSTEM),
                query["version"],
            )
        except (ValueError, KeyError, TypeError):
            return 400, {"message": "expected {'package': {'name', 'ecosystem'}, 'version'}"}
        if not isinstance(name, str) or not isinstance(version, str):
            return 400, {"message": "name and version must be strings"}
        if ecosystem != osv.ECOSYSTEM:
            return 400, {"message": f"only the {osv.ECOSYSTEM} ecosystem is served"}
        result = self.index.query(name, version)
        canonical = canonicalize_name(name)
        with self._lock:
            self._queried.add((canonical, version))
            if result.indeterminate:
                reasons = "; ".join(f"{i.record.id}: {i.reason}" for i in result.indeterminate)
                self._failures.append(f"{canonical}=={version}: {reasons}")
        if result.indeterminate:
            return 500, {"message": f"cannot evaluate {canonical}=={version}: {reasons}"}
        if not result.matches:
            return 200, {}
        return 200, {"vulns": [osv.served_record(m.record, canonical) for m in result.matches]}


def _handler_for(server: OsvServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.split("?")[0] != QUERY_PATH:
                self._send(404, {"message": f"only POST {QUERY_PATH} is served"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_BODY:
                self._send(413, {"message": "query too large"})
                return
            status, payload = server.answer(self.rfile.read(length))
            self._send(status, payload)

        def do_GET(self) -> None:
            self._send(405, {"message": f"use POST {QUERY_PATH}"})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Keep the session log quiet."""

    return Handler
