"""``[tool.nox_support.audit]`` and its environment overrides, validated strictly.

Keys (all optional)::

    [tool.nox_support.audit]
    source = "pypi"            # "pypi" | "osv" | "offline"
    osv_url = "https://api.osv.dev/v1/query"
    osv_db = "../advisory-db"  # offline OSV database (implies source = "offline")
    scanners = ["pip-audit"]   # add "safety" for a second opinion (safety 2.x, offline --db)
    safety_db = "safety-db"    # safety's offline database directory
    cache_ttl_hours = 24       # how long verdicts from online sources are reused
    timeout = 30               # seconds per network request of a scanner
    max_db_age_days = 14       # an offline database whose newest record is older: error
    ignore_file = "audit-ignores.toml"  # more [[ignore]] tables, same keys as below

    [[tool.nox_support.audit.ignore]]
    id = "PYSEC-2024-1"        # or any alias (CVE, GHSA)
    package = "requests"
    services = ["orders"]      # optional: only these services
    reason = "not reachable: we never call the affected API"
    expires = 2025-06-30       # a date, or "until-fixed"

Environment (wins over the file): ``NOX_SUPPORT_AUDIT_SOURCE``,
``NOX_SUPPORT_OSV_DB`` (implies ``offline`` unless the source is set),
``NOX_SUPPORT_OSV_URL`` (implies ``osv`` likewise),
``NOX_SUPPORT_AUDIT_SCANNERS`` (comma-separated), ``NOX_SUPPORT_SAFETY_DB``,
``NOX_SUPPORT_AUDIT_TTL_HOURS``, ``NOX_SUPPORT_MAX_DB_AGE_DAYS``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name

from nox_support.audit.scanners import registry
from nox_support.config import reject_unknown_keys
from nox_support.core import repofiles
from nox_support.core.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SourceKind = Literal["pypi", "osv", "offline"]
SOURCES: tuple[SourceKind, ...] = ("pypi", "osv", "offline")
SCANNERS = tuple(registry.SCANNERS)
"""Scanner names, in the order they run."""
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
UNTIL_FIXED = "until-fixed"

ENV_SOURCE = "NOX_SUPPORT_AUDIT_SOURCE"
ENV_OSV_DB = "NOX_SUPPORT_OSV_DB"
ENV_OSV_URL = "NOX_SUPPORT_OSV_URL"
ENV_SCANNERS = "NOX_SUPPORT_AUDIT_SCANNERS"
ENV_SAFETY_DB = "NOX_SUPPORT_SAFETY_DB"
ENV_TTL = "NOX_SUPPORT_AUDIT_TTL_HOURS"
ENV_MAX_DB_AGE = "NOX_SUPPORT_MAX_DB_AGE_DAYS"

_KEYS = frozenset(
    {
        "source",
        "osv_url",
        "osv_db",
        "scanners",
        "safety_db",
        "cache_ttl_hours",
        "timeout",
        "ignore",
        "ignore_file",
        "max_db_age_days",
    }
)
_IGNORE_KEYS = frozenset({"id", "package", "services", "reason", "expires"})
_WHERE = "[tool.nox_support.audit]"


@dataclass(frozen=True)
class ExpiresOn:
    """The ignore applies up to and including ``date``."""

    date: dt.date


@dataclass(frozen=True)
class UntilFixed:
    """The ignore applies only while no fixed version exists."""


Expiry = ExpiresOn | UntilFixed


@dataclass(frozen=True)
class Ignore:
    """One accepted risk."""

    id: str
    package: str
    services: tuple[str, ...]
    reason: str
    expiry: Expiry
    origin: str
    """Where it is declared, for messages (``pyproject.toml [tool.nox_support.audit] ignore[1]``)."""

    def applies_to(self, service: str) -> bool:
        """Whether the ignore is scoped to *service* (no ``services`` means every service)."""
        return not self.services or service in self.services

    def describe(self) -> str:
        """``PYSEC-1 (requests)``."""
        return f"{self.id} ({self.package})"


@dataclass(frozen=True)
class AuditSettings:
    """Validated audit settings with the environment applied."""

    source: SourceKind
    source_origin: str
    osv_url: str
    osv_db: Path | None
    scanners: tuple[str, ...]
    safety_db: Path | None
    cache_ttl_seconds: float
    timeout: float
    ignores: tuple[Ignore, ...]
    max_db_age_days: float | None = None
    """An offline database whose newest record is older is refused (``None``: only a warning)."""


def load_audit_settings(
    table: Mapping[str, object], *, root: Path, environ: Mapping[str, str], cwd: Path
) -> AuditSettings:
    """Validate *table* and apply *environ*; reads the ``ignore_file`` when one is named."""
    settings = parse_audit_settings(table, root=root, environ=environ, cwd=cwd)
    ignore_file = table.get("ignore_file")
    if ignore_file is None:
        return settings
    if not isinstance(ignore_file, str):
        msg = f"pyproject.toml {_WHERE} ignore_file must be a path string"
        raise ConfigError(msg)
    path = root / ignore_file
    try:
        data = tomllib.loads(repofiles.read_text(path, root))
    except FileNotFoundError:
        msg = f"pyproject.toml {_WHERE} ignore_file = {ignore_file!r} does not exist"
        raise ConfigError(msg, hint="create the file or remove ignore_file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{ignore_file}: cannot read: {exc}"
        raise ConfigError(msg, hint="it must be TOML with [[ignore]] tables") from exc
    reject_unknown_keys(data, frozenset({"ignore"}), ignore_file)
    extra = parse_ignores(data.get("ignore", []), where=ignore_file)
    return replace(settings, ignores=settings.ignores + extra)


def parse_audit_settings(
    table: Mapping[str, object], *, root: Path, environ: Mapping[str, str], cwd: Path
) -> AuditSettings:
    """Validate *table* (pure apart from path joining) and apply the environment."""
    where = f"pyproject.toml {_WHERE}"
    reject_unknown_keys(table, _KEYS, where)
    source, origin = _choose_source(table, environ, where)
    osv_url = environ.get(ENV_OSV_URL) or _string(table, "osv_url", where) or DEFAULT_OSV_URL
    osv_db = _path(environ.get(ENV_OSV_DB), cwd) or _path(_string(table, "osv_db", where), root)
    if source == "offline" and osv_db is None:
        msg = f"the audit source is 'offline' ({origin}) but no offline OSV database is set"
        raise ConfigError(msg, hint=f"set {ENV_OSV_DB}=<dir> or osv_db in {_WHERE}")
    scanners = _scanners(table, environ, where)
    safety_db = _path(environ.get(ENV_SAFETY_DB), cwd) or _path(_string(table, "safety_db", where), root)
    ttl_hours = _number(environ.get(ENV_TTL) or table.get("cache_ttl_hours", 24), f"{where} cache_ttl_hours")
    timeout = _number(table.get("timeout", 30), f"{where} timeout")
    max_db_age_days = _max_db_age(table, environ, where)
    return AuditSettings(
        source=source,
        source_origin=origin,
        osv_url=osv_url,
        osv_db=osv_db,
        scanners=scanners,
        safety_db=safety_db,
        cache_ttl_seconds=ttl_hours * 3600,
        timeout=timeout,
        ignores=parse_ignores(table.get("ignore", []), where=where),
        max_db_age_days=max_db_age_days,
    )


def _max_db_age(table: Mapping[str, object], environ: Mapping[str, str], where: str) -> float | None:
    raw = environ.get(ENV_MAX_DB_AGE)
    value: object = raw or table.get("max_db_age_days")
    if value is None:
        return None
    origin = ENV_MAX_DB_AGE if raw else f"{where} max_db_age_days"
    days = _number(value, origin)
    if days == 0:
        msg = f"{origin} = {value!r} must be a positive number of days"
        raise ConfigError(msg, hint="for example 14; leave it unset to only warn about an old database")
    return days


def parse_ignores(value: object, *, where: str) -> tuple[Ignore, ...]:
    """Validate a list of ignore tables (pure)."""
    if not isinstance(value, list):
        msg = f"{where}: ignore must be an array of tables ([[...ignore]])"
        raise ConfigError(msg)
    return tuple(_ignore(entry, f"{where} ignore[{number}]") for number, entry in enumerate(value, start=1))


def _ignore(entry: object, where: str) -> Ignore:
    if not isinstance(entry, dict):
        msg = f"{where} must be a table"
        raise ConfigError(msg)
    reject_unknown_keys(entry, _IGNORE_KEYS, where)
    for key in ("id", "package", "reason", "expires"):
        if key not in entry:
            example = {
                "id": 'id = "PYSEC-2024-1"',
                "package": 'package = "requests"',
                "reason": 'reason = "why the risk is accepted"',
                "expires": 'expires = 2025-06-30 (or "until-fixed")',
            }[key]
            msg = f"{where}: {key!r} is required"
            raise ConfigError(msg, hint=f"add {example}")
    for key in ("id", "package", "reason"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            msg = f"{where}: {key!r} must be a non-empty string"
            raise ConfigError(msg)
    services = entry.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        msg = f"{where}: 'services' must be a list of service names"
        raise ConfigError(msg)
    return Ignore(
        id=entry["id"].strip(),
        package=canonicalize_name(entry["package"]),
        services=tuple(services),
        reason=entry["reason"].strip(),
        expiry=_expiry(entry["expires"], where),
        origin=where,
    )


def _expiry(value: object, where: str) -> Expiry:
    if value == UNTIL_FIXED:
        return UntilFixed()
    if isinstance(value, dt.datetime):
        return ExpiresOn(value.date())
    if isinstance(value, dt.date):
        return ExpiresOn(value)
    if isinstance(value, str):
        try:
            return ExpiresOn(dt.date.fromisoformat(value))
        except ValueError:
            pass
    msg = f"{where}: expires = {value!r} is neither a date nor {UNTIL_FIXED!r}"
    raise ConfigError(msg, hint=f'write expires = 2025-06-30 or expires = "{UNTIL_FIXED}"')


def _choose_source(
    table: Mapping[str, object], environ: Mapping[str, str], where: str
) -> tuple[SourceKind, str]:
    explicit = environ.get(ENV_SOURCE)
    if explicit:
        return _source_kind(explicit, ENV_SOURCE), ENV_SOURCE
    if environ.get(ENV_OSV_DB):
        return "offline", ENV_OSV_DB
    if environ.get(ENV_OSV_URL):
        return "osv", ENV_OSV_URL
    configured = table.get("source")
    if configured is not None:
        return _source_kind(configured, f"{where} source"), f"{where} source"
    if table.get("osv_db") is not None:
        return "offline", f"{where} osv_db"
    return "pypi", "default"


def _source_kind(value: object, where: str) -> SourceKind:
    for kind in SOURCES:
        if value == kind:
            return kind
    msg = f"{where} = {value!r} is not an audit source"
    raise ConfigError(msg, hint=f"use one of: {', '.join(SOURCES)}")


def _scanners(table: Mapping[str, object], environ: Mapping[str, str], where: str) -> tuple[str, ...]:
    raw = environ.get(ENV_SCANNERS)
    value: object = (
        [s.strip() for s in raw.split(",") if s.strip()] if raw else table.get("scanners", ["pip-audit"])
    )
    origin = ENV_SCANNERS if raw else f"{where} scanners"
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        msg = f"{origin} must be a non-empty list of scanner names"
        raise ConfigError(msg, hint=f"for example {SCANNERS[0]!r}")
    for name in value:
        if name not in SCANNERS:
            close = difflib.get_close_matches(name, SCANNERS, n=1)
            msg = f"{origin}: unknown scanner {name!r}"
            raise ConfigError(
                msg, hint=f"did you mean {close[0]!r}?" if close else f"use {', '.join(SCANNERS)}"
            )
    if "pip-audit" not in value:
        msg = f"{origin}: pip-audit is the primary scanner and cannot be disabled"
        raise ConfigError(msg, hint='list it first: ["pip-audit", "safety"]')
    return tuple(dict.fromkeys(value))


def _string(table: Mapping[str, object], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        msg = f"{where} {key} must be a non-empty string"
        raise ConfigError(msg)
    return value


def _path(value: str | None, base: Path) -> Path | None:
    if not value:
        return None
    return (base / Path(value).expanduser()).resolve()


def _number(value: object, where: str) -> float:
    # A number, or a string of one (environment variables); never a bool, NaN or infinity:
    # NaN compares false with everything and would silently switch a limit (and its warning) off.
    number = -1.0
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            number = float(value)
    if not (math.isfinite(number) and number >= 0):
        msg = f"{where} = {value!r} must be a non-negative number"
        raise ConfigError(
            msg, hint="write a finite number such as 14 (not nan or inf); leave it out for its default"
        )
    return number
