"""pip-audit, pointed at the service venv's ``site-packages``.

By default pip-audit runs as a library inside the Nox process
(:mod:`~nox_support.audit.scanners.pip_audit_library`), auditing the
distributions actually installed in the venv (not a requirements file), so
pip-audit's own dependencies are never part of the service's audit.  Given
another ``python``, the scanner runs ``python -m pip_audit --path <venv
site-packages>`` instead (same report, same judgement).

pip-audit's exit code mixes "vulnerable" (1) with "crashed" (1), and without
``--strict`` it skips packages it cannot look up and still exits 0.  So the
outcome is decided from its JSON report (:func:`interpret`): no report is a
failure, every ``skip_reason`` is a skipped package, and the report must name
exactly the venv's packages (and, for the offline source, every package must
really have been asked of the loopback server).
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from packaging.utils import canonicalize_name

from nox_support.audit.scanners import pip_audit_library
from nox_support.audit.scanners.interface import (
    ScanCompleted,
    ScanFailed,
    Scanner,
    ScannerInputs,
    ScanOutcome,
    ScanTarget,
    SkippedPackage,
    Vulnerability,
    source_info,
)
from nox_support.audit.server import direct_env, is_loopback_url
from nox_support.audit.sources.interface import (
    DatabaseEndpoint,
    Endpoint,
    OsvEndpoint,
    PypiEndpoint,
    SourceInfo,
    SourceUnavailableError,
    VulnerabilitySource,
)
from nox_support.core import cmd
from nox_support.core.errors import CommandError, CommandNotFoundError
from nox_support.core.redact import MASK, redact, redact_url
from nox_support.core.versions import same_version

if TYPE_CHECKING:
    from pathlib import Path

NAME = "pip-audit"
_STDERR_LINES = 12
_MIN_SECRET = 4
"""Credential values shorter than this are masked only where the URL's own parts appear."""


def build(inputs: ScannerInputs) -> Scanner:
    """pip-audit, pointed at the configured source."""
    return PipAuditScanner(inputs.source, cache_dir=inputs.state_dir / "pip-audit-cache")


class PipAuditScanner:
    """pip-audit against one :class:`VulnerabilitySource`."""

    name = NAME

    def __init__(self, source: VulnerabilitySource, *, cache_dir: Path, python: str | None = None) -> None:
        """Scan with pip-audit in this process, or with ``python -m pip_audit`` for another *python*."""
        self._source = source
        self.cache_dir = cache_dir
        self.python = python or sys.executable
        self._in_process = python is None

    def version(self) -> str:
        """pip-audit's installed version, or ``"unavailable"``."""
        try:
            return metadata.version("pip-audit")
        except metadata.PackageNotFoundError:
            return "unavailable"

    def source(self) -> VulnerabilitySource:
        """The source pip-audit is pointed at."""
        return self._source

    def scan(self, target: ScanTarget) -> ScanOutcome:
        """Run pip-audit over the venv of *target* and interpret its JSON report."""
        version = self.version()
        info = source_info(NAME, version, self._source)
        if isinstance(info, ScanFailed):
            return info
        if version == "unavailable":
            return ScanFailed(
                NAME, version, info, "pip-audit is not installed next to nox-support (pip install pip-audit)"
            )
        output = target.work_dir / "pip-audit.json"
        output.unlink(missing_ok=True)
        target.work_dir.mkdir(parents=True, exist_ok=True)
        endpoint: Endpoint | None = None
        try:
            with self._source.serve() as endpoint:
                if self._in_process:
                    data, returncode, stderr = pip_audit_library.audit(
                        target.site_packages, endpoint, cache_dir=self.cache_dir
                    )
                else:
                    data, returncode, stderr = self._run_command(target, endpoint, output)
        except SourceUnavailableError as exc:
            return ScanFailed(NAME, version, info, str(exc))
        except (CommandError, CommandNotFoundError) as exc:
            return ScanFailed(NAME, version, info, f"pip-audit could not run: {_scrub(str(exc), endpoint)}")
        return interpret(
            data,
            returncode=returncode,
            stderr=_scrub(stderr, endpoint),
            target=target,
            scanner_version=version,
            source=info,
            queried=self._source.queried(),
            source_failures=self._source.failures(),
        )

    def _run_command(self, target: ScanTarget, endpoint: Endpoint, output: Path) -> tuple[Any, int, str]:
        loopback = isinstance(endpoint, OsvEndpoint) and is_loopback_url(endpoint.url)
        env = direct_env(os.environ) if loopback else None  # a proxy cannot reach our loopback server
        command = self.command(target, endpoint, output)
        result = cmd.run(command, check=False, env=env, timeout=_timeout(endpoint))
        try:
            data: Any = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        return data, result.returncode, result.stderr

    def command(self, target: ScanTarget, endpoint: Endpoint, output: Path) -> tuple[str, ...]:
        """The pip-audit command line for *target* against *endpoint*."""
        base = (
            self.python,
            "-m",
            "pip_audit",
            "--path",
            str(target.site_packages),
            "--format",
            "json",
            "--output",
            str(output),
            "--progress-spinner",
            "off",
            "--desc",
            "on",
            "--aliases",
            "on",
            "--cache-dir",
            str(self.cache_dir),
        )
        match endpoint:
            case PypiEndpoint():
                return (*base, "--vulnerability-service", "pypi", "--timeout", f"{endpoint.timeout:g}")
            case OsvEndpoint():
                return (
                    *base,
                    "--vulnerability-service",
                    "osv",
                    "--osv-url",
                    endpoint.url,
                    "--timeout",
                    f"{endpoint.timeout:g}",
                )
            case DatabaseEndpoint():
                msg = f"pip-audit cannot read the database directory {endpoint.path} directly"
                raise SourceUnavailableError(msg, hint="use an offline OSV database (NOX_SUPPORT_OSV_DB)")


def interpret(  # noqa: PLR0913 - every input of the decision is explicit
    data: Any,
    *,
    returncode: int,
    stderr: str,
    target: ScanTarget,
    scanner_version: str,
    source: SourceInfo,
    queried: frozenset[tuple[str, str]] | None,
    source_failures: tuple[str, ...] = (),
) -> ScanOutcome:
    """Decide the outcome of a pip-audit run from its JSON report (pure)."""
    tail = "\n".join(stderr.strip().splitlines()[-_STDERR_LINES:])
    if source_failures:
        reason = "the offline database could not evaluate: " + "; ".join(source_failures)
        return ScanFailed(NAME, scanner_version, source, reason)
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        reason = (
            f"pip-audit exited with code {returncode} without a JSON report (crash or source unreachable)"
        )
        return ScanFailed(NAME, scanner_version, source, f"{reason}:\n{tail}" if tail else reason)
    reading = _Reading(
        local=frozenset(canonicalize_name(p.name) for p in target.local_packages),
        expected={canonicalize_name(p.name): p.version for p in target.packages},
        queried=queried,
    )
    for dependency in data["dependencies"]:
        reading.read(dependency)
    problems = reading.problems + [
        f"pip-audit did not report {name}=={v} at all"
        for name, v in sorted(reading.expected.items())
        if name not in reading.reported
    ]
    if returncode not in {0, 1} or (returncode == 1 and not reading.any_vulnerability):
        reason = f"pip-audit exited with code {returncode} but reported no vulnerability"
        return ScanFailed(NAME, scanner_version, source, f"{reason}:\n{tail}" if tail else reason)
    return ScanCompleted(
        NAME, scanner_version, source, tuple(reading.vulnerabilities), tuple(reading.skipped), tuple(problems)
    )


class _Reading:
    """Accumulates what pip-audit's ``dependencies`` say, package by package."""

    def __init__(
        self, *, local: frozenset[str], expected: dict[str, str], queried: frozenset[tuple[str, str]] | None
    ) -> None:
        self.local = local
        self.expected = expected
        self.queried = queried
        self.vulnerabilities: list[Vulnerability] = []
        self.skipped: list[SkippedPackage] = []
        self.problems: list[str] = []
        self.reported: set[str] = set()
        self.any_vulnerability = False

    def read(self, dependency: object) -> None:
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            self.problems.append(f"pip-audit reported a malformed dependency: {dependency!r}")
            return
        name = canonicalize_name(dependency["name"])
        version = str(dependency.get("version") or "")
        self.reported.add(name)
        self.any_vulnerability = self.any_vulnerability or bool(dependency.get("vulns"))
        if name in self.local:
            return  # local path packages are reported as "not audited" by the verdict
        pinned = self.expected.get(name)
        if pinned is None:
            self.problems.append(f"pip-audit found {name} {version} in the venv, which the lock does not pin")
            return
        if version and not same_version(version, pinned):
            self.problems.append(f"pip-audit saw {name} {version}, the lock pins {pinned}")
        if "skip_reason" in dependency:
            self.skipped.append(SkippedPackage(name, pinned, str(dependency["skip_reason"]), NAME))
            return
        if self.queried is not None and (name, version) not in self.queried:
            self.problems.append(f"pip-audit reported {name}=={version} without asking the source about it")
        self.vulnerabilities += [_vulnerability(name, version, v) for v in dependency.get("vulns") or []]


def _vulnerability(name: str, version: str, vuln: dict[str, Any]) -> Vulnerability:
    return Vulnerability(
        package=name,
        version=version,
        id=str(vuln.get("id", "")),
        aliases=tuple(sorted(str(a) for a in vuln.get("aliases") or [])),
        fix_versions=tuple(str(v) for v in vuln.get("fix_versions") or []),
        scanner=NAME,
        summary=" ".join(str(vuln.get("description") or "").split())[:300],
    )


def scrub(text: str, url: str) -> str:
    """*text* with every URL redacted and the credential parts of *url* masked wherever they appear.

    Error texts quote parts of a URL without its scheme (requests: ``Max retries exceeded with
    url: /v1/query?token=...``), which :func:`~nox_support.core.redact.redact` cannot recognise; the
    configured URL says what to look for (pure).
    """
    text = redact(text)
    parts = urlsplit(url)
    masked = urlsplit(redact_url(url))
    if parts.query:
        text = text.replace(f"?{parts.query}", f"?{masked.query}")
    if parts.fragment:
        text = text.replace(f"#{parts.fragment}", f"#{masked.fragment}")
    secrets = [parts.username, parts.password, *(v for _, v in parse_qsl(parts.query) if v)]
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _scrub(text: str, endpoint: Endpoint | None) -> str:
    return scrub(text, endpoint.url) if isinstance(endpoint, OsvEndpoint) else redact(text)


def _timeout(endpoint: Endpoint) -> float:
    # A whole run may make one request per package; bound it generously, but bound it.
    if isinstance(endpoint, DatabaseEndpoint):
        return 600.0
    return max(120.0, endpoint.timeout * 20)
