"""Remembering which locks were proven fresh, so that a no-op ``nox -s freshness`` reads nothing.

A lock proven fresh is remembered with its context (service, layer, target Python, compiler
and settings, as :func:`context_digest`) and the state of every path its check read or
looked for (:mod:`~nox_support.lock.evidence`).  The next run takes the verdict without reading
the lock or its inputs while all of them are unchanged, and checks in full otherwise.

The memory is one JSON file per repository in the user's own cache
(:func:`~nox_support.core.usercache.private_directory`), never in the repository or ``.nox/``,
which CI restores from shared caches: a file planted there would vouch for a lock no check
read.  It is read against its grammar (:func:`parse`) and ignored whole when anything in it is
off; an entry proves nothing anyway on a machine or a clone other than the one that wrote it
(inodes and change times differ).  Only ``nox -s freshness`` uses it; what syncs a venv checks
the lock in full.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nox_support.core import atomic, usercache
from nox_support.core.paths import is_within, real_path
from nox_support.core.repofiles import open_regular, read_at_most
from nox_support.lock import evidence

FORMAT = "nox-support freshness cache 1"
MAX_BYTES = 64 * 1024 * 1024
"""The largest cache file read (about 60 bytes per path: a million paths)."""
DISABLE = "NOX_SUPPORT_NO_CACHE"
"""Set (to anything but an empty string) to check every lock in full."""

_HEX = re.compile(r"[0-9a-f]{64}")
_RELATIVE = r"(?:(?!\.\.?/)[^/\x00\n]+/)*(?!\.\.?(?:\n|\Z))[^/\x00\n]+"
"""A normalized relative path below the root: no empty, ``.`` or ``..`` component, no NUL or newline."""
_RELATIVES = re.compile(f"(?:{_RELATIVE}\n)*{_RELATIVE}")


@dataclass(frozen=True)
class Entry:
    """A lock proven fresh: its context, and the paths (relative to the root) its proof rests on."""

    context: str
    paths: frozenset[str]


@dataclass(frozen=True)
class Document:
    """The cache of one repository, as stored."""

    code: str
    root: str
    keys: Mapping[str, evidence.Key]
    locks: Mapping[str, Entry]


def context_digest(*parts: str | None) -> str:
    """The sha256 of *parts*, each a string without NUL or ``None`` (pure)."""
    text = "\0".join("\1" if part is None else part for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def code_fingerprint(package: Path | None = None) -> str:
    """What the verdicts depend on besides the repository: this nox-support and its Python.

    The state (inode, size, modification and change times) of each module of *package*
    (nox-support's own by default: an edited checkout or a reinstall is another program), the
    Python version and the ``packaging`` release that parses requirements.
    """
    import packaging  # noqa: PLC0415 - only for its version

    package = package or Path(__file__).resolve().parent.parent
    parts: list[object] = [FORMAT, sys.version, packaging.__version__]
    pending = [os.fspath(package)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    pending.append(entry.path)
                elif entry.name.endswith((".py", ".pyc", ".so", ".pyd")):
                    status = entry.stat(follow_symlinks=False)
                    parts.append([entry.path, *evidence.key_of(status)])
    return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogateescape")).hexdigest()


def parse(data: bytes, *, code: str, root: str) -> Document | None:
    """The cache in *data* if it follows the grammar and was written for *code* and *root* (pure).

    Anything else, a hand edit, another format or another program's file, gives ``None``.  The
    grammar: ``paths`` a list of distinct :data:`_RELATIVE` paths, ``keys`` one
    :data:`~nox_support.lock.evidence.Key` per path, ``locks`` a :data:`_RELATIVE` lock path to
    a context digest and a non-empty list of indices into ``paths``.
    """
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None
    if type(raw) is not dict or raw.keys() != {"format", "code", "root", "paths", "keys", "locks"}:
        return None
    if raw["format"] != FORMAT or raw["code"] != code or raw["root"] != root:
        return None
    names, keys, locks = raw["paths"], raw["keys"], raw["locks"]
    if not (_names(names) and len(set(names)) == len(names) and _keys(keys, len(names))):
        return None
    if type(locks) is not dict or not _names(list(locks)):
        return None
    entries: dict[str, Entry] = {}
    for lock, value in locks.items():
        match value:
            case [str() as context, list() as indices] if _HEX.fullmatch(context) and _indices(
                indices, len(names)
            ):
                entries[lock] = Entry(context, frozenset(map(names.__getitem__, indices)))
            case _:
                return None
    return Document(code, root, dict(zip(names, map(tuple, keys), strict=True)), entries)


def dump(document: Document) -> bytes:
    """*document* as stored (pure): the inverse of :func:`parse`."""
    names = sorted({path for entry in document.locks.values() for path in entry.paths})
    index = {name: position for position, name in enumerate(names)}
    return json.dumps(
        {
            "format": FORMAT,
            "code": document.code,
            "root": document.root,
            "paths": names,
            "keys": [list(document.keys[name]) for name in names],
            "locks": {
                lock: [entry.context, sorted(index[path] for path in entry.paths)]
                for lock, entry in sorted(document.locks.items())
            },
        },
        separators=(",", ":"),
    ).encode("utf-8")


def _names(value: object) -> bool:
    """Whether *value* is a list of :data:`_RELATIVE` paths (one match over them all)."""
    if type(value) is not list or set(map(type, value)) - {str}:
        return False
    joined = "\n".join(value)
    try:
        joined.encode("utf-8", "surrogateescape")  # a name the filesystem calls can take
    except UnicodeEncodeError:
        return False
    return not value or (joined.count("\n") == len(value) - 1 and _RELATIVES.fullmatch(joined) is not None)


def _keys(value: object, count: int) -> bool:
    """Whether *value* is a list of *count* :data:`~nox_support.lock.evidence.Key` s (as lists)."""
    if type(value) is not list or len(value) != count or set(map(type, value)) - {list}:
        return False
    numbers = list(itertools.chain.from_iterable(value))
    if numbers and (set(map(type, numbers)) != {int} or min(numbers) < 0):
        return False
    shapes = {(key[0] if key else -1, len(key)) for key in value}
    return shapes <= {(0, 1), (1, 1), (evidence.FILE, 6)}


def _indices(value: object, count: int) -> bool:
    """Whether *value* is a non-empty list of indices into a list of *count* paths."""
    return (
        type(value) is list
        and bool(value)
        and set(map(type, value)) == {int}
        and 0 <= min(value) <= max(value) < count
    )


class Memo:
    """One run's use of the cache: verdicts taken while their paths hold, new proofs recorded."""

    def __init__(self, real_root: str, code: str, document: Document | None, *, now_ns: int) -> None:
        self.real_root = real_root
        self.prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
        self.code = code
        self.old = document
        self.now_ns = now_ns
        stored = document.keys if document is not None else {}
        self.recorded = {
            path: key for path, key in stored.items() if evidence.lstat_key(self.prefix + path) == key
        }
        """The key of each path (relative) the stored or new proofs rest on: one per path."""
        self.held = frozenset(self.recorded)
        """The stored paths (relative) as they were, seen before any check of this run."""
        self.kept: dict[str, Entry] = {}
        self.hits: set[str] = set()
        """The locks (relative) whose verdict was taken from :attr:`old`."""
        self.dropped: set[str] = set()
        self.proven = 0

    def _relative(self, path: str) -> str:
        return path[len(self.prefix) :]

    def fresh(self, lock: str, context: str) -> bool:
        """Whether *lock* (a path below the root) was proven fresh in *context* and nothing changed since."""
        name = self._relative(lock)
        entry = self.old.locks.get(name) if self.old is not None else None
        if entry is None:
            return False
        if entry.context == context and entry.paths <= self.held:
            self.kept[name] = entry
            self.hits.add(name)
            return True
        self.dropped.add(name)
        return False

    def prove(self, lock: str, context: str, looked: Iterable[tuple[str, evidence.Key]]) -> bool:
        """Remember *lock* as fresh in *context*, resting on the paths its check *looked* at, if they can.

        *looked* holds each path (absolute) with its state taken before the check read it
        (:class:`~nox_support.lock.evidence.Lookups`): a path changed since (an edit, a deletion
        while the check ran) proves nothing.  Every key is taken now, and must agree with the key
        this run already has for the path (from the stored cache or an earlier proof): a path that
        changed in between proves nothing either.  Nor does a proof that the stored grammar could
        not hold (a time before 1970, a newline in a name).
        """
        looked = tuple(looked)
        keys = evidence.evidence((path for path, _ in looked), self.real_root, now_ns=self.now_ns)
        if keys is None or not evidence.unchanged(looked):
            return False
        relative = {self._relative(path): key for path, key in keys.items()}
        if not (_names(list(relative)) and all(n >= 0 for key in relative.values() for n in key)):
            return False
        if any(self.recorded.get(path, key) != key for path, key in relative.items()):
            return False
        self.recorded.update(relative)
        name = self._relative(lock)
        self.kept[name] = Entry(context, frozenset(relative))
        self.dropped.discard(name)
        self.proven += 1
        return True

    def result(self) -> Document | None:
        """The cache to store, or ``None`` when this run proved nothing new.

        Kept: this run's hits and proofs, and the earlier entries it did not look at whose
        paths it saw unchanged (a run over some services keeps the others').
        """
        if not self.proven:
            return None
        locks = dict(self.kept)
        if self.old is not None:
            for lock, entry in self.old.locks.items():
                if lock not in locks and lock not in self.dropped and entry.paths <= self.held:
                    locks[lock] = entry
        used = frozenset().union(*(entry.paths for entry in locks.values()))
        return Document(
            self.code, self.real_root, {path: self.recorded[path] for path in sorted(used)}, locks
        )


def cache_file(real_root: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the cache of the repository at *real_root* lives, or ``None`` (disabled, or no safe place).

    Never inside the repository (``XDG_CACHE_HOME`` pointed into it): what a repository holds
    must not vouch for itself.
    """
    env = os.environ if environ is None else environ
    if env.get(DISABLE):
        return None
    home = usercache.cache_home(env)
    if home is None or is_within(real_path(home), real_root):
        return None
    directory = usercache.private_directory(home, "freshness")
    if directory is None:
        return None
    return directory / f"{hashlib.sha256(real_root.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}.json"


def load(
    real_root: str, *, now_ns: int, environ: Mapping[str, str] | None = None
) -> tuple[Memo, Path] | None:
    """A memo for a run over the repository at *real_root*, and where to save it (``None``: no cache)."""
    path = cache_file(real_root, environ)
    if path is None or not evidence.trustworthy_filesystem(real_root):
        return None
    try:
        code = code_fingerprint()
    except OSError:  # nox-support not installed as files (a zip): nothing to key the cache on
        return None
    document = None
    try:
        with open_regular(path, follow=False) as handle:
            if usercache.trusted_file(os.fstat(handle.fileno())):
                data = read_at_most(handle, MAX_BYTES + 1)
                if len(data) <= MAX_BYTES:
                    document = parse(data, code=code, root=real_root)
    except OSError:  # missing, a link, a directory: nothing remembered
        pass
    return Memo(real_root, code, document, now_ns=now_ns), path


def save(memo: Memo, path: Path) -> None:
    """Store what *memo* proved (nothing when it proved nothing new); a failure only loses the cache."""
    document = memo.result()
    if document is None:
        return
    with contextlib.suppress(OSError):
        atomic.write_bytes(path, dump(document))
