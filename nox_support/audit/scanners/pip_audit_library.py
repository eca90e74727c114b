"""pip-audit's own auditor, used as a library inside the Nox process.

Running ``python -m pip_audit`` per service costs about 0.8 s before it asks
anything: importing pip-audit (~0.35 s) and two ``pip`` subprocesses that
pip-api starts to list the venv (~0.25 s each).  In the Nox process the import
is paid once per run, and the venv's distributions are read directly from its
``site-packages`` with :mod:`importlib.metadata` (what ``pip list --path``
reports).  pip-audit's :class:`Auditor`, vulnerability services and JSON
format do the rest, so the report is the one the command line would write and
is judged by the same :func:`~nox_support.audit.scanners.pip_audit.interpret`.
Those are private pip-audit classes: they are reached only through
:mod:`nox_support._compat`.  For the offline database, the loopback server is
reached without the ``HTTP(S)_PROXY`` of the environment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from nox_support import _compat
from nox_support.audit.server import OsvServer, is_loopback_url, serving
from nox_support.audit.sources.interface import DatabaseEndpoint, Endpoint, OsvEndpoint, PypiEndpoint


def audit(site_packages: Path, endpoint: Endpoint, *, cache_dir: Path) -> tuple[Any, int, str]:
    """Audit the distributions in *site_packages*; ``(report, exit code, stderr)`` like the CLI.

    The exit code follows pip-audit's: 1 when a vulnerability was found, else 0; a crash
    (any exception: the source is unreachable, answered an error, ...) returns no report.
    """
    _compat.quiet_library_logs()
    try:
        api = _compat.pip_audit_api()
    except _compat.CompatError as exc:
        return None, 2, str(exc)

    class VenvDistributions(api.dependency_source):  # type: ignore[name-defined,misc]
        """Every distribution installed in the venv's site-packages."""

        def collect(self) -> Iterator[Any]:
            for dist in metadata.distributions(path=[str(site_packages)]):
                fields = dist.metadata  # parsed once: .version would parse the file again
                name, version = fields["Name"], fields["Version"]
                try:
                    yield api.resolved_dependency(name=name, version=Version(version))
                except InvalidVersion:
                    reason = "Package has invalid version and could not be audited"
                    yield api.skipped_dependency(name=name, skip_reason=f"{reason}: {name} ({version})")

        def fix(self, fix_version: object) -> None:
            raise NotImplementedError

    if isinstance(endpoint, DatabaseEndpoint):
        return None, 2, f"pip-audit cannot read the database directory {endpoint.path} directly"
    try:
        results = dict(api.auditor(_service(endpoint, cache_dir)).audit(VenvDistributions()))
        report = json.loads(api.json_format(output_desc=True, output_aliases=True).format(results, []))
    except Exception as exc:  # noqa: BLE001 - a crashed scan must become an "error" verdict
        return None, 1, f"pip-audit failed: {type(exc).__name__}: {exc}"
    found = any(dependency.get("vulns") for dependency in report.get("dependencies", []))
    return report, 1 if found else 0, ""


def _service(endpoint: PypiEndpoint | OsvEndpoint, cache_dir: Path) -> Any:
    timeout = math.ceil(endpoint.timeout)
    if isinstance(endpoint, OsvEndpoint):
        server = serving(endpoint.url)
        return _compat.osv_service(
            endpoint.url,
            cache_dir,
            timeout,
            direct=is_loopback_url(endpoint.url),
            session=None if server is None else _InProcessSession(server),
        )
    return _compat.pypi_service(cache_dir, timeout)


class _InProcessSession:
    """What pip-audit's OSV service needs of its ``requests`` session, answered by *server* in this process.

    The loopback server of this process answers the same way over HTTP (and records the same
    queries).  Skipping the socket took the scan of a 70-package venv from 0.20 s to 0.12 s;
    skipping ``requests`` too (preparing and adapting a request per package was most of what was
    left) takes the 3,651 queries of a cold audit of 50 services from 4.2 s to 1.1 s under a
    profiler, most of it now the database lookup.  A query the database cannot evaluate is an
    HTTP error, as over HTTP.
    """

    def __init__(self, server: OsvServer) -> None:
        self._server = server

    def post(self, url: str, data: str | bytes, timeout: float | None = None) -> _Answer:
        """pip-audit's only call: ``session.post(url=..., data=json.dumps(query), timeout=...)``."""
        del url, timeout
        status, payload = self._server.answer(data.encode("utf-8") if isinstance(data, str) else data)
        return _Answer(status, json.dumps(payload))


class _Answer:
    """The part of a ``requests.Response`` pip-audit's OSV service reads."""

    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text

    def raise_for_status(self) -> None:
        """Raise ``requests.HTTPError`` for an error status, as ``requests`` does."""
        if self.status_code >= 400:  # noqa: PLR2004 - HTTP's error range
            from requests import HTTPError  # noqa: PLC0415 - pip-audit's HTTP client, imported with it

            msg = f"{self.status_code} Error: {self.text}"
            raise HTTPError(msg)

    def json(self) -> Any:
        """The decoded body (a new object each time, as ``requests`` gives)."""
        return json.loads(self.text)
