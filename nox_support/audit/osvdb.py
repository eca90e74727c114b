"""An offline OSV database: a directory of OSV records (YAML or JSON).

The layout of the PyPA advisory database (``vulns/<package>/<ID>.yaml``) and
of OSV's per-ecosystem exports (flat ``*.json``) both work; when the
directory has a ``vulns/`` folder, only that folder is read.  Record files
end in ``.yaml``, ``.yml`` or ``.json`` in any case; symlinked
sub-directories are followed (a symlink loop is an error).  Nothing is
dropped silently: a record that cannot be read correctly makes the whole
database unusable (:class:`DatabaseError`, naming the files), and the
identity counts what was read, what is withdrawn, what belongs to other
ecosystems and which other files were ignored.

Loading thousands of YAML files takes a second, so the parsed index is cached
under ``.nox/nox-support/osv-db/`` keyed by the database's *content* digest.
Finding that digest without reading every file again uses a quick key over
file names, sizes and modification times; a changed quick key re-hashes the
content (and reuses the index when the content did not change).  Within one
Nox run the identity is computed once per database directory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISREG
from typing import Any

import yaml
from packaging.utils import canonicalize_name

from nox_support.audit import osv
from nox_support.audit.sources.interface import SourceUnavailableError
from nox_support.core import atomic, repofiles

CACHE_DIR = Path(".nox") / "nox-support" / "osv-db"
INDEX_FORMAT = 2
"""2: ``withdrawn: null`` is read as not withdrawn; identities count withdrawn/other records."""
_SUFFIXES = (".yaml", ".yml", ".json")
_MAX_LISTED_ERRORS = 5


class DatabaseError(SourceUnavailableError):
    """The offline database is missing, empty or has unreadable records."""


@dataclass(frozen=True)
class DatabaseIdentity:
    """Which database this is, by content."""

    path: Path
    content: str
    """sha256 over every record file's relative name and bytes."""
    records: int
    newest: str
    """The newest ``modified`` timestamp of any record (the database's age)."""
    withdrawn: int = 0
    """Records read and marked withdrawn (they never match)."""
    other_ecosystems: int = 0
    """Records read that affect no PyPI package."""
    ignored_files: tuple[str, ...] = ()
    """Files under the record root that are not YAML/JSON records (README, LICENSE ...)."""

    def age_days(self, now: datetime | None = None) -> float | None:
        """Days since the newest record was modified (``None`` when unknown)."""
        newest = parse_timestamp(self.newest)
        if newest is None:
            return None
        return ((now or datetime.now(timezone.utc)) - newest).total_seconds() / 86400


@dataclass(frozen=True)
class Answer:
    """The records affecting one ``name==version``, and the ones that cannot be evaluated."""

    matches: tuple[osv.Match, ...]
    indeterminate: tuple[osv.Indeterminate, ...]


class Index:
    """Records by canonical package name, queryable by version."""

    def __init__(self, identity: DatabaseIdentity, records: dict[str, list[osv.Record]]) -> None:
        """Wrap parsed *records* (canonical package name -> records affecting it)."""
        self.identity = identity
        self._records = records

    def query(self, package: str, version: str) -> Answer:
        """Every record affecting ``package==version``."""
        matches: list[osv.Match] = []
        indeterminate: list[osv.Indeterminate] = []
        for record in self._records.get(canonicalize_name(package), ()):
            result = osv.match(record, package, version)
            if isinstance(result, osv.Match):
                matches.append(result)
            elif isinstance(result, osv.Indeterminate):
                indeterminate.append(result)
        return Answer(tuple(matches), tuple(indeterminate))

    def records(self) -> dict[str, list[osv.Record]]:
        """Canonical package name -> records affecting it."""
        return self._records


def record_root(path: Path) -> Path:
    """The directory holding the records (``<path>/vulns`` when it exists)."""
    return path / "vulns" if (path / "vulns").is_dir() else path


def identify(path: Path, cache_root: Path) -> DatabaseIdentity:
    """The identity of the database at *path* (memoised per process and per directory)."""
    return _identify(path.resolve(), cache_root.resolve())


@functools.cache
def _identify(path: Path, cache_root: Path) -> DatabaseIdentity:
    files, ignored = _record_files(path)
    quick = _quick_key(files)
    cached = _read_json(cache_root / CACHE_DIR / f"id-{quick}.json")
    if cached is not None and cached.get("path") == str(path) and cached.get("format") == INDEX_FORMAT:
        try:
            return DatabaseIdentity(
                path,
                str(cached["content"]),
                int(cached["records"]),
                str(cached["newest"]),
                int(cached["withdrawn"]),
                int(cached["other_ecosystems"]),
                tuple(str(f) for f in cached["ignored_files"]),
            )
        except (KeyError, TypeError, ValueError):
            pass
    index = _build_index(path, files, ignored)
    _store(cache_root, quick, index)
    return index.identity


def load(path: Path, cache_root: Path) -> Index:
    """The parsed index of the database at *path* (from the cache when its content is known).

    Memoised per process by content: one Nox run audits many services against the same database.
    """
    identity = identify(path, cache_root)
    return _load(path, cache_root.resolve(), identity)


@functools.cache
def _load(path: Path, cache_root: Path, identity: DatabaseIdentity) -> Index:
    data = _read_json(cache_root / CACHE_DIR / f"index-{identity.content}.json")
    if data is not None and data.get("format") == INDEX_FORMAT:
        try:
            records = {
                name: [osv.record_from_json(r) for r in items] for name, items in data["records"].items()
            }
        except (KeyError, TypeError, ValueError):
            records = None
        if records is not None:
            return Index(identity, records)
    path = path.resolve()
    files, ignored = _record_files(path)
    index = _build_index(path, files, ignored)
    _store(cache_root, _quick_key(files), index)
    return index


parse_timestamp = osv.parse_timestamp


def _record_files(path: Path) -> tuple[list[tuple[str, Path, os.stat_result]], tuple[str, ...]]:
    if not path.is_dir():
        msg = f"offline OSV database {path} is not a directory"
        raise DatabaseError(
            msg, hint="set NOX_SUPPORT_OSV_DB to a directory of OSV records (e.g. advisory-db)"
        )
    root = record_root(path)
    files: list[tuple[str, Path, os.stat_result]] = []
    ignored: list[str] = []
    # Each real directory is read once, however many links lead to it: links between two
    # directories would otherwise count every record again on each path (and four never end).
    seen = {_real_directory(root)}
    for directory, dirnames, filenames in os.walk(root, followlinks=True):
        _refuse_symlink_loops(path, Path(directory), dirnames)
        dirnames[:] = _unseen(Path(directory), sorted(d for d in dirnames if not d.startswith(".")), seen)
        for name in sorted(filenames):
            full = Path(directory) / name
            if name.startswith("."):
                continue
            if not name.lower().endswith(_SUFFIXES):
                ignored.append(full.relative_to(root).as_posix())
                continue
            try:
                stat = full.stat()
            except OSError as exc:
                msg = f"offline OSV database {path}: cannot read {full}: {exc}"
                raise DatabaseError(msg) from exc
            if not S_ISREG(stat.st_mode):
                msg = f"offline OSV database {path}: {full} is {repofiles.file_kind(stat.st_mode)}"
                raise DatabaseError(msg, hint="remove it; a record is a regular file")
            files.append((full.relative_to(root).as_posix(), full, stat))
    if not files:
        msg = f"offline OSV database {path} holds no OSV records (*.yaml, *.yml, *.json)"
        raise DatabaseError(msg, hint="point NOX_SUPPORT_OSV_DB at a checkout of the advisory database")
    return files, tuple(ignored)


def _real_directory(directory: Path) -> tuple[int, int]:
    status = directory.stat()
    return status.st_dev, status.st_ino


def _unseen(directory: Path, names: list[str], seen: set[tuple[int, int]]) -> list[str]:
    """The sub-directories of *directory* whose real directory the walk has not reached yet."""
    kept = []
    for name in names:
        try:
            real = _real_directory(directory / name)
        except OSError:
            continue  # a dangling link: os.walk would not descend either
        if real not in seen:
            seen.add(real)
            kept.append(name)
    return kept


def _refuse_symlink_loops(path: Path, directory: Path, dirnames: list[str]) -> None:
    """A symlinked sub-directory is read like any other, unless it leads back to an ancestor."""
    here = directory.resolve()
    for name in dirnames:
        link = directory / name
        if not link.is_symlink():
            continue
        target = link.resolve()
        if target == here or target in here.parents:
            msg = f"offline OSV database {path}: {link} is a symlink loop (it leads back to {target})"
            raise DatabaseError(msg, hint="remove the link; an audit must read every record exactly once")


def _quick_key(files: list[tuple[str, Path, os.stat_result]]) -> str:
    digest = hashlib.sha256()
    for name, _, stat in files:
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def _build_index(
    path: Path, files: list[tuple[str, Path, os.stat_result]], ignored: tuple[str, ...]
) -> Index:
    content = hashlib.sha256()
    by_package: dict[str, list[osv.Record]] = {}
    errors: list[str] = []
    newest = ""
    withdrawn = 0
    other_ecosystems = 0
    for name, full, _ in files:
        try:
            data = full.read_bytes()
        except OSError as exc:
            errors.append(f"{name}: {exc}")
            continue
        content.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        try:
            record = osv.parse_record(_decode(name, data))
        except (osv.RecordError, ValueError, yaml.YAMLError) as exc:
            errors.append(f"{name}: {' '.join(str(exc).split())[:200]}")
            continue
        newest = max(newest, _normalised(record.modified))
        withdrawn += record.withdrawn is not None
        other_ecosystems += not record.affected
        for package in record.packages():
            by_package.setdefault(package, []).append(record)
    if errors:
        shown = "\n  ".join(errors[:_MAX_LISTED_ERRORS])
        more = (
            f"\n  ... and {len(errors) - _MAX_LISTED_ERRORS} more" if len(errors) > _MAX_LISTED_ERRORS else ""
        )
        msg = f"offline OSV database {path}: {len(errors)} unreadable record(s):\n  {shown}{more}"
        raise DatabaseError(msg, hint="fix or remove those files; an audit cannot tell without them")
    identity = DatabaseIdentity(
        path, content.hexdigest(), len(files), newest, withdrawn, other_ecosystems, ignored
    )
    return Index(identity, by_package)


def _decode(name: str, data: bytes) -> object:
    if name.lower().endswith(".json"):
        return json.loads(data)
    # BaseLoader keeps every scalar a string: "1.10" must not become the float 1.1.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    return yaml.load(data, Loader=loader)  # noqa: S506 - BaseLoader builds only str/list/dict


def _normalised(timestamp: str) -> str:
    parsed = parse_timestamp(timestamp)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else ""


def _store(cache_root: Path, quick: str, index: Index) -> None:
    directory = cache_root / CACHE_DIR
    identity = index.identity
    records = {name: [osv.record_to_json(r) for r in items] for name, items in index.records().items()}
    try:
        _write_json(
            directory / f"index-{identity.content}.json", {"format": INDEX_FORMAT, "records": records}
        )
        _write_json(
            directory / f"id-{quick}.json",
            {
                "format": INDEX_FORMAT,
                "path": str(identity.path),
                "content": identity.content,
                "records": identity.records,
                "newest": identity.newest,
                "withdrawn": identity.withdrawn,
                "other_ecosystems": identity.other_ecosystems,
                "ignored_files": list(identity.ignored_files),
            },
        )
    except OSError:
        # Only a speed-up: the database was read in full, the next run reads it again.  The
        # atomic writer leaves no half-written entry behind (disk full, read-only .nox).
        return


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, json.dumps(data, separators=(",", ":")))
