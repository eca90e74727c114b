"""``nox -s freshness``: prove each committed lock still matches its inputs.

The default check is offline and reads only small files: the inputs, and the lock,
which must follow the lock grammar (:mod:`nox_support.lock.grammar`: comments, its digest
line, ``==`` pins with sha256 hashes, nothing else) and whose body must match the digest
recorded in it, and its local packages file, covered whole by the lock's ``local=``
digest.  ``--deep`` re-resolves into a temporary file (preferring the committed pins)
and diffs the result against the committed lock, which shows what the compiler would write today.

:func:`require_fresh` applies the offline check before a venv is synced from a lock
(``audit``, ``tests``).
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nox_support.core.errors import NoxSupportError, StaleLockError
from nox_support.core.paths import display_path, relative_posix
from nox_support.core.posargs import PosargsParser
from nox_support.core.redact import redact
from nox_support.discovery import Layer, Service
from nox_support.lock import digest, evidence, freshcache
from nox_support.lock.model import (
    LockAltered,
    LockDirectory,
    LockMissing,
    LockOffGrammar,
    LockUnmarked,
    LockUnreadable,
    ParsedLock,
)
from nox_support.lock.regenerate import regenerate_command
from nox_support.project import Project

if TYPE_CHECKING:
    from nox_support.lock.inputs import CollectedInputs

# The code that reads locks and inputs (orchestrate and what it imports, about 15 ms) is imported
# by the functions that do: a run that takes every verdict from the cache never needs it.


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
    """The lock has no (readable) nox-support digest line; ``reason`` says what it has."""

    service: str
    lock: str
    reason: str = "has no nox-support inputs line (written by hand or by another tool)"


@dataclass(frozen=True)
class UnreadableLock:
    """The lock is a directory, not UTF-8, or cannot be read."""

    service: str
    lock: str
    reason: str


@dataclass(frozen=True)
class AlteredLock:
    """The lock's body no longer matches its digest, or breaks the lock rules."""

    service: str
    lock: str
    reason: str


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


Verdict = (
    FreshLock
    | StaleLock
    | MissingLock
    | UnmarkedLock
    | UnreadableLock
    | AlteredLock
    | StaleLocalFile
    | DriftedLock
    | BrokenInputs
)


@dataclass(frozen=True)
class FreshnessArgs:
    """What ``nox -s freshness -- ...`` asked for."""

    deep: bool
    services: tuple[str, ...]
    no_cache: bool = False
    """Check every lock in full, whatever earlier runs proved (:mod:`~nox_support.lock.freshcache`)."""


def parse_freshness_args(posargs: list[str] | tuple[str, ...]) -> FreshnessArgs:
    """Parse ``--deep``, ``--no-cache`` and optional service names (pure)."""
    parser = PosargsParser(
        "freshness", usage_hint="accepted: --deep, --no-cache and service names", allow_abbrev=False
    )
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("services", nargs="*")
    ns = parser.parse_args(list(posargs))
    return FreshnessArgs(deep=bool(ns.deep), services=tuple(ns.services), no_cache=bool(ns.no_cache))


def check_layer(project: Project, service: Service, layer: Layer) -> Verdict:
    """Offline verdict for one lock."""
    return _check(project, service, layer)[0]


def _check(project: Project, service: Service, layer: Layer) -> tuple[Verdict, CollectedInputs | None]:
    """:func:`check_layer`, and the inputs it read (``None`` when they could not be read)."""
    from nox_support.lock import lockfile, lockformat  # noqa: PLC0415 - see the imports
    from nox_support.lock.orchestrate import current_inputs, local_file_problem  # noqa: PLC0415

    lock = display_path(layer.lock, project.root)
    try:
        current, collected = current_inputs(project, service, layer)
    except NoxSupportError as exc:
        return BrokenInputs(service.name, lock, exc), None
    state = lockformat.read_state(layer.lock, shown=lock)
    match state:
        case LockMissing():
            return MissingLock(service.name, lock), collected
        case LockDirectory() | LockUnreadable():
            return UnreadableLock(service.name, lock, lockfile.describe_state(state)), collected
        case LockUnmarked(reason=reason):
            return UnmarkedLock(service.name, lock, reason), collected
        case LockAltered() | LockOffGrammar():
            return AlteredLock(service.name, lock, lockfile.describe_state(state)), collected
        case ParsedLock(recorded=recorded):
            changes = digest.compare(recorded.inputs, current)
            if changes:
                return StaleLock(service.name, lock, changes), collected
            problem = local_file_problem(layer, state)
            if problem is not None:
                return StaleLocalFile(service.name, lock, problem), collected
            return FreshLock(service.name, lock), collected


def project_context(project: Project) -> str:
    """What every lock's verdict depends on besides its files: the settings and the compiler."""
    compiler = project.compiler
    options = compiler.options(project.settings.compile_args)
    return freshcache.context_digest(repr(project.settings), compiler.identity(), repr(options))


def layer_context(base: str, service: Service, layer: Layer) -> str:
    """:func:`project_context` *base* with what discovery says of *layer* (pure)."""
    return freshcache.context_digest(
        base,
        service.name,
        service.python,
        layer.name,
        os.fspath(layer.source),
        os.fspath(layer.lock),
        None if layer.constrained_by is None else os.fspath(layer.constrained_by),
        None if layer.section is None else layer.section.label,
    )


def remembered_check(
    project: Project, service: Service, layer: Layer, memo: freshcache.Memo, base: str
) -> Verdict:
    """:func:`check_layer`, taken from *memo* while nothing it rests on changed, and remembered when fresh.

    *base* is :func:`project_context`.
    """
    lock = os.fspath(layer.lock)
    context = layer_context(base, service, layer)
    if memo.fresh(lock, context):
        return FreshLock(service.name, relative_posix(lock, memo.real_root))
    from nox_support.lock.localfile import local_file_for  # noqa: PLC0415 - see the imports

    own = evidence.Lookups()  # the lock and its local packages file, before the check reads them
    own.look(lock)
    own.look(local_file_for(layer.lock))
    verdict, collected = _check(project, service, layer)
    if isinstance(verdict, FreshLock) and collected is not None and collected.provable:
        memo.prove(lock, context, (*collected.looked, *own.keys.items()))
    return verdict


def check_services(
    project: Project,
    services: tuple[Service, ...],
    *,
    deep: bool = False,
    memo: freshcache.Memo | None = None,
) -> Iterator[Verdict]:
    """The verdict of every lock of *services*, one at a time (re-resolving each with *deep*).

    With *memo*, a lock proven fresh by an earlier run whose files did not change since is
    not read again (:mod:`~nox_support.lock.freshcache`).
    """
    base = ""
    if memo is not None and not deep:
        try:
            base = project_context(project)
        except NoxSupportError:  # no compiler to name: each lock says so in its own verdict
            memo = None
    for service in services:
        for layer in service.layers:
            if deep:
                yield deep_check_layer(project, service, layer)
            elif memo is not None:
                yield remembered_check(project, service, layer, memo, base)
            else:
                yield check_layer(project, service, layer)


def lock_error(project: Project, service: Service, layers: tuple[Layer, ...]) -> StaleLockError | None:
    """Why the locks of *layers* must not be installed from, or ``None`` when they may.

    A lock may be installed from when its body matches its digest, it follows the lock rules
    (every pin ``==`` with hashes, no option that names an index or another file) and its
    inputs are unchanged.  Checked before a venv is synced (``audit``, ``tests``), so that no
    installer process starts for a lock that names another index or lost a hash.
    """
    for layer in layers:
        verdict = check_layer(project, service, layer)
        if isinstance(verdict, StaleLock):
            what = "; ".join(change.describe() for change in verdict.changes)
            msg = f"stale lock: run {regenerate_command(service.name)} and commit {verdict.lock} ({what})"
            return StaleLockError(msg, hint="nothing was installed from it")
        if not isinstance(verdict, FreshLock):
            return StaleLockError(f"unusable lock: {describe(verdict)}", hint="nothing was installed from it")
    return None


def require_fresh(project: Project, service: Service, layers: tuple[Layer, ...]) -> None:
    """Raise :func:`lock_error`'s error, if any."""
    error = lock_error(project, service, layers)
    if error is not None:
        raise error


def deep_check_layer(project: Project, service: Service, layer: Layer) -> Verdict:
    """Re-resolve *layer* into a temporary file and diff it against the committed lock."""
    from nox_support.lock import lockfile, lockformat, pylock  # noqa: PLC0415 - see the imports
    from nox_support.lock.compile.interface import KeepPins  # noqa: PLC0415
    from nox_support.lock.orchestrate import (  # noqa: PLC0415
        Target,
        compile_to,
        current_digest,
        service_lock,
        split_local,
    )

    verdict = check_layer(project, service, layer)
    if not isinstance(verdict, FreshLock):
        return verdict
    state = lockformat.read_state(layer.lock, shown=verdict.lock)
    if not isinstance(state, ParsedLock):  # pragma: no cover - changed since the check
        return verdict
    committed = state.text
    current = current_digest(project, service, layer)
    target = Target(project, service, layer)
    try:
        with service_lock(project.root, service), lockfile.interruptible():
            temp = lockfile.temporary_sibling(layer.lock)
            try:
                # Hashes are recomputed, as `lock -- --force` does.
                text = compile_to(temp, target, KeepPins(), committed.encode(), reuse_hashes=False)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
    except NoxSupportError as exc:
        return BrokenInputs(service.name, verdict.lock, exc)
    # The exact compiler version is information only: keep the committed one out of the diff.
    compiled_by = state.recorded.compiled_by or project.compiler.identity()
    if lockformat.is_pylock(layer.lock):
        resolved = pylock.with_tool_table(text, current, compiled_by=compiled_by)
    else:
        resolved, _ = split_local(text, target, current, compiled_by=compiled_by)
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
    """One message per verdict: what is wrong and the exact command that fixes it (pure).

    URLs in it are redacted (:func:`nox_support.core.redact.redact`).
    """
    return redact(_describe(verdict))


def _describe(verdict: Verdict) -> str:
    fix = f"fix: {regenerate_command(verdict.service)} and commit {verdict.lock}"
    forced = f"fix: {regenerate_command(verdict.service, force=True)} and commit {verdict.lock}"
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
        case UnmarkedLock(lock=lock, reason=reason):
            return f"{verdict.service}: {lock} {reason}; {fix}"
        case UnreadableLock(lock=lock, reason=reason):
            return f"{verdict.service}: {lock} {reason}; {forced}"
        case AlteredLock(lock=lock, reason=reason):
            return f"{verdict.service}: {lock} {reason}; {fix} (it recompiles from the inputs alone)"
        case DriftedLock(lock=lock, diff=diff):
            # --force recomputes every hash, as the re-resolution did; plain `lock` would
            # find the inputs unchanged and do nothing.
            return (
                f"{verdict.service}: {lock} differs from a fresh resolution of its inputs "
                f"(a newer compiler, or changed distributions on the index); {forced}\n{diff}"
            )
        case BrokenInputs(error=error):
            return f"{verdict.service}: cannot read the inputs of {verdict.lock}: {error}"
