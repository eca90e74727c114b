"""OSV records for PyPI and their version matching (pure, no I/O).

Implements the parts of the OSV schema (https://ossf.github.io/osv-schema/)
an offline PyPI database needs: ``affected[].package`` (ecosystem ``PyPI``),
``ranges`` of type ``ECOSYSTEM`` with ``introduced`` / ``fixed`` /
``last_affected`` events, explicit ``versions``, and ``withdrawn`` records
(never match).  Versions are compared with :mod:`packaging`.  Anything that
cannot be evaluated (a version that is not PEP 440 where a range needs it)
is :class:`Indeterminate`, never "not affected".

A record is read correctly or refused with :class:`RecordError`, never
half-read: ``withdrawn: null`` / ``~`` / empty means *not* withdrawn and any
other value must be a timestamp; ecosystem names are compared as OSV defines
them (case-sensitively: ``pypi`` is not ``PyPI`` and is refused rather than
skipped); a range needs an ``introduced`` event; a PyPI entry must say which
versions it affects (a range or ``versions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ECOSYSTEM = "PyPI"


@dataclass(frozen=True)
class Event:
    """One range event: ``kind`` is ``introduced``, ``fixed`` or ``last_affected``."""

    kind: str
    version: str


@dataclass(frozen=True)
class Affected:
    """One ``affected`` entry of a record, for one PyPI package."""

    package: str
    ranges: tuple[tuple[Event, ...], ...]
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """The parts of an OSV record the audit needs."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: str
    published: str
    withdrawn: str | None
    affected: tuple[Affected, ...]

    def packages(self) -> frozenset[str]:
        """Canonical names of the PyPI packages this record affects."""
        return frozenset(a.package for a in self.affected)


@dataclass(frozen=True)
class Match:
    """``version`` is affected by the record; ``fixed`` lists every fixed version."""

    record: Record
    fixed: tuple[str, ...]


@dataclass(frozen=True)
class Indeterminate:
    """The record's ranges cannot be evaluated for this version."""

    record: Record
    reason: str


class RecordError(ValueError):
    """A mapping is not a usable OSV record."""


_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
# How YAML spells "no value"; BaseLoader keeps them as strings (JSON null arrives as None).
_YAML_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_EVALUATED_RANGES = frozenset({"ECOSYSTEM", "SEMVER"})
_COMMIT_RANGES = frozenset({"GIT"})


def parse_record(data: object) -> Record:
    """Build a :class:`Record` from a decoded YAML/JSON mapping.

    Raises :class:`RecordError` when required fields are missing or malformed.
    """
    if not isinstance(data, dict):
        raise RecordError("an OSV record must be a mapping")
    record_id = data.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise RecordError("missing 'id'")
    affected_raw = data.get("affected", [])
    if not isinstance(affected_raw, list):
        raise RecordError(f"{record_id}: 'affected' must be a list")
    affected = tuple(a for a in (_affected(entry, record_id) for entry in affected_raw) if a is not None)
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise RecordError(f"{record_id}: 'aliases' must be a list")
    summary = data.get("summary") or data.get("details") or ""
    withdrawn = _withdrawn(data.get("withdrawn"), record_id)
    if withdrawn is None:
        for entry in affected:
            if not entry.ranges and not entry.versions:
                msg = (
                    f"{record_id}: the entry for {entry.package} has neither an ECOSYSTEM range "
                    "nor 'versions', so the versions it affects cannot be evaluated"
                )
                raise RecordError(msg)
    return Record(
        id=record_id,
        aliases=tuple(str(a) for a in aliases),
        summary=" ".join(str(summary).split())[:300],
        modified=_text(data.get("modified")),
        published=_text(data.get("published")),
        withdrawn=withdrawn,
        affected=affected,
    )


def parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (``None`` when empty or malformed)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def match(record: Record, package: str, version: str) -> Match | Indeterminate | None:
    """Whether ``package==version`` is affected by *record* (``None``: not affected).

    Withdrawn records never match.
    """
    if record.withdrawn is not None:
        return None
    name = canonicalize_name(package)
    entries = [a for a in record.affected if a.package == name]
    if not entries:
        return None
    fixed = tuple(
        sorted({e.version for a in entries for r in a.ranges for e in r if e.kind == "fixed"}, key=_sort_key)
    )
    for entry in entries:
        if _in_versions(version, entry.versions):
            return Match(record, fixed)
        for events in entry.ranges:
            verdict = range_contains(events, version)
            if isinstance(verdict, str):
                return Indeterminate(record, verdict)
            if verdict:
                return Match(record, fixed)
    return None


def range_contains(events: tuple[Event, ...], version: str) -> bool | str:
    """Evaluate one ECOSYSTEM range for *version*; a string explains why it cannot."""
    try:
        target = Version(version)
    except InvalidVersion:
        return f"version {version!r} is not PEP 440, so the range cannot be evaluated"
    ordered: list[tuple[Version | None, Event]] = []
    for event in events:
        bound = _event_version(event)
        if isinstance(bound, str):
            return bound
        ordered.append((bound, event))
    # "0" first; at one version, "introduced" before "fixed"/"last_affected" (spec order).
    ordered.sort(
        key=lambda item: (item[0] is not None, item[0] or Version("0"), item[1].kind != "introduced")
    )
    affected = False
    for bound, event in ordered:
        if event.kind == "introduced":
            affected = affected or bound is None or target >= bound
        elif bound is not None and _closes(event.kind, bound, target):
            affected = False
    return affected


def _event_version(event: Event) -> Version | str | None:
    """The event's version; ``None`` for ``introduced: "0"``; a string explains an invalid one."""
    if event.kind == "introduced" and event.version == "0":
        return None
    try:
        return Version(event.version)
    except InvalidVersion:
        return f"range event {event.kind}={event.version!r} is not a PEP 440 version"


def _closes(kind: str, bound: Version, target: Version) -> bool:
    """Whether a ``fixed`` / ``last_affected`` / ``limit`` event at *bound* ends the range before *target*."""
    if kind == "last_affected":
        return target > bound
    return target >= bound


def served_record(record: Record, package: str) -> dict[str, Any]:
    """The JSON an OSV ``/v1/query`` answer carries for *record*, shaped for pip-audit.

    pip-audit reads the fix versions from the *first* ECOSYSTEM range of the
    entry whose package name equals the canonical name, so the entries for
    *package* are folded into one range holding all their events, under the
    canonical name.
    """
    name = canonicalize_name(package)
    events = [{e.kind: e.version} for a in record.affected if a.package == name for r in a.ranges for e in r]
    body: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": record.id,
        "aliases": list(record.aliases),
        "summary": record.summary,
        "modified": record.modified,
        "affected": [
            {
                "package": {"ecosystem": ECOSYSTEM, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }
    if record.published:
        body["published"] = record.published
    return body


def record_to_json(record: Record) -> dict[str, Any]:
    """A compact, lossless (for this module) JSON form, for the index cache."""
    return {
        "id": record.id,
        "aliases": list(record.aliases),
        "summary": record.summary,
        "modified": record.modified,
        "published": record.published,
        "withdrawn": record.withdrawn,
        "affected": [
            {
                "package": a.package,
                "ranges": [[[e.kind, e.version] for e in r] for r in a.ranges],
                "versions": list(a.versions),
            }
            for a in record.affected
        ],
    }


def record_from_json(data: dict[str, Any]) -> Record:
    """Inverse of :func:`record_to_json`."""
    return Record(
        id=data["id"],
        aliases=tuple(data["aliases"]),
        summary=data["summary"],
        modified=data["modified"],
        published=data["published"],
        withdrawn=data["withdrawn"],
        affected=tuple(
            Affected(
                package=a["package"],
                ranges=tuple(tuple(Event(k, v) for k, v in r) for r in a["ranges"]),
                versions=tuple(a["versions"]),
            )
            for a in data["affected"]
        ),
    )


def _affected(entry: object, record_id: str) -> Affected | None:
    if not isinstance(entry, dict):
        raise RecordError(f"{record_id}: an 'affected' entry must be a mapping")
    package = entry.get("package")
    if not isinstance(package, dict):
        raise RecordError(f"{record_id}: 'affected[].package' is missing")
    ecosystem = package.get("ecosystem")
    if not isinstance(ecosystem, str) or not ecosystem:
        raise RecordError(f"{record_id}: 'affected[].package.ecosystem' is missing")
    if ecosystem != ECOSYSTEM:
        if ecosystem.split(":")[0].strip().casefold() == ECOSYSTEM.casefold():
            msg = (
                f"{record_id}: ecosystem {ecosystem!r} is not OSV's {ECOSYSTEM!r} "
                "(OSV ecosystem names are case-sensitive)"
            )
            raise RecordError(msg)
        return None  # another ecosystem's package: not ours to evaluate
    name = package.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RecordError(f"{record_id}: a {ECOSYSTEM} entry has no package 'name'")
    raw_ranges = entry.get("ranges") or []
    if not isinstance(raw_ranges, list):
        raise RecordError(f"{record_id}: 'ranges' must be a list")
    ranges = tuple(r for r in (_range(raw, record_id) for raw in raw_ranges) if r is not None)
    versions = entry.get("versions") or []
    if not isinstance(versions, list):
        raise RecordError(f"{record_id}: 'versions' must be a list")
    return Affected(canonicalize_name(name), ranges, tuple(str(v) for v in versions))


def _range(raw: object, record_id: str) -> tuple[Event, ...] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise RecordError(f"{record_id}: a range must have a list of 'events'")
    kind = raw.get("type")
    if kind in _COMMIT_RANGES:
        return None  # GIT ranges name commits, not releases; 'versions' lists the releases
    if kind not in _EVALUATED_RANGES:
        raise RecordError(f"{record_id}: unknown range type {kind!r} (expected ECOSYSTEM, SEMVER or GIT)")
    events = []
    for event in raw["events"]:
        if not isinstance(event, dict) or len(event) != 1:
            raise RecordError(f"{record_id}: a range event must have exactly one key")
        ((event_kind, value),) = event.items()
        if event_kind not in _EVENT_KINDS:
            raise RecordError(f"{record_id}: unknown range event {event_kind!r}")
        events.append(Event(event_kind, str(value)))
    if not any(e.kind == "introduced" for e in events):
        msg = f"{record_id}: an {kind} range has no 'introduced' event, so where it starts is unknown"
        raise RecordError(msg)
    return tuple(events)


def _withdrawn(value: object, record_id: str) -> str | None:
    """``None`` unless the record is withdrawn; an unreadable timestamp is refused, not guessed."""
    if value is None or (isinstance(value, str) and value.strip() in _YAML_NULLS):
        return None
    text = _text(value)
    if parse_timestamp(text) is None:
        msg = f"{record_id}: withdrawn = {text!r} is not an RFC 3339 timestamp"
        raise RecordError(msg)
    return text


def _in_versions(version: str, versions: tuple[str, ...]) -> bool:
    if version in versions:
        return True
    target = _parse(version)
    return target is not None and any(_parse(listed) == target for listed in versions)


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _sort_key(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
