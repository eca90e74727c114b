"""One service's scan: the scanners and source from the settings, a cached outcome reused when it may be."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support.audit.cache import ScanCache, cache_key, cacheable
from nox_support.audit.scanners.interface import (
    AuditedPackage,
    LocalPackage,
    ScanCompleted,
    ScanFailed,
    Scanner,
    ScannerInputs,
    ScanOutcome,
    ScanTarget,
    source_info,
)
from nox_support.audit.scanners.registry import SCANNERS
from nox_support.audit.sources.interface import SourceInfo, VulnerabilitySource
from nox_support.audit.sources.offline import OfflineOsvSource
from nox_support.audit.sources.osv import OsvSource
from nox_support.audit.sources.pypi import PypiSource
from nox_support.core.errors import ConfigError, NoxSupportError
from nox_support.lock import lockformat
from nox_support.lock.model import ParsedLock
from nox_support.venv import values as venv_values
from nox_support.venv.sitemeta import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from nox_support.audit.config import AuditSettings
    from nox_support.discovery import Service

STATE_DIR = Path(".nox") / "nox-support"


def build_scanners(settings: AuditSettings, root: Path) -> tuple[Scanner, ...]:
    """The enabled scanners, pip-audit first."""
    inputs = ScannerInputs(build_source(settings, root), settings.safety_db, root / STATE_DIR)
    return tuple(build(inputs) for name, build in SCANNERS.items() if name in settings.scanners)


def build_source(settings: AuditSettings, root: Path) -> VulnerabilitySource:
    """The vulnerability source pip-audit is pointed at."""
    match settings.source:
        case "offline":
            if settings.osv_db is None:  # pragma: no cover - config validation refuses this
                msg = "no offline OSV database configured"
                raise ConfigError(msg)
            return OfflineOsvSource(
                settings.osv_db,
                cache_root=root,
                timeout=settings.timeout,
                max_age_days=settings.max_db_age_days,
            )
        case "osv":
            return OsvSource(
                settings.osv_url, timeout=settings.timeout, ttl_seconds=settings.cache_ttl_seconds
            )
        case "pypi":
            return PypiSource(timeout=settings.timeout, ttl_seconds=settings.cache_ttl_seconds)


def scan_cached(  # noqa: PLR0913 - one scan's inputs
    scanner: Scanner,
    target: ScanTarget,
    stamp: venv_values.Stamp,
    cache: ScanCache,
    *,
    refresh: bool,
    warn: Callable[[str], object],
) -> tuple[ScanOutcome, bool]:
    """Scan *target* with *scanner*, or reuse the cached outcome; ``True`` when it was reused."""
    version = scanner.version()
    info = source_info(scanner.name, version, scanner.source())
    if isinstance(info, ScanFailed):
        return info, False
    key = cache_key(stamp, scanner.name, version, info)
    if not refresh:
        cached = cache.get(target.service, scanner.name, key, ttl_seconds=info.ttl_seconds)
        if cached is not None:
            return replace(cached, source=info), True
    outcome = scanner.scan(target)
    if isinstance(outcome, ScanCompleted) and cacheable(outcome):
        try:
            cache.put(target.service, key, outcome)
        except OSError as exc:
            # The verdict stands; only its reuse is lost.  The atomic writer left nothing behind.
            reason = exc.strerror or str(exc)
            warn(f"{target.service}: {scanner.name} verdict not cached ({reason}); the next run rescans")
    return outcome, False


def scan_target(
    root: Path, service: Service, sync: venv_values.SyncResult, lines: Mapping[str, int]
) -> ScanTarget:
    """What the scanners audit in the synced venv of *service*."""
    stamp = sync.stamp
    venv_dir = sync.venv
    return ScanTarget(
        service=service.name,
        site_packages=site_packages(venv_dir),
        python=venv_dir / "bin" / "python",
        packages=tuple(AuditedPackage(n, v, lines.get(n)) for n, v in stamp.packages),
        local_packages=tuple(LocalPackage(p.name, p.version, p.path) for p in stamp.local_packages),
        work_dir=root / STATE_DIR / "audit" / service.name,
    )


def pin_lines(lock: Path) -> dict[str, int]:
    """Package name -> its line in *lock* (empty when it cannot be used)."""
    parsed = lockformat.read_state(lock, shown=lock.name)
    return {p.name: p.line for p in parsed.packages} if isinstance(parsed, ParsedLock) else {}


def describe_sync(result: venv_values.SyncResult) -> str:
    """How the venv got in sync, for the report."""
    match result:
        case venv_values.AlreadySynced():
            return "already synced"
        case venv_values.Synced():
            return f"synced ({result.reason})"
        case venv_values.Rebuilt():
            return f"rebuilt ({result.reason})"


def safe_info(source: VulnerabilitySource) -> SourceInfo:
    """*source*'s info, or an ``unavailable`` stand-in when it cannot say."""
    try:
        return source.info()
    except NoxSupportError:
        return SourceInfo("unavailable", "", "", None)
