"""safety 2.x as an optional second scanner, strictly offline (``--db``).

safety 3.x contacts its server at start-up even with ``--db`` and crashes
offline, so it is reported as *unavailable* (which makes the verdict
``error``, never ``clean``).  safety audits a requirements list: the exact
``name==version`` of every package installed in the venv (local path
packages excluded), written by nox-support from the synced venv.

safety 2.3's JSON report: ``scanned_packages`` (every package it checked) and
``vulnerabilities`` (``package_name``, ``analyzed_version``,
``vulnerability_id``, ``CVE``, ``fixed_versions`` ...).  Exit code 64 means
"vulnerabilities found"; anything else but 0 is a failure.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support.audit.scanners.interface import (
    ScanCompleted,
    ScanFailed,
    Scanner,
    ScannerInputs,
    ScanOutcome,
    ScanTarget,
    Vulnerability,
    source_info,
)
from nox_support.audit.sources.interface import (
    DatabaseEndpoint,
    SourceInfo,
    SourceUnavailableError,
    VulnerabilitySource,
)
from nox_support.audit.sources.safety_db import SafetyDbSource
from nox_support.core import cmd
from nox_support.core.errors import CommandError, CommandNotFoundError

if TYPE_CHECKING:
    from collections.abc import Mapping

NAME = "safety"
EXIT_VULNERABLE = 64
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


def build(inputs: ScannerInputs) -> Scanner:
    """Safety 2.x, reading its own offline database."""
    return SafetyScanner(SafetyDbSource(inputs.safety_db))


class SafetyScanner:
    """``safety check --db`` against an offline safety database."""

    name = NAME

    def __init__(
        self,
        source: VulnerabilitySource,
        *,
        executable: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Use *executable* (default: ``safety`` next to the running interpreter, then on PATH)."""
        self._source = source
        self.executable = executable or _find_safety()
        self.env = env

    def version(self) -> str:
        """``safety --version``'s number, or ``"unavailable"`` (probed once per run and executable)."""
        if self.executable is None:
            return "unavailable"
        return _probe_version(
            self.executable, _stat_key(self.executable), tuple(sorted((self.env or {}).items()))
        )

    def source(self) -> VulnerabilitySource:
        """The safety database."""
        return self._source

    def scan(self, target: ScanTarget) -> ScanOutcome:
        """Run safety over the venv's exact pins."""
        version = self.version()
        info = source_info(NAME, version, self._source, kind="safety-db")
        if isinstance(info, ScanFailed):
            return info
        problem = availability_problem(version)
        if problem is not None:
            return ScanFailed(NAME, version, info, problem)
        requirements = target.work_dir / "safety-requirements.txt"
        target.work_dir.mkdir(parents=True, exist_ok=True)
        requirements.write_text(
            "".join(f"{p.name}=={p.version}\n" for p in target.packages), encoding="utf-8"
        )
        try:
            with self._source.serve() as endpoint:
                if not isinstance(endpoint, DatabaseEndpoint):
                    return ScanFailed(NAME, version, info, "safety needs a local database directory (--db)")
                command = (
                    str(self.executable),
                    "check",
                    "--db",
                    str(endpoint.path),
                    "--json",
                    "--file",
                    str(requirements),
                )
                result = cmd.run(command, check=False, env=self.env, timeout=600)
        except SourceUnavailableError as exc:
            return ScanFailed(NAME, version, info, str(exc))
        except (CommandError, CommandNotFoundError) as exc:
            return ScanFailed(NAME, version, info, f"safety could not run: {exc}")
        try:
            data: Any = json.loads(result.stdout)
        except ValueError:
            data = None
        return interpret(
            data,
            returncode=result.returncode,
            stderr=result.stderr,
            target=target,
            scanner_version=version,
            source=info,
        )


@functools.cache
def _probe_version(executable: str, stat_key: str, env: tuple[tuple[str, str], ...]) -> str:  # noqa: ARG001 - memo key
    try:
        result = cmd.run((executable, "--version"), check=False, env=dict(env) or None, timeout=60)
    except (CommandError, CommandNotFoundError):
        return "unavailable"
    match = _VERSION.search(result.stdout + result.stderr)
    return match.group(1) if match and result.returncode == 0 else "unavailable"


def _stat_key(path: str) -> str:
    try:
        stat = Path(path).stat()
    except OSError:
        return path
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def availability_problem(version: str) -> str | None:
    """Why this safety cannot be used offline (``None`` when it can) (pure)."""
    if version == "unavailable":
        return (
            "safety is not installed in the tool environment; install safety 2.x (pip install 'safety>=2,<3')"
        )
    try:
        major = Version(version).major
    except InvalidVersion:
        return f"cannot read safety's version ({version!r})"
    if major != 2:  # noqa: PLR2004 - the one major line that works offline
        return (
            f"safety {version} is unavailable offline (3.x needs network at start-up even with --db); "
            "install safety 2.x"
        )
    return None


def interpret(  # noqa: PLR0913 - every input of the decision is explicit
    data: Any, *, returncode: int, stderr: str, target: ScanTarget, scanner_version: str, source: SourceInfo
) -> ScanOutcome:
    """Decide the outcome of a safety 2.x run from its JSON report (pure)."""
    tail = "\n".join(stderr.strip().splitlines()[-12:])
    if returncode not in {0, EXIT_VULNERABLE} or not isinstance(data, dict):
        reason = f"safety exited with code {returncode} without a usable JSON report"
        return ScanFailed(NAME, scanner_version, source, f"{reason}:\n{tail}" if tail else reason)
    scanned = data.get("scanned_packages")
    found = data.get("vulnerabilities")
    if not isinstance(scanned, dict) or not isinstance(found, list):
        return ScanFailed(
            NAME, scanner_version, source, "safety's JSON report has no scanned_packages/vulnerabilities"
        )
    scanned_names = {canonicalize_name(str(n)) for n in scanned}
    problems = tuple(
        f"safety did not scan {p.name}=={p.version}"
        for p in target.packages
        if canonicalize_name(p.name) not in scanned_names
    )
    vulnerabilities = []
    for item in found:
        if not isinstance(item, dict):
            continue
        cve = item.get("CVE")
        vulnerabilities.append(
            Vulnerability(
                package=canonicalize_name(str(item.get("package_name", ""))),
                version=str(item.get("analyzed_version", "")),
                id=str(item.get("vulnerability_id", "")),
                aliases=(str(cve),) if cve else (),
                fix_versions=tuple(str(v) for v in item.get("fixed_versions") or []),
                scanner=NAME,
                summary=" ".join(str(item.get("advisory") or "").split())[:300],
            )
        )
    if returncode == EXIT_VULNERABLE and not vulnerabilities:
        return ScanFailed(
            NAME, scanner_version, source, "safety exited with 64 (vulnerable) but listed no vulnerability"
        )
    return ScanCompleted(NAME, scanner_version, source, tuple(vulnerabilities), (), problems)


def _find_safety() -> str | None:
    beside = Path(sys.executable).with_name("safety")
    if beside.is_file():
        return str(beside)
    return shutil.which("safety")
