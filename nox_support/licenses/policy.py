"""Apply the licence policy to a service's packages (pure).

A package's expression passes when it can be satisfied by licences that are
not denied and, with an ``allow`` list, are allowed: ``A OR B`` needs one
acceptable side, ``A AND B`` both.  ``X WITH exception`` is denied when
the exact ``X WITH exception`` is denied, and also when ``X`` is denied (an
exception narrows a licence, it does not lift a denial of it) unless the exact
``X WITH exception`` is allowed; with an ``allow`` list it passes when ``X`` or
the exact ``X WITH exception`` is allowed.  An exception whose package (and
licence, when given) matches wins over the lists; an unknown licence is
reported and fails only when ``unknown = "fail"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

from nox_support.licenses.config import LicenseException, LicenseSettings
from nox_support.licenses.spdx import Declared, Detected, Unknown, licensing


@dataclass(frozen=True)
class PackageLicense:
    """One installed distribution of a service and the licence it declares."""

    name: str
    version: str
    detected: Detected
    local_path: str | None = None
    """The path written in the lock for a local path package."""


@dataclass(frozen=True)
class Compliant:
    """The licence passes the policy."""

    package: PackageLicense


@dataclass(frozen=True)
class Excepted:
    """A reasoned exception accepts the package."""

    package: PackageLicense
    exception: LicenseException


@dataclass(frozen=True)
class UnknownAccepted:
    """The licence is unknown and the policy accepts unknown licences (still reported)."""

    package: PackageLicense


@dataclass(frozen=True)
class Violation:
    """The package fails the policy; ``why`` names the offending licences."""

    package: PackageLicense
    why: str


Assessment = Compliant | Excepted | UnknownAccepted | Violation


@dataclass(frozen=True)
class PolicyResult:
    """Every package's assessment, and the exceptions in scope that matched nothing."""

    assessments: tuple[Assessment, ...]
    unused_exceptions: tuple[LicenseException, ...]
    expired_exceptions: tuple[LicenseException, ...] = ()
    """Exceptions in scope whose ``expires`` day has passed: they no longer apply."""

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The assessments that fail the service."""
        return tuple(a for a in self.assessments if isinstance(a, Violation))


def evaluate(
    service: str, packages: tuple[PackageLicense, ...], settings: LicenseSettings, *, today: dt.date
) -> PolicyResult:
    """Assess every package of *service* against *settings* on *today* (exceptions can expire)."""
    expired = tuple(e for e in settings.exceptions if e.in_scope(service) and e.expired(today))
    active = tuple(e for e in settings.exceptions if e not in expired)
    used: set[LicenseException] = set()
    assessments: list[Assessment] = []
    for package in sorted(packages, key=lambda p: p.name):
        exception = _exception_for(service, package, active)
        if exception is not None:
            used.add(exception)
            assessments.append(Excepted(package, exception))
        else:
            assessments.append(_assess(package, settings))
    unused = tuple(e for e in active if e not in used and e.in_scope(service))
    return PolicyResult(tuple(assessments), unused, expired)


def offending(expression: str, settings: LicenseSettings) -> tuple[str, ...]:
    """The licences that keep *expression* from passing; ``()`` when it passes."""
    bad: list[str] = []
    parsed = licensing().parse(expression)  # type: ignore[no-untyped-call]
    if _acceptable(parsed, settings, bad):
        return ()
    return tuple(dict.fromkeys(bad))


def _assess(package: PackageLicense, settings: LicenseSettings) -> Assessment:
    detected = package.detected
    if isinstance(detected, Unknown):
        if settings.unknown == "allow":
            return UnknownAccepted(package)
        return Violation(
            package, f"licence unknown ({detected.reason}) and the policy fails unknown licences"
        )
    bad = offending(detected.expression, settings)
    if not bad:
        return Compliant(package)
    denied = [b for b in bad if _listed(b, settings.deny)]
    parts = []
    if denied:
        parts.append(f"denied: {', '.join(denied)}")
    others = [b for b in bad if b not in denied]
    if others:
        parts.append(f"not in the allow list: {', '.join(others)}")
    return Violation(package, "; ".join(parts))


def _acceptable(node: object, settings: LicenseSettings, bad: list[str]) -> bool:
    if isinstance(node, OR):
        results = [_acceptable(arg, settings, bad) for arg in node.args]
        return any(results)
    if isinstance(node, AND):
        results = [_acceptable(arg, settings, bad) for arg in node.args]
        return all(results)
    if isinstance(node, LicenseWithExceptionSymbol):
        full = str(node.render())  # type: ignore[no-untyped-call]
        base = str(node.license_symbol.key)
        if _listed(full, settings.deny) or (
            _listed(base, settings.deny) and not _listed(full, settings.allow)
        ):
            bad.append(full)
            return False
        if settings.allow is not None and not (
            _listed(full, settings.allow) or _listed(base, settings.allow)
        ):
            bad.append(full)
            return False
        return True
    if isinstance(node, LicenseSymbol):
        key = str(node.key)
        if _listed(key, settings.deny) or (settings.allow is not None and not _listed(key, settings.allow)):
            bad.append(key)
            return False
        return True
    bad.append(str(node))  # pragma: no cover - the parser yields only the types above
    return False  # pragma: no cover


def _listed(identifier: str, entries: tuple[str, ...] | None) -> bool:
    if not entries:
        return False
    lowered = identifier.lower()
    return any(lowered == entry.lower() for entry in entries)


def _exception_for(
    service: str, package: PackageLicense, exceptions: tuple[LicenseException, ...]
) -> LicenseException | None:
    for exception in exceptions:
        if not exception.applies_to(service, package.name):
            continue
        if exception.license is None:
            return exception
        if isinstance(package.detected, Declared) and package.detected.expression == exception.license:
            return exception
    return None
