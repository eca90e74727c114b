"""``nox -s freshness``: prove each committed lock still matches its inputs.

The default check is offline and reads only small files.  ``--deep``
re-resolves into a temporary file (preferring the committed pins) and diffs
the result against the committed lock, which catches hand edits.
"""

from __future__ import annotations

import contextlib
import difflib
from dataclasses import dataclass
from pathlib import Path

from nox_support import digest, lockfile
from nox_support.compile.interface import Compiler, KeepPins
from nox_support.config import Settings
from nox_support.discovery import Layer, Service
from nox_support.errors import NoxSupportError
from nox_support.lock import (
    compile_to,
    current_digest,
    local_file_problem,
    recorded_digest,
    regenerate_command,
    split_local,
)
from nox_support.paths import display_path
from nox_support.posargs import PosargsParser


@dataclass(frozen=True)
class FreshLock:
    """The lock matches its inputs."""

    service: str
    lock: str


@dataclass(frozen=True)
class StaleLock:
    """An input changed since the lock was written."""

    service: str
    lock: str
    changes: tuple[digest.Change, ...]


@dataclass(frozen=True)
class MissingLock:
    """There is no lock file."""

    service: str
    lock: str


@dataclass(frozen=True)
class UnmarkedLock:
    """The lock has no (readable) nox-support digest line."""

    service: str
    lock: str


@dataclass(frozen=True)
class StaleLocalFile:
    """The lock matches its inputs, but its local packages file does not match the lock."""

    service: str
    lock: str
    problem: str


@dataclass(frozen=True)
class DriftedLock:
    """``--deep``: re-resolving gives a different lock (hand edit)."""

    service: str
    lock: str
    diff: str


@dataclass(frozen=True)
class BrokenInputs:
    """The inputs themselves cannot be read; the error says where."""

    service: str
    lock: str
    error: NoxSupportError


Verdict = FreshLock | StaleLock | StaleLocalFile | MissingLock | UnmarkedLock | DriftedLock | BrokenInputs


@dataclass(frozen=True)
class FreshnessArgs:
    """What ``nox -s freshness -- ...`` asked for."""

    deep: bool
    services: tuple[str, ...]


def parse_freshness_args(posargs: list[str] | tuple[str, ...]) -> FreshnessArgs:
    """Parse ``--deep`` and optional service names (pure)."""
    parser = PosargsParser("freshness", usage_hint="accepted: --deep and service names", allow_abbrev=False)
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("services", nargs="*")
    ns = parser.parse_args(list(posargs))
    return FreshnessArgs(deep=bool(ns.deep), services=tuple(ns.services))


def check_layer(
    root: Path, service: Service, layer: Layer, settings: Settings, compiler: Compiler
) -> Verdict:
    """Offline verdict for one lock."""
    lock = display_path(layer.lock, root)
    try:
        current = current_digest(root, service, layer, settings, compiler)
    except NoxSupportError as exc:
        return BrokenInputs(service.name, lock, exc)
    if not layer.lock.exists():
        return MissingLock(service.name, lock)
    recorded = recorded_digest(layer.lock)
    if recorded is None:
        return UnmarkedLock(service.name, lock)
    changes = digest.compare(recorded, current)
    if changes:
        return StaleLock(service.name, lock, changes)
    problem = local_file_problem(layer)
    if problem is not None:
        return StaleLocalFile(service.name, lock, problem)
    return FreshLock(service.name, lock)


def deep_check_layer(
    root: Path, service: Service, layer: Layer, settings: Settings, compiler: Compiler
) -> Verdict:
    """Re-resolve *layer* into a temporary file and diff it against the committed lock."""
    verdict = check_layer(root, service, layer, settings, compiler)
    if not isinstance(verdict, FreshLock):
        return verdict
    committed = layer.lock.read_text(encoding="utf-8")
    current = current_digest(root, service, layer, settings, compiler)
    temp = lockfile.temporary_sibling(layer.lock)
    try:
        with lockfile.interruptible():
            # Hashes are recomputed: reusing them would keep a hand-edited pin's wrong hash.
            text = compile_to(
                temp,
                root,
                service,
                layer,
                settings,
                compiler,
                KeepPins(),
                committed.encode(),
                reuse_hashes=False,
            )
    except NoxSupportError as exc:
        return BrokenInputs(service.name, verdict.lock, exc)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    resolved, _ = split_local(text, root, service, layer, current)
    if resolved == committed:
        return verdict
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            resolved.splitlines(keepends=True),
            fromfile=f"{verdict.lock} (committed)",
            tofile=f"{verdict.lock} (re-resolved)",
        )
    )
    return DriftedLock(service.name, verdict.lock, diff)


def describe(verdict: Verdict) -> str:
    """One message per verdict: what is wrong and the exact command that fixes it (pure)."""
    fix = f"fix: {regenerate_command(verdict.service)} and commit {verdict.lock}"
    match verdict:
        case FreshLock(lock=lock):
            return f"{verdict.service}: {lock} is fresh"
        case StaleLock(lock=lock, changes=changes):
            what = "; ".join(change.describe() for change in changes)
            return f"{verdict.service}: {lock} is stale ({what}); {fix}"
        case StaleLocalFile(lock=lock, problem=problem):
            return f"{verdict.service}: {lock} is fresh but {problem}; {fix} and its local packages file"
        case MissingLock(lock=lock):
            return f"{verdict.service}: {lock} is missing; {fix}"
        case UnmarkedLock(lock=lock):
            return (
                f"{verdict.service}: {lock} has no nox-support inputs line "
                f"(written by hand or by another tool); {fix}"
            )
        case DriftedLock(lock=lock, diff=diff):
            return (
                f"{verdict.service}: {lock} differs from a fresh resolution of its inputs "
                f"(edited by hand?); {fix}\n{diff}"
            )
        case BrokenInputs(error=error):
            return f"{verdict.service}: cannot read the inputs of {verdict.lock}: {error}"
