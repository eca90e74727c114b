"""``nox -s lock``: compile each layer of a service into a pinned, hashed lock.

Only where the inputs changed, and never leaving a broken lock behind.  The old lock's
pins are offered to the compiler only when it follows the lock grammar and its body still
matches its digest: a lock edited after it was written (a downgraded pin, an injected
option) is recompiled from its inputs alone.  ``--force`` recomputes every hash.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from nox_support.core import atomic
from nox_support.core.errors import RequirementsFileError, ResolutionError
from nox_support.core.paths import display_path
from nox_support.discovery import Layer, Service
from nox_support.lock import digest, localfile, lockfile, lockformat, pylock_layer, scratch
from nox_support.lock.compile.interface import (
    CompileRequest,
    Upgrade,
)
from nox_support.lock.inputs import CollectedInputs, collect, constraint_files
from nox_support.lock.inputs import inputs_for as _inputs_for
from nox_support.lock.layer_conflict import LayerContext, explain_layer_conflict

# Re-exported: callers import them from here.
from nox_support.lock.lockargs import LockArgs as LockArgs  # noqa: PLC0414
from nox_support.lock.lockargs import parse_lock_args as parse_lock_args  # noqa: PLC0414
from nox_support.lock.model import (
    LockAltered,
    LockDirectory,
    LockMissing,
    LockOffGrammar,
    LockUnmarked,
    ParsedLock,
)
from nox_support.lock.regenerate import regenerate_command
from nox_support.project import Project


@dataclass(frozen=True)
class Fresh:
    """The lock already matches its inputs; nothing ran."""

    layer: Layer


@dataclass(frozen=True)
class Written:
    """The lock was compiled; ``changed`` tells whether its bytes differ."""

    layer: Layer
    changed: bool
    note: str | None = None
    """How the old lock was (not) reused when it could not be trusted."""
    files: tuple[Path, ...] = field(default=(), compare=False)
    """The files written (the lock, and its local packages file when it has one)."""


LayerOutcome = Fresh | Written


@dataclass(frozen=True)
class Target:
    """One layer of one service of a loaded project: what compiling a lock works on."""

    project: Project
    service: Service
    layer: Layer

    @property
    def shown(self) -> str:
        """The lock's path as shown to users (relative to the project root)."""
        return display_path(self.layer.lock, self.project.root)


LOCK_TIMEOUT = 900.0
"""Seconds to wait for another run locking the same service."""


def current_digest(project: Project, service: Service, layer: Layer) -> digest.InputDigest:
    """The digest of *layer*'s inputs as they are on disk now."""
    return current_inputs(project, service, layer)[0]


def current_inputs(
    project: Project, service: Service, layer: Layer
) -> tuple[digest.InputDigest, CollectedInputs]:
    """:func:`current_digest`, and the inputs it was computed from."""
    collected = collect(project.root, service, layer, project.settings)
    compiler = project.compiler
    current = digest.compute(
        _inputs_for(
            collected,
            python=service.python,
            compiler=compiler.identity(),
            options=compiler.options(project.settings.compile_args),
        )
    )
    return current, collected


def recorded_digest(lock: Path) -> digest.InputDigest | None:
    """The inputs digest stored in *lock*, or ``None`` (missing, unreadable or no line)."""
    state = lockformat.read_state(lock, shown=lock.name)
    if isinstance(state, ParsedLock | LockAltered | LockOffGrammar):
        return state.recorded.inputs
    return None


def lock_service(
    project: Project,
    service: Service,
    args: LockArgs,
    on_outcome: Callable[[LayerOutcome], None] | None = None,
) -> tuple[LayerOutcome, ...]:
    """Lock every layer of *service* in order (the main lock first).

    *on_outcome* hears of each layer as soon as it is done, so a later layer's failure does
    not hide what an earlier one wrote.
    """
    outcomes: list[LayerOutcome] = []
    with service_lock(project.root, service):
        for layer in service.layers:
            target = Target(project, service, layer)
            current = current_digest(project, service, layer)
            state = lockformat.read_state(layer.lock, shown=target.shown)
            outcome: LayerOutcome
            if not args.force and _is_fresh(state, current) and local_file_problem(layer, state) is None:
                outcome = Fresh(layer)
            else:
                try:
                    outcome = compile_layer(target, args, current, state)
                except ResolutionError as exc:
                    if layer.constrained_by is None:
                        raise
                    raise _layer_conflict(target, exc, outcomes) from exc
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return tuple(outcomes)


def _layer_conflict(target: Target, error: ResolutionError, done: list[LayerOutcome]) -> ResolutionError:
    """The layer's conflict with the main lock's side named (:mod:`~nox_support.lock.layer_conflict`)."""
    root, main = target.project.root, target.service.main
    text = lockfile.read_lock_text(main.lock)
    main_text = "" if not isinstance(text, str) else text
    if lockformat.is_pylock(main.lock):  # its pins as the requirements-format lines the explanation reads
        main_text = lockformat.pins_text(main.lock, main_text, path=main.lock.name)
    written = tuple(display_path(f, root) for o in done if isinstance(o, Written) for f in o.files)
    shown = display_path(main.lock, root), display_path(main.source, root)
    return explain_layer_conflict(error, LayerContext(main_text, *shown, target.shown, written))


@contextlib.contextmanager
def service_lock(root: Path, service: Service) -> Iterator[None]:
    """Hold the service's inter-process lock; remove temporary files a killed run left."""
    from nox_support.core.filelock import exclusive  # noqa: PLC0415 - filelock's import: not on a no-op run

    path = root / ".nox" / "nox-support" / "locks" / f"lock-{service.name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise lockfile.write_error(path, exc) from exc
    with exclusive(path, timeout=LOCK_TIMEOUT, what=f"locking {service.name}"):
        names = tuple(layer.lock.name for layer in service.layers)
        lockfile.remove_stale_temporaries(service.directory, names)
        pylock_layer.remove_stale_directories(service.directory, names)
        yield


def _is_fresh(state: lockfile.LockState, current: digest.InputDigest) -> TypeGuard[ParsedLock]:
    return isinstance(state, ParsedLock) and state.recorded.inputs == current


def compile_layer(
    target: Target, args: LockArgs, current: digest.InputDigest, state: lockfile.LockState
) -> Written:
    """Compile the target layer into a temporary file, validate it, then rename it over the lock."""
    root, service, layer = target.project.root, target.service, target.layer
    if isinstance(state, LockDirectory):
        _remove_directory(layer.lock, target.shown, service.name, force=args.force)
    if lockformat.is_pylock(layer.lock):
        with lockfile.interruptible():
            temp = lockfile.temporary_sibling(layer.lock)
            try:
                done = pylock_layer.compile_and_write(
                    layer.lock,
                    state,
                    current,
                    lambda seed: compile_to(temp, target, args.upgrade, seed, reuse_hashes=not args.force),
                    compiled_by=target.project.compiler.release_for(service.python),
                    path=target.shown,
                    forbidden=lockfile.machine_paths(root),
                )
            finally:
                temp.unlink(missing_ok=True)
        return Written(layer, done.changed, done.note, (layer.lock,) if done.changed else ())
    seed, note = _seed(state, current)
    old = state.text if isinstance(state, ParsedLock) else None
    with lockfile.interruptible():
        temp = lockfile.temporary_sibling(layer.lock)
        try:
            reuse_hashes = not args.force and isinstance(state, ParsedLock)
            text = compile_to(temp, target, args.upgrade, seed, reuse_hashes=reuse_hashes)
            compiled_by = target.project.compiler.release_for(service.python)
            content, local = split_local(text, target, current, compiled_by=compiled_by)
            forbidden = lockfile.machine_paths(root)
            parsed = lockfile.validate(content, path=target.shown, forbidden=forbidden)
            local_path = localfile.local_file_for(layer.lock)
            if local is not None:
                shown = display_path(local_path, root)
                lockfile.validate_local(local, lock=parsed, path=shown, forbidden=forbidden)
            old_local = _read_optional(local_path)
            if old == content and old_local == local:
                return Written(layer, changed=False)
            # The local file first: interrupted in between, the main lock is stale and says so.
            if local is not None:
                atomic.write_text(local_path, local)
            else:
                local_path.unlink(missing_ok=True)
            lockfile.write_lock(layer.lock, content)
            files = (layer.lock, local_path) if local is not None else (layer.lock,)
            return Written(layer, changed=True, note=note, files=files)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _seed(state: lockfile.LockState, current: digest.InputDigest) -> tuple[bytes | None, str | None]:
    """What the compiler may prefer from the old lock, and a note when it is not all of it.

    An intact lock is offered whole (pins and hashes), unless the target Python changed: old
    pins may not support the new one, and preferring them can make the resolution fail.  A
    lock without a usable digest line (adoption, an older nox-support) offers its
    ``name==version`` pins only: never its options, which pip-tools would apply to the
    resolution, nor its hashes.  A lock edited after it was written offers nothing: its pins
    are what the edit changed.
    """
    match state:
        case ParsedLock(recorded=recorded) if recorded.inputs.python != current.python:
            before, after = recorded.inputs.python, current.python
            return None, (
                f"targets Python {after} instead of {before}: recompiled without its old pins, "
                f"which may not support Python {after}"
            )
        case ParsedLock() | LockMissing():
            seed = state.text.encode() if isinstance(state, ParsedLock) else None
            return seed, None
        case LockUnmarked(reason=reason, text=text):
            try:
                pins = lockfile.pins_as_constraints(text, path="the old lock")
            except RequirementsFileError:
                return None, f"{reason}: recompiled from its inputs alone (it does not parse)"
            return pins.encode(), f"{reason}: recompiled preferring its pins only; hashes recomputed"
        case _:
            return None, f"{lockfile.describe_state(state)}: recompiled from its inputs alone"


def _remove_directory(path: Path, shown: str, service: str, *, force: bool) -> None:
    if not force:
        msg = f"{shown} is a directory, not a lock file"
        raise lockfile.LockFileError(
            msg, hint=f"remove it, or run {regenerate_command(service, force=True)} (removes it when empty)"
        )
    try:
        path.rmdir()
    except OSError as exc:
        msg = f"{shown} is a directory that cannot be removed ({exc.strerror or exc})"
        raise lockfile.LockFileError(msg, hint="move it away (nothing was written), then lock again") from exc


def local_file_problem(layer: Layer, lock: ParsedLock) -> str | None:
    """What is wrong with the local packages file next to *layer*'s lock (``None``: nothing).

    *lock* is the lock as the caller already read it (no second read on the no-op path).
    """
    local = lockformat.read_local_state(layer.lock, lock)
    return local if isinstance(local, str) else None


def split_local(
    text: str, target: Target, current: digest.InputDigest, *, compiled_by: str
) -> tuple[str, str | None]:
    """The hash-checked lock and the local packages file (``None`` when there are none).

    The note naming the local file sits below the digest line, so the body digest covers it;
    the local file repeats the lock's whole digest line, which ties it to this exact lock.
    """
    layer = target.layer
    parts = localfile.split(text, path=target.shown)
    content = lockfile.with_digest_line(parts.hashed, current, compiled_by=compiled_by)
    if not parts.local:
        return content, None
    local_name = localfile.local_file_for(layer.lock).name
    command = regenerate_command(target.service.name)

    def local_text(line: str | None) -> str:
        return localfile.local_text(
            parts.local, lock_name=layer.lock.name, local_name=local_name, digest_line=line, command=command
        )

    content = lockfile.with_digest_line(
        localfile.with_note(content, local_name),
        current,
        compiled_by=compiled_by,
        local=digest.local_digest(local_text(None)),
    )
    return content, local_text(localfile.digest_line(content) or "")


def _read_optional(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable: never equal to what is about to be written


def compile_to(
    temp: Path, target: Target, upgrade: Upgrade, seed: bytes | None, *, reuse_hashes: bool = True
) -> str:
    """Run the project's compiler for the target layer into *temp* (seeded with *seed* as pin preferences).

    Returns the compiled text with local paths made relative.
    """
    root, settings, service, layer = (
        target.project.root,
        target.project.settings,
        target.service,
        target.layer,
    )
    # uv writes PEP 751 only to a file named pylock[.<name>].toml: a temporary directory holds it.
    pylock_dir = pylock_layer.output_directory(temp) if lockformat.is_pylock(layer.lock) else None
    output = temp if pylock_dir is None else pylock_dir / layer.lock.name
    scratch.write_seed(
        output, seed, shown=target.shown, reuse_hashes=reuse_hashes, pylock_output=pylock_dir is not None
    )
    constraints = [_relative(p, service.directory) for p in constraint_files(root, settings)]
    pinned = None
    declared = None
    try:
        if layer.section is not None:
            # A layer declared in pyproject.toml is compiled from a temporary requirements file
            # holding exactly the digested requirements (never a build of the project itself).
            declared = lockfile.temporary_sibling(layer.lock)
            declared.write_text(collect(root, service, layer, settings).declared or "", encoding="utf-8")
        if layer.constrained_by is not None:
            # pip refuses unnamed (local path) requirements as constraints, so a layer is
            # constrained by the main lock's pins only, under a temporary name that is
            # renamed back in the output's annotations.
            pinned = scratch.main_pins(layer.constrained_by, root, service.name)
            constraints.append(_relative(pinned, service.directory))
        target.project.compiler.compile(
            CompileRequest(
                service=service.name,
                cwd=service.directory,
                source=_relative(declared or layer.source, service.directory),
                output=_relative(output, service.directory),
                constraints=tuple(constraints),
                python=service.python,
                upgrade=upgrade,
                extra_args=settings.compile_args,
                custom_command=regenerate_command(service.name),
                reuse_hashes=reuse_hashes,
            )
        )
        text = output.read_text(encoding="utf-8")
    finally:
        for temporary in (pinned, declared):
            if temporary is not None:
                with contextlib.suppress(FileNotFoundError):
                    temporary.unlink()
        if pylock_dir is not None:
            pylock_layer.remove_directory(pylock_dir)
    if declared is not None:
        text = text.replace(_relative(declared, service.directory), layer.source.name)
    if pinned is not None and layer.constrained_by is not None:
        text = text.replace(
            _relative(pinned, service.directory), _relative(layer.constrained_by, service.directory)
        )
    if pylock_dir is not None:
        return text  # a pylock file never names a local path: its grammar refuses file:// URLs
    return lockfile.relativize(text, root=root.resolve(), lock_dir=service.directory.resolve())


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
