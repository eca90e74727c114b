"""The lock model: what a lock nox-support writes holds, and why a lock cannot be used (pure values).

A lock is read once, by :func:`nox_support.lock.grammar.read_lock`, into a :class:`ParsedLock`
or one of the problem variants below; every reader (freshness, lock, the venv sync behind
audit, tests, sbom and licenses, drift, conflicts) works on these values, never on the raw
lines.  Its local packages file is read into a :class:`LocalFile` the same way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from nox_support.lock.digest import RecordedLine

_INPUT_FILE_PREFIXES = ("-r ", "-c ")


@dataclass(frozen=True)
class LockedPackage:
    """``name[extras]==version [; marker]`` in a lock, with its hashes and ``# via`` annotations."""

    name: str
    """The canonical name (PEP 503)."""
    version: str
    line: int
    hashes: tuple[str, ...] = ()
    """``sha256:<64 hex>`` each, as the lock writes them after ``--hash=``."""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    via: tuple[str, ...] = ()
    """What pulled it in, as the lock's ``# via`` comments say (``-r requirements.in``, ``beta``)."""

    @property
    def requirement(self) -> str:
        """The requirement as an installer reads it: ``name[extras]==version ; marker``."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        marker = f" ; {self.marker}" if self.marker else ""
        return f"{self.name}{extras}=={self.version}{marker}"

    @property
    def direct(self) -> bool:
        """The lock says a ``-r``/``-c`` input file asked for it (or it names no reason)."""
        return not self.via or any(parent.startswith(_INPUT_FILE_PREFIXES) for parent in self.via)

    @property
    def parents(self) -> tuple[str, ...]:
        """The packages that pulled it in (not the input files)."""
        return tuple(p for p in self.via if not p.startswith(_INPUT_FILE_PREFIXES))


@dataclass(frozen=True)
class LocalEntry:
    """One local package of a local packages file: a path relative to the lock's directory."""

    path: str
    """As written, without extras (``../../libs/common``)."""
    extras: tuple[str, ...]
    editable: bool
    line: int


@dataclass(frozen=True)
class ParsedLock:
    """A lock that follows the lock grammar and whose body matches its digest line."""

    path: str
    """The lock as shown in messages (relative to the repository root)."""
    recorded: RecordedLine
    digest_line: str
    local_file: str | None
    """The local packages file the lock names (``requirements.local.txt``), if any."""
    text: str
    pins: Callable[[str], tuple[LockedPackage, ...]] = field(repr=False, compare=False)
    """Reads the pins of ``text``, which has been checked against the lock's grammar."""

    @functools.cached_property
    def packages(self) -> tuple[LockedPackage, ...]:
        """The pins, read from ``text`` when first asked for (a no-op ``freshness`` never asks)."""
        return self.pins(self.text)

    def package(self, name: str) -> LockedPackage | None:
        """The pin of *name* (canonical), if the lock has one."""
        return next((p for p in self.packages if p.name == name), None)


@dataclass(frozen=True)
class LocalFile:
    """A local packages file that follows its grammar and is the one its lock's digest names."""

    path: str
    entries: tuple[LocalEntry, ...]


# --- Why a lock cannot be used ---------------------------------------------------------------


@dataclass(frozen=True)
class LockMissing:
    """No file at the lock's path."""


@dataclass(frozen=True)
class LockDirectory:
    """A directory sits at the lock's path."""


@dataclass(frozen=True)
class LockUnreadable:
    """The file cannot be read as a lock (not UTF-8, permissions)."""

    reason: str


@dataclass(frozen=True)
class LockUnmarked:
    """The file has no usable digest line (empty, written by another tool, older format)."""

    reason: str
    text: str = ""


@dataclass(frozen=True)
class OffGrammar:
    """A line that is not part of the grammar of the file nox-support writes there."""

    line: int
    excerpt: str
    """The start of the line, redacted and escaped (safe to print)."""
    reason: str


@dataclass(frozen=True)
class LockOffGrammar:
    """The lock holds a line its grammar does not allow: unusable, whatever its digest says."""

    recorded: RecordedLine
    problem: OffGrammar


@dataclass(frozen=True)
class LockAltered:
    """The lock follows the grammar but its lines changed after nox-support wrote them."""

    recorded: RecordedLine


TextProblem = LockUnmarked | LockOffGrammar | LockAltered
"""Why a lock's text cannot be used (:func:`~nox_support.lock.grammar.read_lock`)."""

LockProblem = LockMissing | LockDirectory | LockUnreadable | TextProblem
"""Why a lock file cannot be used."""


def describe_off_grammar(problem: OffGrammar, what: str = "lock") -> str:
    """``line 11 is outside the lock grammar (an option: '--index-url ...')`` (pure)."""
    return f"line {problem.line} is outside the {what} grammar ({problem.reason}: {problem.excerpt})"


def describe_problem(problem: LockProblem) -> str:
    """What is wrong with a lock, in words that follow its name (pure)."""
    match problem:
        case LockMissing():
            return "is missing"
        case LockDirectory():
            return "is a directory, not a lock file"
        case LockUnreadable(reason=reason) | LockUnmarked(reason=reason):
            return reason
        case LockOffGrammar(problem=off):
            return describe_off_grammar(off)
        case LockAltered():
            return "was edited after nox-support wrote it (its lines no longer match the body digest)"
