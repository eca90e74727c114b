# /// script
# dependencies = ["nox>=2025.5.1,<2027"]
# ///
# nox-support is deliberately not listed above: it is not published on any package index, so a bare
# "nox-support" here would let Nox install whatever someone registers under that name. Install it next
# to Nox from a pinned source (README, "Adopting it"), or list that pinned source here, for example
# "nox-support @ https://github.com/<org>/nox-support/archive/<commit sha>.zip".
"""Dependency hygiene for every service of this monorepo, powered by nox-support.

Copy this file unchanged to the root of a monorepo with ``services/<name>/requirements.in``;
settings live in ``[tool.nox_support]`` of its ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

import nox

try:
    from nox_support import sessions
except ImportError as exc:
    msg = "noxfile.py needs nox-support next to Nox; install it from a pinned source (README: Adopting it)"
    raise SystemExit(msg) from exc

nox.needs_version = ">=2025.5.1"
# Venvs are created by uv (a dependency of nox-support); virtualenv only if uv cannot be found.
nox.options.default_venv_backend = "uv|virtualenv"

# The nox-support API this file was written for: an older copy is told which sessions it lacks.
NOX_SUPPORT_API = 2
ROOT = Path(__file__).resolve().parent
SERVICES = sessions.service_names(ROOT, api=NOX_SUPPORT_API)


@nox.session(venv_backend="none", default=False, tags=["lock"])
@nox.parametrize("service", SERVICES, ids=SERVICES)
def lock(session: nox.Session, service: str) -> None:
    """Compile the service's requirements*.in into pinned, hashed locks where inputs changed."""
    sessions.lock(session, ROOT, service)


@nox.session(venv_backend="none", tags=["ci"])
def freshness(session: nox.Session) -> None:
    """Check offline that every committed lock still matches its inputs (--deep re-resolves)."""
    sessions.freshness(session, ROOT)


@nox.session(reuse_venv=True, default=False, tags=["audit"])
@nox.parametrize(("python", "service"), sessions.service_params(ROOT))
def audit(session: nox.Session, service: str) -> None:
    """Sync the service's venv to its lock and scan it for known vulnerabilities."""
    sessions.audit(session, ROOT, service)


@nox.session(venv_backend="none", default=False)
def audit_summary(session: nox.Session) -> None:
    """Combine this run's audit reports: one line per service, reports/audit.md and audit.sarif."""
    sessions.audit_summary(session, ROOT)


@nox.session(reuse_venv=True, default=False, tags=["tests"])
@nox.parametrize(("python", "service"), sessions.service_params(ROOT))
def tests(session: nox.Session, service: str) -> None:
    """Run the service's own tests in a venv synced to its lock and dev lock."""
    sessions.tests(session, ROOT, service)


@nox.session(venv_backend="none", default=False)
@nox.parametrize("service", SERVICES, ids=SERVICES)
def lock_diff(session: nox.Session, service: str) -> None:
    """Show which pins of the service's lock changed since a git ref (-- --base REF)."""
    sessions.lock_diff(session, ROOT, service)


@nox.session(venv_backend="none", default=False, tags=["supply-chain"])
@nox.parametrize("service", SERVICES, ids=SERVICES)
def sbom(session: nox.Session, service: str) -> None:
    """Write the service's CycloneDX SBOM from the audit venv (synced to the lock, never a second venv)."""
    sessions.sbom(session, ROOT, service)


@nox.session(venv_backend="none", default=False, tags=["supply-chain"])
@nox.parametrize("service", SERVICES, ids=SERVICES)
def licenses(session: nox.Session, service: str) -> None:
    """Check the licences in the service's audit venv against [tool.nox_support.licenses]."""
    sessions.licenses(session, ROOT, service)


@nox.session(venv_backend="none", default=False, tags=["report"])
def drift(session: nox.Session) -> None:
    """Show offline which services lock which version of each package (-- --layers for all locks)."""
    sessions.drift(session, ROOT)


@nox.session(venv_backend="none", default=False, tags=["report"])
def conflicts(session: nox.Session) -> None:
    """Resolve all services' requirements together in a temporary place and explain any conflict."""
    sessions.conflicts(session, ROOT)


@nox.session(venv_backend="none", default=False)
def report(session: nox.Session) -> None:
    """Write reports/index.html: every service, drift and finding on one page, from the reports."""
    sessions.report(session, ROOT)
