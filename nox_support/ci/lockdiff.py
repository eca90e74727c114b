"""What changed between two versions of a lock (pure: parse, diff, render).

Packages are compared by canonical name.  A version change is an upgrade or a
downgrade by PEP 440 ordering; same version with other hashes is
``rehashed`` (new files were published for it, or the lock was tampered
with); direct URLs and local paths that changed are ``changed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from packaging.version import InvalidVersion, Version

from nox_support.core.markdown import code, escape
from nox_support.lock import pylock, reqfile

ChangeKind = Literal["added", "removed", "upgraded", "downgraded", "changed", "rehashed"]
KIND_ORDER: tuple[ChangeKind, ...] = ("added", "removed", "upgraded", "downgraded", "changed", "rehashed")


@dataclass(frozen=True)
class Pin:
    """One package of a lock: a version, a direct URL or a local path."""

    name: str
    version: str
    hashes: frozenset[str]


@dataclass(frozen=True)
class PackageChange:
    """One package that differs between the two locks."""

    package: str
    kind: ChangeKind
    before: str | None
    after: str | None


@dataclass(frozen=True)
class LockChanged:
    """The lock exists on both sides and *changes* lists the differences (maybe none)."""

    lock: str
    changes: tuple[PackageChange, ...]


@dataclass(frozen=True)
class LockAdded:
    """The lock did not exist at the base."""

    lock: str
    changes: tuple[PackageChange, ...]


@dataclass(frozen=True)
class LockRemoved:
    """The lock existed at the base and is gone now."""

    lock: str
    changes: tuple[PackageChange, ...]


LockDiff = LockChanged | LockAdded | LockRemoved


def parse_pins(text: str, *, path: str) -> dict[str, Pin]:
    """Canonical name -> :class:`Pin` of every requirement in a lock's *text*."""
    pins: dict[str, Pin] = {}
    for entry in reqfile.parse(text, path=path):
        match entry:
            case reqfile.NamedRequirement(name=name, pin=pin, url=url, hashes=hashes, text=spec):
                version = pin if pin is not None else (f"@ {url}" if url else spec)
                pins[name] = Pin(name, version, frozenset(hashes))
            case reqfile.LocalPath(path=local):
                pins[local] = Pin(local, "local path", frozenset())
            case _:
                pass
    return pins


def pylock_pins(text: str, *, path: str) -> dict[str, Pin]:
    """Canonical name -> :class:`Pin` of every package a PEP 751 lock's *text* installs (best effort)."""
    del path  # every package is read: a diff reports on a lock whatever rules it breaks
    packages = pylock.locked_packages(pylock.parse(text).lock)
    return {p.name: Pin(p.name, p.version, frozenset(p.hashes)) for p in packages}


def diff_pins(before: dict[str, Pin], after: dict[str, Pin]) -> tuple[PackageChange, ...]:
    """Changes from *before* to *after*, sorted by kind then package name."""
    changes: list[PackageChange] = []
    for name in before.keys() | after.keys():
        old, new = before.get(name), after.get(name)
        if old is None and new is not None:
            changes.append(PackageChange(name, "added", None, new.version))
        elif new is None and old is not None:
            changes.append(PackageChange(name, "removed", old.version, None))
        elif old is not None and new is not None:
            kind = _kind(old, new)
            if kind is not None:
                changes.append(PackageChange(name, kind, old.version, new.version))
    return tuple(sorted(changes, key=lambda c: (KIND_ORDER.index(c.kind), c.package)))


def diff_locks(lock: str, before: str | None, after: str | None) -> LockDiff | None:
    """Diff two texts of the lock *lock*; ``None`` when it exists on neither side."""
    read = pylock_pins if pylock.is_pylock_name(PurePosixPath(lock).name) else parse_pins
    old = {} if before is None else read(before, path=f"{lock} (base)")
    new = {} if after is None else read(after, path=lock)
    if before is None and after is None:
        return None
    changes = diff_pins(old, new)
    if before is None:
        return LockAdded(lock, changes)
    if after is None:
        return LockRemoved(lock, changes)
    return LockChanged(lock, changes)


def markdown(service: str, base: str, diffs: tuple[LockDiff, ...]) -> str:
    """A job-summary section for one service: one table per lock that changed."""
    lines = [f"### Lock changes of {code(service)} since {code(base)}", ""]
    changed = [d for d in diffs if d.changes or not isinstance(d, LockChanged)]
    if not changed:
        lines.append("No package changed in " + ", ".join(code(d.lock) for d in diffs) + ".")
        return "\n".join(lines) + "\n"
    for diff in diffs:
        status = {LockAdded: " (new lock)", LockRemoved: " (lock removed)"}.get(type(diff), "")
        lines.append(f"{code(diff.lock)}{status}: {_counts(diff.changes)}")
        lines.append("")
        if diff.changes:
            lines += ["| package | change | before | after |", "| --- | --- | --- | --- |"]
            lines += [
                f"| {escape(c.package)} | {c.kind} | {_cell(c.before)} | {_cell(c.after)} |"
                for c in diff.changes
            ]
            lines.append("")
    return "\n".join(lines) + "\n"


def to_json(service: str, base: str, base_commit: str, diffs: tuple[LockDiff, ...]) -> str:
    """The same content as :func:`markdown`, for machines."""
    data = {
        "service": service,
        "base": base,
        "base_commit": base_commit,
        "locks": [
            {
                "lock": d.lock,
                "status": {LockAdded: "added", LockRemoved: "removed"}.get(type(d), "present"),
                "changes": [
                    {"package": c.package, "change": c.kind, "before": c.before, "after": c.after}
                    for c in d.changes
                ],
            }
            for d in diffs
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _kind(old: Pin, new: Pin) -> ChangeKind | None:
    if old.version == new.version:
        return "rehashed" if old.hashes != new.hashes else None
    try:
        before, after = Version(old.version), Version(new.version)
    except InvalidVersion:
        return "changed"
    if after == before:
        return "rehashed" if old.hashes != new.hashes else None
    return "upgraded" if after > before else "downgraded"


def _counts(changes: tuple[PackageChange, ...]) -> str:
    if not changes:
        return "no package changed"
    counts = [f"{sum(c.kind == kind for c in changes)} {kind}" for kind in KIND_ORDER]
    return ", ".join(c for c in counts if not c.startswith("0 "))


def _cell(value: str | None) -> str:
    return "—" if value is None else escape(value)
