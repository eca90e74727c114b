"""What a service declared in ``pyproject.toml`` asks the compiler for (pure, no I/O).

A service directory holding a ``pyproject.toml`` with ``[project] dependencies`` (and no
``requirements.in``) is locked from those dependencies; each PEP 735 ``[dependency-groups]``
group and each ``[project.optional-dependencies]`` extra is a layer constrained by the main
lock.  nox-support writes the requirements of a section into a temporary ``.in`` file and
compiles that, rather than handing the compiler the ``pyproject.toml``: pip-compile would
build the project through its build backend (slow, and it may need the network), and the
lock would then depend on more than the digest can see.  The digest covers exactly what is
compiled: the section's requirements (``include-group`` resolved, self-references
expanded), ``requires-python``, and the ``[tool.uv.sources]`` entries that turn a name into
a local path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from nox_support.core.errors import DiscoveryError, RequirementsFileError

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class ProjectDependencies:
    """``[project] dependencies``: the main layer."""

    @property
    def label(self) -> str:
        """The section as named in messages and in the digest."""
        return "[project] dependencies"


@dataclass(frozen=True)
class DependencyGroup:
    """A PEP 735 ``[dependency-groups]`` group (``name`` as written)."""

    name: str

    @property
    def label(self) -> str:
        """The section as named in messages and in the digest."""
        return f"[dependency-groups] {self.name}"


@dataclass(frozen=True)
class OptionalDependencies:
    """A ``[project.optional-dependencies]`` extra (``name`` as written)."""

    name: str

    @property
    def label(self) -> str:
        """The section as named in messages and in the digest."""
        return f"[project.optional-dependencies] {self.name}"


Section = ProjectDependencies | DependencyGroup | OptionalDependencies


@dataclass(frozen=True)
class PathSource:
    """``[tool.uv.sources] name = { path = "..." }``: relative to the declaring file's directory."""

    path: str


@dataclass(frozen=True)
class WorkspaceSource:
    """``[tool.uv.sources] name = { workspace = true }``: a member of the enclosing workspace."""


@dataclass(frozen=True)
class OtherSource:
    """A git, URL or index source: nox-support cannot compile those through a ``.in`` file."""

    kind: str


UvSource = PathSource | WorkspaceSource | OtherSource

_NAME_SEPARATORS = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    """A group or extra name as PEP 685 / PEP 735 compare them (``Test_Tools`` -> ``test-tools``)."""
    return _NAME_SEPARATORS.sub("-", name).lower()


def declares_dependencies(data: Mapping[str, object]) -> bool:
    """Whether a parsed ``pyproject.toml`` has a static ``[project] dependencies`` list."""
    project = data.get("project")
    return isinstance(project, dict) and "dependencies" in project


def project_name(data: Mapping[str, object]) -> str | None:
    """``[project] name``, canonicalized; ``None`` when absent."""
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return canonicalize_name(name) if isinstance(name, str) else None


def layer_sections(data: Mapping[str, object], where: str) -> tuple[tuple[str, Section], ...]:
    """``(layer name, section)`` for every group and extra, sorted by layer name.

    Raises :class:`DiscoveryError` when a group and an extra (or two spellings) would write
    the same lock.
    """
    found: dict[str, Section] = {}
    sections: list[DependencyGroup | OptionalDependencies]
    sections = [DependencyGroup(name) for name in _table(data, "dependency-groups", where)]
    sections += [
        OptionalDependencies(name) for name in _table(_project(data, where), "optional-dependencies", where)
    ]
    for section in sections:
        layer = normalize(section.name)
        if layer == "main":
            msg = f"{where}: {section.label} would write the main lock"
            raise DiscoveryError(
                msg, hint="rename the group or extra (the name main is the service's own lock)"
            )
        if layer in found:
            msg = (
                f"{where}: {found[layer].label} and {section.label} would both write requirements-{layer}.txt"
            )
            raise DiscoveryError(msg, hint="rename one of them")
        found[layer] = section
    return tuple(sorted(found.items()))


def requirements(data: Mapping[str, object], section: Section, where: str) -> tuple[str, ...]:
    """The requirement strings of *section*, as the compiler gets them.

    ``include-group`` is resolved (PEP 735); a self-reference ``name[extra]`` (the project
    itself) in an extra or group becomes that extra's requirements, and a bare one is dropped:
    the project's own dependencies are the main lock, which constrains every layer.
    """
    own = project_name(data)
    return tuple(dict.fromkeys(_expand(data, section, where, own, ())))


def _expand(
    data: Mapping[str, object], section: Section, where: str, own: str | None, stack: tuple[Section, ...]
) -> list[str]:
    if section in stack:
        cycle = " -> ".join(s.label for s in (*stack, section))
        msg = f"{where}: include cycle: {cycle}"
        raise DiscoveryError(msg, hint="remove one include-group (PEP 735 forbids cycles)")
    out: list[str] = []
    for item in _entries(data, section, where):
        if isinstance(item, dict):
            included = item.get("include-group")
            if set(item) != {"include-group"} or not isinstance(included, str):
                msg = f"{where}: {section.label}: {json.dumps(item)} is not a requirement or an include-group"
                raise DiscoveryError(msg, hint='write {include-group = "<group>"} or a requirement string')
            out += _expand(data, _group(data, included, section, where), where, own, (*stack, section))
            continue
        requirement = _requirement(item, section, where)
        if (
            own is not None
            and canonicalize_name(requirement.name) == own
            and section != ProjectDependencies()
        ):
            for extra in sorted(requirement.extras):
                out += _expand(data, _extra(data, extra, section, where), where, own, (*stack, section))
            continue
        out.append(str(item).strip())
    return out


def _entries(data: Mapping[str, object], section: Section, where: str) -> list[object]:
    match section:
        case ProjectDependencies():
            value = _project(data, where).get("dependencies")
        case DependencyGroup(name=name):
            value = _table(data, "dependency-groups", where).get(name)
        case OptionalDependencies(name=name):
            value = _table(_project(data, where), "optional-dependencies", where).get(name)
    if not isinstance(value, list):
        msg = f"{where}: {section.label} must be a list"
        raise DiscoveryError(msg, hint='write a list of requirement strings, for example ["requests>=2"]')
    return value


def _requirement(item: object, section: Section, where: str) -> Requirement:
    if not isinstance(item, str):
        msg = f"{where}: {section.label}: {item!r} is not a requirement string"
        raise RequirementsFileError(msg, path=where, hint="write each requirement as a PEP 508 string")
    try:
        return Requirement(item)
    except InvalidRequirement as exc:
        msg = f"{section.label}: {item!r} is not a PEP 508 requirement ({exc})"
        raise RequirementsFileError(
            msg, path=where, hint="write it as in a requirements file, for example 'name>=1'"
        ) from None


def _group(data: Mapping[str, object], name: str, by: Section, where: str) -> DependencyGroup:
    groups = _table(data, "dependency-groups", where)
    matches = [written for written in groups if normalize(written) == normalize(name)]
    if not matches:
        msg = f"{where}: {by.label} includes group {name!r}, which is not in [dependency-groups]"
        raise DiscoveryError(msg, hint=f"groups: {', '.join(groups) or 'none'}")
    return DependencyGroup(matches[0])


def _extra(data: Mapping[str, object], name: str, by: Section, where: str) -> OptionalDependencies:
    extras = _table(_project(data, where), "optional-dependencies", where)
    matches = [written for written in extras if normalize(written) == normalize(name)]
    if not matches:
        msg = f"{where}: {by.label} asks for the project's extra {name!r}, which is not declared"
        raise DiscoveryError(msg, hint=f"extras: {', '.join(extras) or 'none'}")
    return OptionalDependencies(matches[0])


def requirement_name(line: str) -> str:
    """The distribution name of a requirement string already checked by :func:`requirements`."""
    return Requirement(line).name


def requires_python(data: Mapping[str, object]) -> str | None:
    """``[project] requires-python`` as written, or ``None``."""
    project = data.get("project")
    value = project.get("requires-python") if isinstance(project, dict) else None
    return value if isinstance(value, str) else None


def uv_sources(data: Mapping[str, object], where: str) -> dict[str, UvSource]:
    """``[tool.uv.sources]`` by canonical package name."""
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    raw = uv.get("sources", {}) if isinstance(uv, dict) else {}
    if not isinstance(raw, dict):
        msg = f"{where}: [tool.uv.sources] must be a table"
        raise DiscoveryError(msg)
    return {canonicalize_name(name): _source(entry) for name, entry in raw.items()}


def _source(entry: object) -> UvSource:
    if isinstance(entry, dict):
        if isinstance(entry.get("path"), str):
            return PathSource(entry["path"])
        if entry.get("workspace") is True:
            return WorkspaceSource()
        return OtherSource(next((key for key in ("git", "url", "index") if key in entry), "unknown"))
    return OtherSource("a list of conditional sources" if isinstance(entry, list) else "unknown")


def uv_workspace(data: Mapping[str, object]) -> Mapping[str, object] | None:
    """``[tool.uv.workspace]``, or ``None`` when the file declares no workspace."""
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    workspace = uv.get("workspace") if isinstance(uv, dict) else None
    return workspace if isinstance(workspace, dict) else None


def dependency_names(data: Mapping[str, object]) -> frozenset[str] | None:
    """Canonical names a local package may ask for (dependencies and every extra).

    ``None`` when its dependencies are dynamic or unreadable: then any source may matter.
    """
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("dependencies"), list):
        return None
    written = list(project["dependencies"])
    extras = project.get("optional-dependencies", {})
    if isinstance(extras, dict):
        written += [req for value in extras.values() if isinstance(value, list) for req in value]
    try:
        return frozenset(canonicalize_name(Requirement(str(item)).name) for item in written)
    except InvalidRequirement:
        return None


def canonical_json(value: object) -> bytes:
    """A stable serialization of a TOML value for the digest."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _project(data: Mapping[str, object], where: str) -> Mapping[str, object]:
    project = data.get("project", {})
    if not isinstance(project, dict):
        msg = f"{where}: [project] must be a table"
        raise DiscoveryError(msg)
    return project


def _table(data: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        msg = f"{where}: {key} must be a table"
        raise DiscoveryError(msg)
    return value
