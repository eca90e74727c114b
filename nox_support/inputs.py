"""Collect every file that feeds a lock.

That is the ``.in`` file, its ``-r``/``-c``
includes (recursively), shared constraints, the main lock of a layered input,
and the metadata of local path packages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nox_support import reqfile
from nox_support.config import Settings
from nox_support.digest import InputFile, Inputs
from nox_support.discovery import Layer, Service
from nox_support.errors import ConfigError, RequirementsFileError

LOCAL_PACKAGE_METADATA = ("pyproject.toml", "setup.cfg", "setup.py")


@dataclass(frozen=True)
class LocalPackage:
    """A local path requirement found among the inputs."""

    path: Path
    declared_in: str
    line: int


@dataclass(frozen=True)
class CollectedInputs:
    """The files feeding one layer, and the local packages they name."""

    files: tuple[InputFile, ...]
    local_packages: tuple[LocalPackage, ...]
    paths: tuple[Path, ...]


def constraint_files(root: Path, settings: Settings) -> tuple[Path, ...]:
    """The shared constraints files, checked to exist."""
    paths = []
    for name in settings.constraints:
        path = (root / name).resolve()
        if not path.is_file():
            msg = f"shared constraints file {name!r} does not exist (from [tool.nox_support] constraints)"
            raise ConfigError(msg, hint="create the file or remove it from pyproject.toml")
        paths.append(path)
    return tuple(paths)


def collect(root: Path, service: Service, layer: Layer, settings: Settings) -> CollectedInputs:
    """Read every input of *layer*; names are relative to the service directory."""
    collector = _Collector(root.resolve(), service)
    collector.add_requirements(layer.source, via=None)
    for path in constraint_files(root, settings):
        collector.add_requirements(path, via=None)
    if layer.constrained_by is not None:
        collector.add_file(
            layer.constrained_by,
            via=layer.source.name,
            line=None,
            missing_hint=(f'lock the main layer first: nox -s "lock({service.name})"'),
        )
    return CollectedInputs(
        files=tuple(collector.files.values()),
        local_packages=tuple(collector.packages),
        paths=tuple(collector.paths),
    )


def inputs_for(collected: CollectedInputs, *, python: str, compiler: str, options: tuple[str, ...]) -> Inputs:
    """Combine collected files with the scalar inputs."""
    return Inputs(files=collected.files, python=python, compiler=compiler, options=options)


class _Collector:
    def __init__(self, root: Path, service: Service) -> None:
        self.root = root
        self.service = service
        self.files: dict[str, InputFile] = {}
        self.paths: list[Path] = []
        self.packages: list[LocalPackage] = []

    def name(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.service.directory)).as_posix()

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def add_file(
        self, path: Path, *, via: str | None, line: int | None, missing_hint: str | None = None
    ) -> bytes | None:
        name = self.name(path)
        if name in self.files:
            return None
        try:
            content = path.read_bytes()
        except FileNotFoundError as exc:
            where = via or self.display(path)
            raise RequirementsFileError(
                f"{self.display(path)} does not exist",
                path=where,
                line=line,
                hint=missing_hint or "create it or fix the path",
            ) from exc
        except OSError as exc:
            raise RequirementsFileError(f"cannot read: {exc}", path=self.display(path)) from exc
        self.files[name] = InputFile(name, content)
        self.paths.append(path)
        return content

    def add_requirements(self, path: Path, *, via: str | None, line: int | None = None) -> None:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise RequirementsFileError(
                f"includes {path}, which is outside the repository",
                path=via or self.display(path),
                line=line,
                hint="keep every -r/-c file inside the repository so locks stay portable",
            )
        content = self.add_file(resolved, via=via, line=line)
        if content is None:
            return
        shown = self.display(resolved)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequirementsFileError("is not UTF-8 text", path=shown) from exc
        entries = reqfile.parse(text, path=shown)
        for include in reqfile.includes(entries):
            self.add_requirements(resolved.parent / include.target, via=shown, line=include.line)
        for local in reqfile.local_paths(entries):
            self.add_local_package(local, shown)

    def add_local_package(self, local: reqfile.LocalPath, shown: str) -> None:
        # pip resolves bare paths against the working directory, which is the
        # service directory when nox-support runs the compiler.
        raw = local.path.split("[")[0]
        target = (self.service.directory / raw).resolve()
        if not target.is_relative_to(self.root):
            raise RequirementsFileError(
                f"local path {local.path!r} is outside the repository",
                path=shown,
                line=local.line,
                hint="locks may only name local packages inside the repository, by relative path",
            )
        if not target.exists():
            raise RequirementsFileError(
                f"local path {local.path!r} does not exist (looked in {self.display(target)})",
                path=shown,
                line=local.line,
                hint="paths are relative to the service directory",
            )
        self.packages.append(LocalPackage(target, shown, local.line))
        if target.is_dir():
            for meta in LOCAL_PACKAGE_METADATA:
                if (target / meta).is_file():
                    self.add_file(target / meta, via=shown, line=local.line)
        else:
            self.add_file(target, via=shown, line=local.line)
