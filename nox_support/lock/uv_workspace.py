"""Read ``pyproject.toml`` files, and find where uv takes a local package from.

uv follows ``[tool.uv.sources]`` of every local package it builds: a ``path`` source is
relative to the file declaring it, a ``workspace = true`` source names a member of the
workspace whose root (the nearest parent ``pyproject.toml`` with ``[tool.uv.workspace]``)
lists it in ``members``.  The root's own ``[tool.uv.sources]`` apply to every member, under
the member's own.  nox-support reads these to know every local package a lock depends on,
and never reads or writes ``uv.lock``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from nox_support.core import repofiles
from nox_support.core.errors import DiscoveryError
from nox_support.lock import evidence
from nox_support.lock import pyproject_inputs as pp

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Workspace:
    """A uv workspace: its root directory, root ``pyproject.toml`` data and members by name."""

    root: Path
    data: Mapping[str, object]
    members: Mapping[str, Path]


def read_toml(path: Path, shown: str, root: Path) -> Mapping[str, object]:
    """The parsed TOML file at *path*, inside the repository *root*; one clear error when it cannot be read.

    Read as every repository file is (:func:`~nox_support.core.repofiles.read_bytes`): bounded, a
    regular file, and refused when it is a link to a file outside the repository.
    """
    try:
        raw = repofiles.read_bytes(path, root)
    except OSError as exc:  # missing or unreadable (a file refused by read_bytes: its own error)
        msg = f"{shown}: cannot be read: {exc.strerror or exc}"
        raise DiscoveryError(msg, hint="make it a readable file") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"{shown}:{line}: not UTF-8 text"
        raise DiscoveryError(msg, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{shown}: invalid TOML: {exc}"
        raise DiscoveryError(msg, hint="fix the syntax error") from None


def find_workspace(
    directory: Path, repo_root: Path, lookups: evidence.Lookups | None = None
) -> Workspace | None:
    """The uv workspace *directory* belongs to, looking no higher than *repo_root*.

    *lookups* hears of each file looked for; a workspace root found (whether *directory* is a
    member or not) makes the result depend on its members' globs, so it is not provable.
    """
    for candidate in (directory, *directory.parents):
        if not candidate.is_relative_to(repo_root):
            return None
        path = candidate / pp.PYPROJECT
        if lookups is not None:
            lookups.look(path)
        if path.is_file():
            data = read_toml(path, _shown(path, repo_root), repo_root)
            workspace = pp.uv_workspace(data)
            if workspace is not None:
                if lookups is not None:
                    lookups.provable = False
                members = _members(candidate, workspace, repo_root)
                if candidate == directory or directory.resolve() in {p.resolve() for p in members.values()}:
                    return Workspace(candidate, data, members)
                return None
    return None


def effective_sources(
    package: Path, data: Mapping[str, object], workspace: Workspace | None, repo_root: Path
) -> dict[str, tuple[pp.UvSource, Path]]:
    """The sources uv applies to *package*: the workspace root's, then its own over them.

    Each comes with the directory its ``path`` is relative to.
    """
    out: dict[str, tuple[pp.UvSource, Path]] = {}
    if workspace is not None and workspace.root != package:
        shown = _shown(workspace.root / pp.PYPROJECT, repo_root)
        out.update(
            {name: (source, workspace.root) for name, source in pp.uv_sources(workspace.data, shown).items()}
        )
    shown = _shown(package / pp.PYPROJECT, repo_root)
    out.update({name: (source, package) for name, source in pp.uv_sources(data, shown).items()})
    return out


def source_directory(
    name: str, source: pp.UvSource, base: Path, workspace: Workspace | None, where: str
) -> Path:
    """The local directory a path or workspace *source* of package *name* points at."""
    match source:
        case pp.PathSource(path=path):
            return (base / path).resolve()
        case pp.WorkspaceSource():
            if workspace is None or name not in workspace.members:
                msg = f"{where}: [tool.uv.sources] {name} = {{ workspace = true }} names no workspace member"
                raise DiscoveryError(msg, hint="add it to [tool.uv.workspace] members of the workspace root")
            return workspace.members[name].resolve()
        case pp.OtherSource(kind=kind):
            msg = f"{where}: [tool.uv.sources] {name} is a {kind} source, which nox-support cannot lock"
            raise DiscoveryError(
                msg,
                hint="use a path or workspace source, or a direct URL in the dependency itself",
            )


def _members(root: Path, workspace: Mapping[str, object], repo_root: Path) -> dict[str, Path]:
    include = workspace.get("members", [])
    exclude = workspace.get("exclude", [])
    if not isinstance(include, list) or not isinstance(exclude, list):
        msg = (
            f"{_shown(root / pp.PYPROJECT, repo_root)}: [tool.uv.workspace] members and exclude must be lists"
        )
        raise DiscoveryError(msg)
    excluded = {
        path.resolve() for pattern in exclude if isinstance(pattern, str) for path in root.glob(pattern)
    }
    members: dict[str, Path] = {}
    for directory in [
        root,
        *(p for pattern in include if isinstance(pattern, str) for p in sorted(root.glob(pattern))),
    ]:
        path = directory / pp.PYPROJECT
        if directory.resolve() in excluded or not path.is_file():
            continue
        name = pp.project_name(read_toml(path, _shown(path, repo_root), repo_root))
        if name is not None:
            members.setdefault(canonicalize_name(name), directory)
    return members


def _shown(path: Path, repo_root: Path) -> str:
    try:
        return path.relative_to(repo_root).as_posix()
    except ValueError:
        return str(path)


def declared_names(pyproject: Path, section: pp.Section, shown: str, root: Path) -> tuple[str, ...]:
    """Canonical names of the requirements *section* of *pyproject* declares (its direct dependencies)."""
    written = pp.requirements(read_toml(pyproject, shown, root), section, shown)
    return tuple(sorted({canonicalize_name(pp.requirement_name(line)) for line in written}))
