"""Session body of ``licenses(<service>)``.

Syncs the audit venv of the service (never a venv of its own, see
:mod:`nox_support.venv.shared`), reads each installed distribution's licence
metadata, applies ``[tool.nox_support.licenses]``, writes
``reports/licenses/<service>.json`` and rewrites the combined
``reports/licenses.md`` from every service's current report, and fails on a
violation naming service, package, version and licence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.config import load_tool_table
from nox_support.core.errors import NoxSupportError
from nox_support.core.paths import display_path
from nox_support.licenses.config import LicenseSettings, parse_license_settings
from nox_support.licenses.files import detect_installed
from nox_support.licenses.policy import PackageLicense, evaluate
from nox_support.licenses.report import (
    REPORT_DIR,
    LicenseReport,
    build_report,
    licence_text,
    read_service_report,
    render_markdown,
    write_combined,
    write_service_report,
)
from nox_support.venv import shared, sitemeta
from nox_support.venv.values import SyncResult

if TYPE_CHECKING:
    import nox

    from nox_support.project import Project


class LicenseViolationError(NoxSupportError):
    """A package's licence fails the policy."""


def settings_for(project: Project) -> LicenseSettings:
    """``[tool.nox_support.licenses]`` of *project*."""
    return parse_license_settings(load_tool_table(project.root).get("licenses", {}))


def run_licenses(session: nox.Session, project: Project, service: str) -> None:
    """Body of ``licenses(<service>)``."""
    settings = settings_for(project)
    svc = project.service(service)
    try:
        with shared.synced_audit_venv(session, project, svc) as sync:
            packages = installed_licenses(sync)
    except NoxSupportError:
        # A report of an earlier lock must not pass for this one.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # none there: nothing to remove
            (project.root / REPORT_DIR / f"{svc.name}.json").unlink()
        raise
    result = evaluate(svc.name, packages, settings, today=dt.date.today())  # noqa: DTZ011 - a local calendar day, as audit ignores
    lock = svc.main.lock
    report = build_report(svc.name, display_path(lock, project.root), lock_sha256(lock), result)
    path = write_service_report(project.root, report)
    combined = write_combined(project.root, combined_markdown(project))
    written = f"{display_path(path, project.root)}, {display_path(combined, project.root)}"
    session.log(f"{report.summary_line()} -> {written}")
    for expired in report.expired_exceptions:
        session.warn(f"{svc.name}: licence exception no longer applies: {expired}")
    for unused in result.unused_exceptions:
        if svc.name in unused.services:  # global exceptions: see reports/licenses.md
            session.warn(f"{svc.name}: licence exception matched nothing: {unused.origin} ({unused.package})")
    if report.violations:
        count = len(report.violations)
        lines = [f"licences of {svc.name}: {count} violation{'' if count == 1 else 's'}"]
        lines += [f"  - {r.name}=={r.version}: {licence_text(r)}: {r.detail}" for r in report.violations]
        hint = "replace the package, or add a reasoned [[tool.nox_support.licenses.exception]]"
        raise LicenseViolationError("\n".join(lines), hint=f"{hint} (docs/supply-chain.md)")


def installed_licenses(sync: SyncResult) -> tuple[PackageLicense, ...]:
    """The licence of every distribution the synced venv holds (locked and local packages)."""
    site = sitemeta.site_packages(sync.venv)
    by_name = sitemeta.dist_info_index(sync.stamp.contents)
    local = {p.name: p.path for p in sync.stamp.local_packages}
    wanted = [*(name for name, _ in sync.stamp.packages), *local]
    missing = [name for name in wanted if name not in by_name]
    if missing:
        msg = f"{', '.join(missing)} in the venv's stamp but without metadata in {site}"
        raise sitemeta.MetadataError(msg, hint=f"delete {sync.venv} and run again")
    packages = []
    for name in wanted:
        meta = sitemeta.read_dist_info(site / by_name[name])
        detected = detect_installed(site / by_name[name], meta)
        packages.append(PackageLicense(meta.name, meta.version, detected, local.get(name)))
    return tuple(packages)


def combined_markdown(project: Project) -> str:
    """``reports/licenses.md`` from the current report of every service that has one.

    A CI job checks only its own services, so services without a report are
    counted, not listed; a report older than its lock is listed as stale.
    """
    reports: list[LicenseReport] = []
    notes: list[str] = []
    for service in project.services:
        report = read_service_report(project.root, service.name)
        if report is None:
            continue
        if report.lock_sha256 != lock_sha256(service.main.lock):
            rerun = f'run nox -s "licenses({service.name})"'
            notes.append(f"{service.name}: the lock changed since its licence report ({rerun})")
        else:
            reports.append(report)
    total = len(project.services)
    notes.append(f"{len(reports)} of {total} services have a current licence report (nox -s licenses)")
    return render_markdown(tuple(reports), tuple(notes))


def lock_sha256(lock: Path) -> str:
    """sha256 of the lock's bytes (``""`` when unreadable)."""
    try:
        return hashlib.sha256(lock.read_bytes()).hexdigest()
    except OSError:
        return ""
