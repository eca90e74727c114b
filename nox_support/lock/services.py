"""Reading a service's lock and its input files into a :class:`ServiceLock` (drift and conflicts).

The lock is read through the lock model (:func:`nox_support.lock.servicelock.parse_lock`, the
lock grammar; a PEP 751 lock through :func:`nox_support.lock.lockformat.read_state`); the
inputs are followed through their ``-r``/``-c`` includes as pip does.
"""

from __future__ import annotations

from pathlib import Path

from nox_support.config import Settings
from nox_support.core.errors import NoxSupportError, RequirementsFileError
from nox_support.core.paths import display_path
from nox_support.discovery import Layer, Service
from nox_support.lock import lockfile, lockformat, reqfile
from nox_support.lock.inputs import LocalInput, collect
from nox_support.lock.model import LockedPackage, LockMissing, LockOffGrammar, ParsedLock
from nox_support.lock.regenerate import regenerate_command
from nox_support.lock.servicelock import (
    DirectRequirement,
    InputOption,
    ServiceLock,
    direct_requirement,
    parse_lock,
)


def read_lock(root: Path, service: Service, layer: Layer, settings: Settings) -> ServiceLock:
    """The lock of *layer* with its direct inputs; one clear error when either cannot be read."""
    shown = display_path(layer.lock, root)
    packages = _pylock_packages(layer, shown, service) if lockformat.is_pylock(layer.lock) else None
    if packages is None:
        try:
            text = layer.lock.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _no_lock(service, layer, shown) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RequirementsFileError(
                f"cannot read the lock of service {service.name}: {exc}", path=shown
            ) from exc
        packages = parse_lock(text, path=shown)
    reader = _InputReader(root, service)
    if layer.section is None:
        reader.read(layer.source, constraint=False, via=None)
    else:  # declared in pyproject.toml: the requirements as they are compiled (local sources as paths)
        declared = collect(root, service, layer, settings).declared or ""
        where = f"{display_path(layer.source, root)} {layer.section.label}"
        reader.read_entries(declared, where, service.directory, constraint=False)
    if layer.name == "main":
        for name in settings.constraints:
            reader.read(root / name, constraint=True, via="[tool.nox_support] constraints")
    return ServiceLock(
        service=service.name,
        layer=layer.name,
        lock=shown,
        packages=packages,
        requirements=tuple(reader.requirements),
        local=tuple(reader.local),
        options=tuple(reader.options),
    )


def _pylock_packages(layer: Layer, shown: str, service: Service) -> tuple[LockedPackage, ...]:
    """The packages of a PEP 751 lock, read into the lock model (:func:`lockformat.read_state`)."""
    state = lockformat.read_state(layer.lock, shown=shown)
    match state:
        case ParsedLock(packages=packages):
            return packages
        case LockMissing():
            raise _no_lock(service, layer, shown)
        case LockOffGrammar(problem=problem):
            raise RequirementsFileError(
                f"{problem.reason}: {problem.excerpt}",
                path=shown,
                line=problem.line,
                hint=f"regenerate the lock with {regenerate_command(service.name)}",
            )
        case _:
            raise RequirementsFileError(
                f"the lock of service {service.name} {lockfile.describe_state(state)}",
                path=shown,
                hint=f"regenerate the lock with {regenerate_command(service.name)}",
            )


def _no_lock(service: Service, layer: Layer, shown: str) -> RequirementsFileError:
    return RequirementsFileError(
        f"service {service.name} has no lock",
        path=shown,
        hint=f"run {regenerate_command(service.name)} and commit {layer.lock.name}",
    )


def read_lock_or_problem(root: Path, service: Service, layer: Layer, settings: Settings) -> ServiceLock | str:
    """:func:`read_lock`, or the message saying why it cannot be read (one per service)."""
    try:
        return read_lock(root, service, layer, settings)
    except NoxSupportError as exc:
        return str(exc)


class _InputReader:
    """Follows ``-r``/``-c`` includes from an input file, as pip does, collecting what they ask for."""

    def __init__(self, root: Path, service: Service) -> None:
        self.root = root
        self.service = service
        self.seen: set[Path] = set()
        self.requirements: list[DirectRequirement] = []
        self.local: list[LocalInput] = []
        self.options: list[InputOption] = []

    def read(self, path: Path, *, constraint: bool, via: str | None, line: int | None = None) -> None:
        resolved = path.resolve()
        if resolved in self.seen:
            return
        self.seen.add(resolved)
        shown = display_path(resolved, self.root)
        try:
            text = resolved.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RequirementsFileError(
                f"{shown} does not exist", path=via or shown, line=line, hint="create it or fix the path"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RequirementsFileError(f"cannot read: {exc}", path=shown) from exc
        self.read_entries(text, shown, resolved.parent, constraint=constraint)

    def read_entries(self, text: str, shown: str, base: Path, *, constraint: bool) -> None:
        """The requirements of *text* (shown as *shown*; includes relative to *base*)."""
        for entry in reqfile.parse(text, path=shown):
            match entry:
                case reqfile.Include(target=target, constraint=is_constraint, line=number):
                    self.read(
                        base / target,
                        constraint=constraint or is_constraint,
                        via=shown,
                        line=number,
                    )
                case reqfile.NamedRequirement():
                    self.requirements.append(direct_requirement(entry, file=shown, constraint=constraint))
                case reqfile.LocalPath(path=raw, line=number) if not constraint:
                    # pip resolves bare paths against the service directory (where locks compile).
                    local_path = (self.service.directory / raw.split("[")[0]).resolve()
                    self.local.append(LocalInput(local_path, shown, number))
                case reqfile.Option(name=name, value=value, line=number):
                    self.options.append(InputOption(name, value, shown, number))
                case _:
                    pass
