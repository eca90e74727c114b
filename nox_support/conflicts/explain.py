"""Naming the package a conflict is about, each side's requirement on it and where it comes from (pure).

The resolver proves *that* services conflict; their own locks and ``.in`` files say *where*: a
package both lock at different versions, named in the resolver's explanation, with each side's
direct requirement on it (file and line) or the package it comes through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from nox_support.conflicts.search import Alike, MinimalConflict
from nox_support.lock.servicelock import DirectRequirement, ServiceLock, version_or_none


@dataclass(frozen=True)
class Side:
    """One service's stake in the package: its pin, its direct requirements, or what pulls it in."""

    service: str
    version: str
    requirements: tuple[DirectRequirement, ...]
    through: tuple[str, ...]


@dataclass(frozen=True)
class Cause:
    """The package two conflicting services disagree on."""

    package: str
    sides: tuple[Side, ...]

    @property
    def transitive(self) -> bool:
        """Some side only gets the package through another one."""
        return any(not s.requirements for s in self.sides)


@dataclass(frozen=True)
class Difference:
    """A package whose version in the shared environment differs from a service's own lock."""

    service: str
    package: str
    locked: str
    shared: str


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def causes(conflict: MinimalConflict, locks: Mapping[str, ServiceLock]) -> tuple[Cause, ...]:
    """The likely packages of a two-service conflict (empty for other sizes or when none stands out)."""
    if len(conflict.services) != 2:  # noqa: PLR2004 - a pair is what can be named side by side
        return ()
    first, second = (locks[s] for s in conflict.services)
    named = {canonicalize_name(w) for w in _WORD.findall(conflict.explanation)}
    differing = [
        (p, other)
        for p in first.packages
        if (other := second.package(p.name)) is not None and other.version != p.version
    ]
    in_explanation = [(p, o) for p, o in differing if p.name in named]
    violated = [(p, o) for p, o in differing if _excludes(first, second, p.name)]
    chosen = in_explanation or violated
    return tuple(
        Cause(p.name, (_side(first, p.name), _side(second, p.name)))
        for p, _ in sorted(chosen, key=lambda pair: pair[0].name)
    )


def _excludes(first: ServiceLock, second: ServiceLock, name: str) -> bool:
    for lock, other in ((first, second), (second, first)):
        pin = other.package(name)
        version = version_or_none(pin.version) if pin else None
        if version is not None and any(not r.allows(version) for r in lock.requirements_on(name)):
            return True
    return False


def _side(lock: ServiceLock, name: str) -> Side:
    pin = lock.package(name)
    assert pin is not None  # chosen among packages both sides lock
    requirements = tuple(r for r in lock.requirements_on(name) if not r.constraint)
    return Side(lock.service, pin.version, requirements, () if requirements else pin.parents)


def alike(locks: Mapping[str, ServiceLock]) -> Alike:
    """``alike(conflict, service)`` for :func:`~nox_support.conflicts.search.search`.

    A service sides with the conflict's first member when, for a package the conflict is about,
    it locks the same release series as that member and not the other member's.
    """

    def guess(conflict: MinimalConflict, service: str) -> bool:
        lock = locks.get(service)
        if lock is None:
            return False
        for cause in causes(conflict, locks):
            pin = lock.package(cause.package)
            if pin is None:
                continue
            mine = _series(pin.version)
            theirs, others = (_series(side.version) for side in cause.sides)
            if mine == theirs != others:
                return True
        return False

    return guess


def same_stake(locks: Mapping[str, ServiceLock]) -> Alike:
    """``same_stake(conflict, service)``: *service* holds the conflict's first member's side exactly.

    For every package the conflict is about, the service asks for it with the same specifiers,
    or (when the member only gets it transitively) gets it through the same packages.  Such a
    service conflicts with the other member for the reason already named; anything else
    (another package, another path to the same package) is a reason of its own.
    """

    def guess(conflict: MinimalConflict, service: str) -> bool:
        lock = locks.get(service)
        found = causes(conflict, locks)
        if lock is None or not found:
            return False
        return all(_stake(lock, cause.package) == _stake_of(cause.sides[0]) for cause in found)

    return guess


def _stake(lock: ServiceLock, name: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    if lock.package(name) is None:
        return None
    return _stake_of(_side(lock, name))


def _stake_of(side: Side) -> tuple[frozenset[str], tuple[str, ...]]:
    return frozenset(r.specifier for r in side.requirements), () if side.requirements else side.through


def _series(version: str) -> str:
    parsed = version_or_none(version)
    if parsed is None:
        return version
    return str(parsed.major) if parsed.major else f"0.{parsed.minor}"


def differences(shared: Mapping[str, str], locks: Mapping[str, ServiceLock]) -> tuple[Difference, ...]:
    """Packages whose shared version differs from a service's own lock, by service then package."""
    out = [
        Difference(service, package.name, package.version, shared[package.name])
        for service, lock in sorted(locks.items())
        for package in lock.packages
        if package.name in shared and shared[package.name] != package.version
    ]
    return tuple(out)
