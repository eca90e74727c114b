"""Checking a venv's files against the RECORD of each installed distribution.

A venv restored from a cache (CI's ``actions/cache``) may be corrupted or
poisoned.  At sync time the stamp keeps the sha256 of every ``RECORD`` and of
every file in ``site-packages`` that no RECORD hashes (``_virtualenv.pth``,
files a RECORD lists without a hash); see :func:`fingerprint`.  When the venv
is reused, :func:`verify` re-hashes every file against its RECORD entry (hash
and size), every RECORD against the stamp, and looks for files nobody listed.
Byte-code caches (``__pycache__/*.pyc``) that no RECORD hashes are deleted
rather than trusted: Python rebuilds them.

Hashing every file costs tens of milliseconds per venv, too much for the
no-op path.  It runs only when the venv is not the one this machine last
synced or verified: :func:`mark_verified` writes ``nox-support-verified`` with
the device, inode and ctime (ns) of the stamp file.  Unpacking a cache
creates new inodes and ctimes (no archive can set a ctime), so a restored or
copied venv never matches and is verified once.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from nox_support.core import atomic
from nox_support.venv.inspect import contents

MARKER_NAME = "nox-support-verified"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RecordEntry:
    """One hashed line of a RECORD: path relative to ``site-packages``, sha256 (hex), size."""

    path: str
    sha256: str
    size: int | None


@dataclass(frozen=True)
class Fingerprint:
    """What the stamp keeps to verify a venv later (see :func:`fingerprint`)."""

    records: tuple[tuple[str, str], ...]
    """(``*.dist-info`` name, sha256 of its RECORD) per distribution."""
    unlisted: tuple[tuple[str, str], ...]
    """(path relative to ``site-packages``, sha256) of files no RECORD hashes."""


def parse_record(text: str) -> tuple[tuple[RecordEntry, ...], tuple[str, ...]]:
    """The hashed entries of a RECORD and the paths it lists without a (sha256) hash (pure)."""
    hashed: list[RecordEntry] = []
    bare: list[str] = []
    for row in csv.reader(text.splitlines()):
        if not row or not row[0]:
            continue
        path, digest, size = (*row, "", "")[:3]
        algorithm, _, encoded = digest.partition("=")
        if algorithm != "sha256" or not encoded:
            bare.append(path)
            continue
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        hashed.append(RecordEntry(path, raw.hex(), int(size) if size.isdigit() else None))
    return tuple(hashed), tuple(bare)


def fingerprint(site: Path) -> Fingerprint:
    """Digest every RECORD in *site* and every file none of them hashes."""
    records: list[tuple[str, str]] = []
    listed: set[str] = set()
    for name in contents(site):
        record = site / name / "RECORD"
        data = _read(record)
        records.append((name, "missing" if data is None else hashlib.sha256(data).hexdigest()))
        if data is not None:
            entries, _ = parse_record(data.decode("utf-8", "replace"))
            listed.update(_relative(site, e.path) for e in entries)
            listed.add(_relative(site, f"{name}/RECORD"))
    unlisted = [
        (path, _sha256(site / path)) for path in _walk(site) if path not in listed and not _is_bytecode(path)
    ]
    return Fingerprint(tuple(records), tuple(sorted(unlisted)))


def listed_paths(location: Path, site: Path) -> frozenset[str]:
    """Every path a RECORD in *site* lists (hashed or not), relative to the venv at *location*."""
    listed: set[str] = set()
    for name in contents(site):
        data = _read(site / name / "RECORD")
        if data is None:
            continue
        entries, bare = parse_record(data.decode("utf-8", "replace"))
        for path in (*bare, *(e.path for e in entries), f"{name}/RECORD"):
            full = Path(os.path.normpath(site / path))
            if full.is_relative_to(location):
                listed.add(full.relative_to(location).as_posix())
    return frozenset(listed)


def verify(location: Path, site: Path, expected: Fingerprint) -> tuple[str, ...]:
    """What differs between the venv's files and *expected* (empty: intact)."""
    problems: list[str] = []
    found = set(contents(site))
    wanted = dict(expected.records)
    problems += [f"{name} was added" for name in sorted(found - wanted.keys())]
    problems += [f"{name} is missing" for name in sorted(wanted.keys() - found)]
    listed: set[str] = set()
    for name, digest in expected.records:
        if name in found:
            problems += _check_distribution(location, site, name, digest, listed)
    unlisted = dict(expected.unlisted)
    for path in _walk(site):
        if path in listed:
            continue
        if path in unlisted:
            if _sha256(site / path) != unlisted.pop(path):
                problems.append(f"{path} changed")
        elif _is_bytecode(path):
            (site / path).unlink(missing_ok=True)  # never trust byte code no RECORD hashes
        else:
            problems.append(f"{path} is not part of any installed distribution")
    problems += [f"{path} is missing" for path in sorted(unlisted)]
    return tuple(problems)


def is_marked(location: Path, stamp: Path) -> bool:
    """Whether this machine synced or verified the venv since its stamp was written."""
    try:
        return (location / MARKER_NAME).read_text(encoding="utf-8") == _identity(stamp)
    except OSError:
        return False


def mark_verified(location: Path, stamp: Path) -> None:
    """Remember that the venv whose stamp is *stamp* was synced or verified here."""
    atomic.write_text(location / MARKER_NAME, _identity(stamp))


def _identity(stamp: Path) -> str:
    stat = stamp.stat()
    return f"{stat.st_dev} {stat.st_ino} {stat.st_ctime_ns}\n"


def _check_distribution(location: Path, site: Path, name: str, digest: str, listed: set[str]) -> list[str]:
    """Check one distribution's RECORD and files; add the paths it hashes to *listed*."""
    data = _read(site / name / "RECORD")
    if data is None:
        return [] if digest == "missing" else [f"{name}/RECORD is missing"]
    listed.add(_relative(site, f"{name}/RECORD"))
    entries, bare = parse_record(data.decode("utf-8", "replace"))
    if hashlib.sha256(data).hexdigest() != digest:
        listed.update(_relative(site, path) for path in (*bare, *(e.path for e in entries)))
        return [f"{name}/RECORD changed"]  # one problem, not one per file it names
    problems = []
    for entry in entries:
        listed.add(_relative(site, entry.path))
        problem = _check_entry(location, site, entry)
        if problem is not None:
            problems.append(f"{name}: {problem}")
    return problems


def _check_entry(location: Path, site: Path, entry: RecordEntry) -> str | None:
    target = Path(os.path.normpath(site / entry.path))
    if not target.is_relative_to(location):
        return f"RECORD names {entry.path}, outside the venv"
    try:
        size = target.stat().st_size
    except OSError:
        return f"{entry.path} is missing"
    if entry.size is not None and size != entry.size:
        return f"{entry.path} has {size} bytes, RECORD says {entry.size}"
    if _sha256(target) != entry.sha256:
        return f"{entry.path} does not match its RECORD hash"
    return None


def _walk(site: Path) -> list[str]:
    files: list[str] = []
    for directory, dirnames, filenames in os.walk(site):
        dirnames.sort()
        base = Path(directory).relative_to(site)
        files += [(base / name).as_posix() for name in sorted(filenames)]
        files += [(base / d).as_posix() for d in dirnames if Path(directory, d).is_symlink()]
    return files


def _relative(site: Path, path: str) -> str:
    """*path* (from a RECORD, relative to *site*) normalized and relative to *site*, POSIX-style."""
    if os.sep == "/" and not path.startswith("/"):
        # What the general formula gives for a relative path on POSIX, without pathlib: a RECORD
        # of a large venv lists thousands of paths, and every audit venv's stamp reads them all.
        return posixpath.normpath(path)
    return _relative_general(site, path)


def _relative_general(site: Path, path: str) -> str:
    return Path(os.path.relpath(os.path.normpath(site / path), site)).as_posix()


def _is_bytecode(path: str) -> bool:
    parts = path.split("/")
    return len(parts) > 1 and parts[-2] == "__pycache__" and parts[-1].endswith(".pyc")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return "unreadable"
    return digest.hexdigest()
