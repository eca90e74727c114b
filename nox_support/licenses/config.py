"""``[tool.nox_support.licenses]``: the licence policy (pure validation).

Example::

    [tool.nox_support.licenses]
    deny = ["GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only"]
    allow = ["MIT", "BSD-3-Clause", "Apache-2.0"]   # optional: then nothing else passes
    unknown = "fail"                                  # or "allow" (the default: reported, not failed)

    [[tool.nox_support.licenses.exception]]
    package = "acme-common"
    reason = "our own code, not distributed"
    license = "LicenseRef-Proprietary"   # optional: only while it declares this
    services = ["orders"]                # optional: default every service
    expires = 2026-06-30                 # optional: after this day the exception no longer applies

Entries of ``deny`` and ``allow`` are SPDX identifiers, optionally with an
exception (``GPL-2.0-only WITH Classpath-exception-2.0``), normalised like the
packages' licences.  A compound entry (``MIT OR X``) is refused: a list of
identifiers says the same thing without ambiguity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from packaging.utils import canonicalize_name

from nox_support.config import reject_unknown_keys
from nox_support.core.errors import ConfigError
from nox_support.licenses.spdx import normalise

UnknownPolicy = Literal["fail", "allow"]

_WHERE = "[tool.nox_support.licenses]"
_KEYS = frozenset({"deny", "allow", "unknown", "exception"})
_EXCEPTION_KEYS = frozenset({"package", "reason", "license", "services", "expires"})


@dataclass(frozen=True)
class LicenseException:
    """A package whose licence is accepted whatever the lists say, for a stated reason."""

    package: str
    reason: str
    license: str | None
    """When set, the exception applies only while the package declares this (normalised) licence."""
    services: tuple[str, ...]
    origin: str
    expires: dt.date | None = None
    """The last day the exception applies (``None``: no end)."""

    def in_scope(self, service: str) -> bool:
        """Whether the exception concerns *service*."""
        return not self.services or service in self.services

    def applies_to(self, service: str, package: str) -> bool:
        """Whether the exception is about *package* in *service* (licence checked by the policy)."""
        return package == self.package and self.in_scope(service)

    def expired(self, today: dt.date) -> bool:
        """Whether *today* is past :attr:`expires`."""
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class LicenseSettings:
    """The validated policy."""

    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None
    """``None``: everything not denied is allowed."""
    unknown: UnknownPolicy = "allow"
    """``allow``: an unknown licence is reported and passes; only a policy saying ``fail`` fails it."""
    exceptions: tuple[LicenseException, ...] = ()


def parse_license_settings(table: object) -> LicenseSettings:
    """Validate the ``licenses`` table (``{}`` when absent)."""
    if not isinstance(table, dict):
        msg = f"pyproject.toml {_WHERE} must be a table"
        raise ConfigError(msg)
    reject_unknown_keys(table, _KEYS, f"pyproject.toml {_WHERE}")
    unknown = table.get("unknown", "allow")
    if not isinstance(unknown, str) or unknown not in {"fail", "allow"}:
        msg = f"pyproject.toml {_WHERE} unknown = {unknown!r} must be 'fail' or 'allow'"
        raise ConfigError(msg, hint='unknown = "fail" fails a package whose licence cannot be determined')
    allow = table.get("allow")
    exceptions = table.get("exception", [])
    if not isinstance(exceptions, list):
        msg = f"pyproject.toml {_WHERE} exception must be an array of tables ([[...exception]])"
        raise ConfigError(msg)
    return LicenseSettings(
        deny=_identifiers(table.get("deny", []), "deny"),
        allow=None if allow is None else _identifiers(allow, "allow"),
        unknown="fail" if unknown == "fail" else "allow",
        exceptions=tuple(
            _exception(entry, f"pyproject.toml {_WHERE} exception[{number}]")
            for number, entry in enumerate(exceptions, start=1)
        ),
    )


def _identifiers(value: object, key: str) -> tuple[str, ...]:
    where = f"pyproject.toml {_WHERE} {key}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where} must be a list of SPDX identifiers"
        raise ConfigError(msg, hint=f'for example {key} = ["GPL-3.0-only"]')
    out: list[str] = []
    for entry in value:
        normalised = normalise(entry)
        if normalised is None:
            msg = f"{where}: {entry!r} is not an SPDX identifier"
            raise ConfigError(msg, hint="use an identifier from https://spdx.org/licenses/")
        if " AND " in normalised or " OR " in normalised:
            msg = f"{where}: {entry!r} combines licences; list each identifier on its own"
            raise ConfigError(msg, hint=f"for example {key} = {normalised.split()[::2]!r}")
        if normalised not in out:
            out.append(normalised)
    return tuple(out)


def _exception(entry: object, where: str) -> LicenseException:
    if not isinstance(entry, dict):
        msg = f"{where} must be a table"
        raise ConfigError(msg)
    reject_unknown_keys(entry, _EXCEPTION_KEYS, where)
    for key, example in (("package", 'package = "acme-common"'), ("reason", 'reason = "why it is accepted"')):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            msg = f"{where}: {key!r} is required (a non-empty string)"
            raise ConfigError(msg, hint=f"add {example}")
    services = entry.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        msg = f"{where}: 'services' must be a list of service names"
        raise ConfigError(msg)
    license_value = entry.get("license")
    license_expression: str | None = None
    if license_value is not None:
        license_expression = normalise(license_value) if isinstance(license_value, str) else None
        if license_expression is None:
            msg = f"{where}: license = {license_value!r} is not an SPDX expression"
            raise ConfigError(msg, hint='for example license = "LicenseRef-Proprietary"')
    return LicenseException(
        package=canonicalize_name(entry["package"]),
        reason=entry["reason"].strip(),
        license=license_expression,
        services=tuple(services),
        origin=where,
        expires=_expires(entry.get("expires"), where),
    )


def _expires(value: object, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    msg = f"{where}: expires = {value!r} is not a date"
    raise ConfigError(msg, hint="write expires = 2026-06-30, or leave it out for no end")
