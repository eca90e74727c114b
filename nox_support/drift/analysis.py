"""Which packages drift across services, and whether one version could serve them all (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import Version

from nox_support.drift.collect import AuditFinding
from nox_support.lock.servicelock import DirectRequirement, ServiceLock, specifier_set, version_or_none


@dataclass(frozen=True)
class Holder:
    """A lock pinning a drifting package: its own direct requirements on it, or what pulled it in."""

    lock: str
    """The lock's label (``orders``, ``orders:dev``)."""
    requirements: tuple[DirectRequirement, ...]
    via: tuple[str, ...]


@dataclass(frozen=True)
class VersionGroup:
    """One locked version of a drifting package and the locks pinning it."""

    version: str
    holders: tuple[Holder, ...]
    findings: tuple[AuditFinding, ...]


@dataclass(frozen=True)
class FitsAll:
    """``version`` satisfies every direct requirement (and constraint) of every lock on the package.

    ``transitive`` names the locks that only pull it in through other packages: their own
    requirements on it are in package metadata, which only a resolve could weigh.
    """

    version: str
    locked: bool
    transitive: tuple[str, ...]


@dataclass(frozen=True)
class NoCommonVersion:
    """No candidate version satisfies every direct requirement; ``requirements`` are the ones in play."""

    requirements: tuple[tuple[str, DirectRequirement], ...]
    transitive: tuple[str, ...]


@dataclass(frozen=True)
class OnlyTransitive:
    """No lock asks for the package directly: only a resolve could tell whether one version fits."""


Convergence = FitsAll | NoCommonVersion | OnlyTransitive


@dataclass(frozen=True)
class Drift:
    """A package locked at two or more versions across the locks."""

    name: str
    versions: tuple[VersionGroup, ...]
    convergence: Convergence
    same_version: bool
    """``[tool.nox_support.drift] same_version`` names it: the drift is a failure."""

    @property
    def lock_count(self) -> int:
        """How many locks pin the package."""
        return sum(len(group.holders) for group in self.versions)


@dataclass(frozen=True)
class DriftReport:
    """The whole analysis."""

    locks: tuple[str, ...]
    packages_locked: int
    drifts: tuple[Drift, ...]
    problems: tuple[str, ...]
    """Locks that could not be read: their services are missing from the analysis."""
    notes: tuple[str, ...] = ()
    """Audit reports that could not be read (their findings are not marked)."""

    @property
    def violations(self) -> tuple[Drift, ...]:
        """Drifting packages that must be at one version."""
        return tuple(d for d in self.drifts if d.same_version)


def analyse(
    locks: Sequence[ServiceLock],
    *,
    findings: Sequence[AuditFinding] = (),
    same_version: frozenset[str] = frozenset(),
    problems: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> DriftReport:
    """Group every pin of *locks* by package and keep those locked at more than one version."""
    by_package: dict[str, dict[str, list[ServiceLock]]] = {}
    for lock in locks:
        for package in lock.packages:
            by_package.setdefault(package.name, {}).setdefault(package.version, []).append(lock)
    flagged = _findings_by_pin(findings)
    drifts = [
        _drift(name, versions, flagged, same_version=name in same_version)
        for name, versions in by_package.items()
        if len(versions) > 1
    ]
    drifts.sort(key=lambda d: (-len(d.versions), -d.lock_count, d.name))
    return DriftReport(
        locks=tuple(lock.label for lock in locks),
        packages_locked=len(by_package),
        drifts=tuple(drifts),
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _findings_by_pin(findings: Sequence[AuditFinding]) -> dict[tuple[str, str, str], list[AuditFinding]]:
    out: dict[tuple[str, str, str], list[AuditFinding]] = {}
    for finding in findings:
        key = (finding.service, canonicalize_name(finding.package), finding.version)
        out.setdefault(key, []).append(finding)
    return out


def _drift(
    name: str,
    versions: dict[str, list[ServiceLock]],
    flagged: dict[tuple[str, str, str], list[AuditFinding]],
    *,
    same_version: bool,
) -> Drift:
    groups = []
    for version in sorted(versions, key=_version_key, reverse=True):
        holders = []
        group_findings: list[AuditFinding] = []
        for lock in versions[version]:
            pin = lock.package(name)
            holders.append(Holder(lock.label, lock.requirements_on(name), pin.parents if pin else ()))
            if lock.layer == "main":
                group_findings += flagged.get((lock.service, name, version), [])
        groups.append(VersionGroup(version, tuple(holders), tuple(group_findings)))
    all_locks = [lock for locks in versions.values() for lock in locks]
    return Drift(name, tuple(groups), convergence(name, all_locks), same_version)


def convergence(name: str, locks: Sequence[ServiceLock]) -> Convergence:
    """Whether one version satisfies every lock's direct requirements and constraints on *name*.

    The candidates are the locked versions and the versions the specifiers name (the highest
    fitting one wins); a lock that only pulls the package in transitively is named, since its
    requirement on it lives in package metadata and only a resolve could weigh it.
    """
    rules = [(lock.label, r) for lock in locks for r in lock.requirements_on(name)]
    direct = {lock.label for lock in locks if any(not r.constraint for r in lock.requirements_on(name))}
    transitive = tuple(dict.fromkeys(lock.label for lock in locks if lock.label not in direct))
    if not direct:
        return OnlyTransitive()
    locked = {v for lock in locks if (pin := lock.package(name)) and (v := version_or_none(pin.version))}
    candidates = sorted(locked | _named_versions(r for _, r in rules), reverse=True)
    for candidate in candidates:
        if all(rule.allows(candidate) for _, rule in rules):
            return FitsAll(str(candidate), candidate in locked, transitive)
    return NoCommonVersion(tuple(rules), transitive)


def _named_versions(rules: Iterable[DirectRequirement]) -> set[Version]:
    found: set[Version] = set()
    for rule in rules:
        for specifier in specifier_set(rule.specifier) or ():
            version = version_or_none(specifier.version.removesuffix(".*"))
            if version is not None:
                found.add(version)
    return found


def _version_key(text: str) -> tuple[int, Version, str]:
    version = version_or_none(text)
    return (1, version, text) if version is not None else (0, Version("0"), text)
