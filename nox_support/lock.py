"""``nox -s lock``: compile each layer of a service into a pinned, hashed lock.

Only where the inputs changed, and never leaving a broken lock behind.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from nox_support import atomic, digest, localfile, lockfile
from nox_support.compile.interface import (
    Compiler,
    CompileRequest,
    KeepPins,
    Upgrade,
    UpgradeAll,
    UpgradePackages,
)
from nox_support.config import Settings
from nox_support.discovery import Layer, Service
from nox_support.inputs import collect, constraint_files
from nox_support.inputs import inputs_for as _inputs_for
from nox_support.paths import display_path
from nox_support.posargs import PosargsParser


@dataclass(frozen=True)
class LockArgs:
    """What ``nox -s lock -- ...`` asked for."""

    upgrade: Upgrade
    force: bool


@dataclass(frozen=True)
class Fresh:
    """The lock already matches its inputs; nothing ran."""

    layer: Layer


@dataclass(frozen=True)
class Written:
    """The lock was compiled; ``changed`` tells whether its bytes differ."""

    layer: Layer
    changed: bool


LayerOutcome = Fresh | Written


def regenerate_command(service: str) -> str:
    """The command users run to regenerate a service's locks."""
    return f'nox -s "lock({service})"'


def parse_lock_args(posargs: list[str] | tuple[str, ...]) -> LockArgs:
    """Parse ``--upgrade``, ``--upgrade-package NAME`` and ``--force`` (pure)."""
    if not posargs:  # the everyday case, once per service: skip building a parser
        return LockArgs(upgrade=KeepPins(), force=False)
    parser = PosargsParser(
        "lock", usage_hint="accepted: --upgrade, --upgrade-package NAME, --force", allow_abbrev=False
    )
    parser.add_argument("--upgrade", "-U", action="store_true")
    parser.add_argument("--upgrade-package", "-P", action="append", default=[], metavar="NAME")
    parser.add_argument("--force", action="store_true")
    ns = parser.parse_args(list(posargs))
    upgrade: Upgrade = KeepPins()
    if ns.upgrade:
        upgrade = UpgradeAll()
    elif ns.upgrade_package:
        upgrade = UpgradePackages(tuple(ns.upgrade_package))
    return LockArgs(upgrade=upgrade, force=bool(ns.force) or not isinstance(upgrade, KeepPins))


def current_digest(
    root: Path, service: Service, layer: Layer, settings: Settings, compiler: Compiler
) -> digest.InputDigest:
    """The digest of *layer*'s inputs as they are on disk now."""
    collected = collect(root, service, layer, settings)
    return digest.compute(
        _inputs_for(
            collected,
            python=service.python,
            compiler=compiler.identity(),
            options=compiler.options(settings.compile_args),
        )
    )


def recorded_digest(lock: Path) -> digest.InputDigest | None:
    """The digest line stored in *lock*, or ``None`` (missing lock or no line)."""
    try:
        with lock.open(encoding="utf-8") as handle:
            head = "".join(line for _, line in zip(range(64), handle, strict=False))
    except FileNotFoundError:
        return None
    line = digest.find_line(head)
    return None if line is None else digest.parse_line(line)


def lock_service(
    root: Path, service: Service, settings: Settings, compiler: Compiler, args: LockArgs
) -> tuple[LayerOutcome, ...]:
    """Lock every layer of *service* in order (the main lock first)."""
    outcomes: list[LayerOutcome] = []
    for layer in service.layers:
        current = current_digest(root, service, layer, settings, compiler)
        if not args.force and recorded_digest(layer.lock) == current and local_file_problem(layer) is None:
            outcomes.append(Fresh(layer))
            continue
        outcomes.append(compile_layer(root, service, layer, settings, compiler, args.upgrade, current))
    return tuple(outcomes)


def compile_layer(  # noqa: PLR0913 - each argument is a distinct input of a compilation
    root: Path,
    service: Service,
    layer: Layer,
    settings: Settings,
    compiler: Compiler,
    upgrade: Upgrade,
    current: digest.InputDigest,
) -> Written:
    """Compile *layer* into a temporary file, validate it, then rename it over the lock."""
    old = layer.lock.read_bytes() if layer.lock.exists() else None
    with lockfile.interruptible():
        temp = lockfile.temporary_sibling(layer.lock)
        try:
            text = compile_to(temp, root, service, layer, settings, compiler, upgrade, old)
            content, local = split_local(text, root, service, layer, current)
            lockfile.validate(
                content, path=display_path(layer.lock, root), forbidden=lockfile.machine_paths(root)
            )
            local_path = localfile.local_file_for(layer.lock)
            if local is not None:
                lockfile.validate(
                    local, path=display_path(local_path, root), forbidden=lockfile.machine_paths(root)
                )
            old_local = local_path.read_text(encoding="utf-8") if local_path.exists() else None
            if old is not None and old.decode("utf-8", "replace") == content and old_local == local:
                return Written(layer, changed=False)
            # The local file first: interrupted in between, the main lock is stale and says so.
            if local is not None:
                atomic.write_text(local_path, local)
            else:
                local_path.unlink(missing_ok=True)
            lockfile.replace_atomically(layer.lock, content, temp=temp)
            return Written(layer, changed=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def local_file_problem(layer: Layer) -> str | None:
    """What is wrong with the local packages file next to *layer*'s lock (``None``: nothing)."""
    local_path = localfile.local_file_for(layer.lock)
    try:
        lock_text = layer.lock.read_text(encoding="utf-8")
        local_content = local_path.read_text(encoding="utf-8") if local_path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read: {exc}"
    return localfile.problem(lock_text, local_content, local_path.name)


def split_local(
    text: str, root: Path, service: Service, layer: Layer, current: digest.InputDigest
) -> tuple[str, str | None]:
    """The hash-checked lock and the local packages file (``None`` when there are none)."""
    parts = localfile.split(text, path=display_path(layer.lock, root))
    content = lockfile.with_digest_line(parts.hashed, current.line())
    if not parts.local:
        return content, None
    local_name = localfile.local_file_for(layer.lock).name
    local = localfile.local_text(
        parts.local,
        lock_name=layer.lock.name,
        local_name=local_name,
        digest_line=current.line(),
        command=regenerate_command(service.name),
    )
    return localfile.with_note(content, local_name), local


def compile_to(  # noqa: PLR0913 - each argument is a distinct input of a compilation
    temp: Path,
    root: Path,
    service: Service,
    layer: Layer,
    settings: Settings,
    compiler: Compiler,
    upgrade: Upgrade,
    seed: bytes | None,
    *,
    reuse_hashes: bool = True,
) -> str:
    """Run *compiler* for *layer* into *temp* (seeded with *seed* as pin preferences).

    Returns the compiled text with local paths made relative.
    """
    temp.write_bytes(seed or b"")
    constraints = [_relative(p, service.directory) for p in constraint_files(root, settings)]
    pinned = None
    try:
        if layer.constrained_by is not None:
            # pip refuses unnamed (local path) requirements as constraints, so a layer is
            # constrained by the main lock's pins only, under a temporary name that is
            # renamed back in the output's annotations.
            pinned = lockfile.temporary_sibling(layer.constrained_by)
            pinned.write_text(
                lockfile.pins_as_constraints(
                    layer.constrained_by.read_text(encoding="utf-8"),
                    path=display_path(layer.constrained_by, root),
                ),
                encoding="utf-8",
            )
            constraints.append(_relative(pinned, service.directory))
        compiler.compile(
            CompileRequest(
                service=service.name,
                cwd=service.directory,
                source=_relative(layer.source, service.directory),
                output=temp.name,
                constraints=tuple(constraints),
                python=service.python,
                upgrade=upgrade,
                extra_args=settings.compile_args,
                custom_command=regenerate_command(service.name),
                reuse_hashes=reuse_hashes,
            )
        )
    finally:
        if pinned is not None:
            with contextlib.suppress(FileNotFoundError):
                pinned.unlink()
    text = temp.read_text(encoding="utf-8")
    if pinned is not None and layer.constrained_by is not None:
        text = text.replace(
            _relative(pinned, service.directory), _relative(layer.constrained_by, service.directory)
        )
    return lockfile.relativize(text, root=root.resolve(), lock_dir=service.directory.resolve())


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
