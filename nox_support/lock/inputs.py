"""Collect every file that feeds a lock.

That is the ``.in`` file, its ``-r``/``-c``
includes (recursively), shared constraints, the main lock of a layered input,
and the metadata of local path packages (named by relative path or by a
``file://`` URL inside the repository).

Requirements files are read as pip reads them and refused where pip and the
digest could disagree or a secret could reach the lock: abbreviated options
(``--requirem``; pip would expand them, uv refuses them), unknown options,
``-r`` cycles, and credentials or ``${VARIABLE}`` references (pip-tools would
write the expanded value into the lock).  Each file enters the digest in its
canonical form (:func:`nox_support.lock.reqfile.canonical_text`), so comments,
blank lines and whitespace do not make a lock stale; a layer's main lock
enters as the pins the compiler is constrained by.
"""

from __future__ import annotations

import errno
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from nox_support.config import Settings
from nox_support.core import repofiles
from nox_support.core.errors import ConfigError, RequirementsFileError
from nox_support.core.paths import is_dotted, is_within, real_path, relative_posix
from nox_support.discovery import Layer, Service
from nox_support.lock import evidence, inputfile, lockformat, reqfile
from nox_support.lock import pyproject_inputs as pp
from nox_support.lock import uv_workspace as uvw
from nox_support.lock.digest import InputFile, Inputs
from nox_support.lock.regenerate import regenerate_command

LOCAL_PACKAGE_METADATA = ("pyproject.toml", "setup.cfg", "setup.py")
"""The files of a local package directory that say what it depends on."""


def metadata_files(package: Path) -> tuple[Path, ...]:
    """The metadata files a local package directory may have (:data:`LOCAL_PACKAGE_METADATA`).

    A lock's digest covers the ones that exist; a venv is re-synced when one of them changes.
    """
    return tuple(package / name for name in LOCAL_PACKAGE_METADATA)


@dataclass(frozen=True)
class LocalInput:
    """A local path requirement found among the inputs; ``path`` is absolute."""

    path: Path
    declared_in: str
    line: int | None
    """``None`` when declared in a TOML table (``[project] dependencies``, ``[tool.uv.sources]``)."""


@dataclass(frozen=True)
class CollectedInputs:
    """The files feeding one layer, and the local packages they name."""

    files: tuple[InputFile, ...]
    local_packages: tuple[LocalInput, ...]
    read: tuple[str, ...]
    """The files read, as :attr:`paths` gives them (kept as strings: most runs never ask)."""
    declared: str | None = None
    """For a layer declared in ``pyproject.toml``: the requirements file text that is compiled."""
    looked: tuple[tuple[str, evidence.Key], ...] = ()
    """Every path read, looked at or for, as named, with its state before it was read (:mod:`.evidence`)."""
    provable: bool = True
    """Whether :attr:`looked` alone decides the result (not so in a uv workspace)."""

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files read."""
        return tuple(Path(path) for path in self.read)


def constraint_files(root: Path, settings: Settings) -> tuple[Path, ...]:
    """The shared constraints files, checked to exist."""
    return tuple(Path(real) for real in _constraint_files(real_path(root), settings))


def _constraint_files(real_root: str, settings: Settings) -> tuple[str, ...]:
    reals = []
    for name in settings.constraints:
        real = real_path(os.path.join(real_root, name), real_root)  # noqa: PTH118 - see _Collector
        if not os.path.isfile(real):  # noqa: PTH113 - see _Collector
            msg = f"shared constraints file {name!r} does not exist (from [tool.nox_support] constraints)"
            raise ConfigError(msg, hint="create the file or remove it from pyproject.toml")
        reals.append(real)
    return tuple(reals)


def collect(root: Path, service: Service, layer: Layer, settings: Settings) -> CollectedInputs:
    """Read every input of *layer*; names are relative to the service directory."""
    real_root = real_path(root)
    collector = _Collector(real_root, service, follow_uv_sources=settings.compiler == "uv")
    if layer.section is None:
        collector.add_requirements(layer.source, via=None)
    else:
        collector.add_declared(layer.source, layer.section)
    for name in settings.constraints:
        collector.lookups.look(os.path.join(real_root, name))  # noqa: PTH118 - see _Collector
    for real in _constraint_files(real_root, settings):
        collector.add_requirements(real, via=None, real=real)
    if layer.constrained_by is not None:
        collector.add_main_lock(layer.constrained_by, via=layer.source.name)
    return CollectedInputs(
        files=tuple(collector.files.values()),
        local_packages=tuple(collector.packages),
        read=tuple(collector.paths),
        declared=collector.declared,
        looked=tuple(collector.lookups.keys.items()),
        provable=collector.lookups.provable,
    )


def inputs_for(collected: CollectedInputs, *, python: str, compiler: str, options: tuple[str, ...]) -> Inputs:
    """Combine collected files with the scalar inputs."""
    return Inputs(files=collected.files, python=python, compiler=compiler, options=options)


class _Collector:
    """Reads the inputs of one layer.

    Paths are strings from :func:`os.path.realpath` (``os.path`` rather than :mod:`pathlib`): this
    runs for every lock of every no-op run, where pathlib's objects cost more than the reads.
    """

    def __init__(self, real_root: str, service: Service, *, follow_uv_sources: bool) -> None:
        self.real_root = real_root
        self.root_prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
        self.service = service
        self.directory = os.fspath(service.directory)
        self.follow_uv_sources = follow_uv_sources
        self.files: dict[str, InputFile] = {}
        self.paths: list[str] = []
        self.packages: list[LocalInput] = []
        self.package_reals: set[str] = set()
        self.followed: set[Path] = set()
        self.declared: str | None = None
        self.lookups = evidence.Lookups()

    @functools.cached_property
    def root(self) -> Path:
        """The root as a path, for the uv workspace readers (most layers never ask)."""
        return Path(self.real_root)

    def add_part(self, path: Path, label: str, content: bytes) -> None:
        """One part of a TOML file (``pyproject.toml [project] dependencies``) as an input."""
        self.files[f"{self.name(path)} {label}"] = InputFile(f"{self.name(path)} {label}", content)
        if os.fspath(path) not in self.paths:
            self.paths.append(os.fspath(path))

    def add_declared(self, pyproject: Path, section: pp.Section) -> None:
        """The requirements of *section*: digested as written, compiled with local sources as paths."""
        shown = self.display(pyproject)
        self.lookups.look(pyproject)
        data = uvw.read_toml(pyproject, shown, self.root)
        written = pp.requirements(data, section, shown)
        self.add_part(pyproject, section.label, "\n".join(written).encode("utf-8"))
        python = pp.requires_python(data)
        if python is not None:
            self.add_part(pyproject, "[project] requires-python", python.encode("utf-8"))
        workspace = uvw.find_workspace(self.service.directory, self.root, self.lookups)
        sources = uvw.effective_sources(self.service.directory, data, workspace, self.root)
        lines = [self.sourced(line, sources, workspace, shown) for line in written]
        if workspace is not None:
            self.add_workspace(workspace)
        self.declared = "".join(f"{line}\n" for line in lines)
        inputfile.refuse_credentials(reqfile.logical_lines(self.declared), shown)
        entries = reqfile.parse(self.declared, path=f"{shown} {section.label}")
        for local, _ in reqfile.local_requirements(entries):
            self.add_local_package(local, shown, None)  # a TOML table: no line to name

    def sourced(
        self,
        line: str,
        sources: dict[str, tuple[pp.UvSource, Path]],
        workspace: uvw.Workspace | None,
        shown: str,
    ) -> str:
        """*line*, or the local path ``[tool.uv.sources]`` gives its package (as uv would install it)."""
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in sources or requirement.url:
            return line
        if not self.follow_uv_sources:
            msg = f"[tool.uv.sources] gives {requirement.name} a source; pip-compile does not read it"
            raise RequirementsFileError(
                msg, path=shown, hint='set [tool.nox_support] compiler = "uv", which follows uv\'s sources'
            )
        source, base = sources[name]
        directory = uvw.source_directory(name, source, base, workspace, shown)
        self.look_source(source, base, directory)
        self.add_part(base / pp.PYPROJECT, f"[tool.uv.sources] {name}", self.name(directory).encode("utf-8"))
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f" ; {requirement.marker}" if requirement.marker else ""
        relative = self.name(directory)
        return f"{relative if relative.startswith('.') else './' + relative}{extras}{marker}"

    def add_workspace(self, workspace: uvw.Workspace) -> None:
        """The workspace root's ``[tool.uv.workspace]`` and ``[tool.uv.sources]`` (uv reads both)."""
        path = workspace.root / pp.PYPROJECT
        tool = workspace.data.get("tool")
        uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
        for key in ("workspace", "sources"):
            value = uv.get(key) if isinstance(uv, dict) else None
            if value is not None:
                self.add_part(path, f"[tool.uv.{key}]", pp.canonical_json(value))

    def look_source(self, source: pp.UvSource, base: Path, directory: Path) -> None:
        """Note the directory a source names, as written and resolved."""
        if isinstance(source, pp.PathSource):
            self.lookups.look(base / source.path)
        self.lookups.look(directory)

    def follow(self, package: Path) -> None:
        """Every local package uv reaches from *package* through path and workspace sources."""
        self.lookups.look(package / pp.PYPROJECT)
        if package in self.followed or not (package / pp.PYPROJECT).is_file():
            return
        self.followed.add(package)
        data = uvw.read_toml(package / pp.PYPROJECT, self.display(package / pp.PYPROJECT), self.root)
        workspace = uvw.find_workspace(package, self.root, self.lookups)
        if workspace is not None:
            self.add_workspace(workspace)
        wanted = pp.dependency_names(data)
        for name, (source, base) in uvw.effective_sources(package, data, workspace, self.root).items():
            if isinstance(source, pp.OtherSource) or (wanted is not None and name not in wanted):
                continue
            declared = f"{self.display(base / pp.PYPROJECT)} [tool.uv.sources] {name}"
            target = uvw.source_directory(name, source, base, workspace, self.display(base / pp.PYPROJECT))
            self.look_source(source, base, target)
            self.add_local_package(self.name(target), declared, None)

    def name(self, path: str | Path) -> str:
        return relative_posix(os.fspath(path), self.directory)

    def display(self, path: str | Path) -> str:
        text = os.fspath(path)
        relative = text[len(self.root_prefix) :]
        if text.startswith(self.root_prefix) and not is_dotted(relative):  # what relative_to gives
            return relative if os.sep == "/" else relative.replace(os.sep, "/")
        try:
            return Path(text).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def add_file(
        self, path: str | Path, *, via: str | None, line: int | None, real: str | None = None
    ) -> None:
        """Read *path* (*real*: already resolved) as the input named relative to the service."""
        name = self.name(path)
        if name not in self.files:
            content = self.read(path, real or real_path(path, self.real_root), via=via, line=line)
            self.files[name] = InputFile(name, content)
            self.paths.append(os.fspath(path))

    def add_main_lock(self, lock: Path, *, via: str) -> None:
        """The main lock constraining a layer, as the pins the compiler is constrained by."""
        name = self.name(lock)
        if name not in self.files:
            hint = f"lock the main layer first: {regenerate_command(self.service.name)}"
            content = self.read(lock, real_path(lock, self.real_root), via=via, line=None, missing_hint=hint)
            self.files[name] = InputFile(name, _pins(content, self.display(lock)))
            self.paths.append(os.fspath(lock))

    def read(
        self,
        path: str | Path,
        real: str,
        *,
        via: str | None,
        line: int | None,
        missing_hint: str | None = None,
    ) -> bytes:
        self.lookups.look(path)
        self.lookups.look(real)
        try:
            return repofiles.read_resolved(real, self.real_root, named=path)
        except FileNotFoundError as exc:
            where = via or self.display(path)
            raise RequirementsFileError(
                f"{self.display(path)} does not exist",
                path=where,
                line=line,
                hint=missing_hint or "create it or fix the path",
            ) from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RequirementsFileError(
                    "is a symlink loop", path=self.display(path), hint="replace the link with a regular file"
                ) from exc
            raise RequirementsFileError(
                f"cannot read: {exc.strerror or exc}", path=self.display(path)
            ) from exc

    def add_requirements(
        self,
        path: str | Path,
        *,
        via: str | None,
        line: int | None = None,
        stack: tuple[str, ...] = (),
        real: str | None = None,
    ) -> None:
        self.lookups.look(path)
        resolved = real or real_path(path, self.real_root)
        if not is_within(resolved, self.real_root):
            raise RequirementsFileError(
                f"includes {path}, which is outside the repository",
                path=via or self.display(path),
                line=line,
                hint="keep every -r/-c file inside the repository so locks stay portable",
            )
        if resolved in stack:
            cycle = " -> ".join(self.display(p) for p in (*stack[stack.index(resolved) :], resolved))
            raise RequirementsFileError(
                f"-r/-c cycle: {cycle}",
                path=via or self.display(path),
                line=line,
                hint="remove one of these includes (pip would recurse without end)",
            )
        name = self.name(resolved)
        if name in self.files:
            return
        shown = self.display(resolved)
        read = inputfile.analyse(self.read(resolved, resolved, via=via, line=line), shown)
        self.files[name] = InputFile(name, read.canonical)
        self.paths.append(resolved)
        for include in read.includes:
            self.add_requirements(
                Path(os.path.dirname(resolved)) / include.target,  # noqa: PTH120 - see _Collector
                via=shown,
                line=include.line,
                stack=(*stack, resolved),
            )
        for written, number in read.local:
            self.add_local_package(written, shown, number)

    def add_local_package(self, written: str, shown: str, line: int | None) -> None:
        # pip resolves bare paths against the working directory, which is the
        # service directory when nox-support runs the compiler.
        raw = _local_path(written.split("[", maxsplit=1)[0])
        joined = os.path.join(self.directory, raw)  # noqa: PTH118 - see _Collector
        self.lookups.look(joined)
        target = real_path(joined, self.real_root)
        self.lookups.look(target)
        if not is_within(target, self.real_root):
            raise RequirementsFileError(
                f"local path {written!r} is outside the repository",
                path=shown,
                line=line,
                hint="locks may only name local packages inside the repository, by relative path",
            )
        if not os.path.exists(target):  # noqa: PTH110 - see _Collector
            raise RequirementsFileError(
                f"local path {written!r} does not exist (looked in {self.display(target)})",
                path=shown,
                line=line,
                hint="paths are relative to the service directory",
            )
        if target in self.package_reals:
            return
        self.package_reals.add(target)
        self.packages.append(LocalInput(Path(target), shown, line))
        if os.path.isdir(target):  # noqa: PTH112 - see _Collector
            for name in LOCAL_PACKAGE_METADATA:
                meta = os.path.join(target, name)  # noqa: PTH118 - see _Collector
                self.lookups.look(meta)
                if os.path.isfile(meta):  # noqa: PTH113 - see _Collector
                    self.add_file(meta, via=shown, line=line)
            if self.follow_uv_sources:
                self.follow(Path(target))
        else:
            self.add_file(target, via=shown, line=line, real=target)


def _local_path(written: str) -> str:
    """The filesystem path of a local requirement (``../x``, ``file:../x``, ``file:///abs/x``)."""
    if not written.startswith("file:"):
        return written
    parsed = urlparse(written)
    if parsed.netloc not in {"", "localhost"}:
        return written  # a remote file share: left for the existence check to refuse
    return unquote(parsed.path) if written.startswith("file://") else unquote(written[len("file:") :])


def _pins(content: bytes, shown: str) -> bytes:
    # Either format (a PEP 751 main lock gives the pins it installs): the one dispatch, lockformat's.
    return lockformat.pins_text(Path(shown), inputfile.decode(content, shown), path=shown).encode("utf-8")
