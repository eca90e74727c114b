"""What one service's lock and inputs say about its packages (pure: text in, values out).

Shared by ``drift`` and ``conflicts``: the pins of a lock with the ``# via`` annotations that say
which package pulled each one in, and the direct requirements of its ``.in`` files with the file
and line each comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support import reqfile
from nox_support.errors import RequirementsFileError


@dataclass(frozen=True)
class LockedPackage:
    """``name==version`` in a lock; ``via`` lists what pulled it in, as the lock says."""

    name: str
    version: str
    line: int
    via: tuple[str, ...] = ()

    @property
    def direct(self) -> bool:
        """The lock says a ``-r``/``-c`` input file asked for it (or it names no reason)."""
        return not self.via or any(parent.startswith(("-r ", "-c ")) for parent in self.via)

    @property
    def parents(self) -> tuple[str, ...]:
        """The packages that pulled it in (not the input files)."""
        return tuple(p for p in self.via if not p.startswith(("-r ", "-c ")))


@dataclass(frozen=True)
class DirectRequirement:
    """A named requirement written in an input file (``constraint`` for ``-c`` files)."""

    name: str
    text: str
    specifier: str
    file: str
    line: int
    constraint: bool = False

    @property
    def where(self) -> str:
        """``services/orders/requirements.in:2``."""
        return f"{self.file}:{self.line}"

    def allows(self, version: Version) -> bool:
        """Whether *version* satisfies the specifier (pre-releases count: a lock may pin one)."""
        try:
            return SpecifierSet(self.specifier).contains(version, prereleases=True)
        except InvalidSpecifier:
            return True


@dataclass(frozen=True)
class LocalRequirement:
    """A local path requirement; ``path`` is absolute."""

    path: Path
    file: str
    line: int


@dataclass(frozen=True)
class InputOption:
    """An option line of an input file (``--index-url`` ...), kept for a combined resolve."""

    name: str
    value: str
    file: str
    line: int


@dataclass(frozen=True)
class ServiceLock:
    """One lock of one service (``layer`` is ``main`` or a layer name) and its direct inputs."""

    service: str
    layer: str
    lock: str
    packages: tuple[LockedPackage, ...]
    requirements: tuple[DirectRequirement, ...] = ()
    local: tuple[LocalRequirement, ...] = ()
    options: tuple[InputOption, ...] = ()

    @property
    def label(self) -> str:
        """``orders`` for a main lock, ``orders:dev`` for a layer."""
        return self.service if self.layer == "main" else f"{self.service}:{self.layer}"

    def package(self, name: str) -> LockedPackage | None:
        """The pin of *name* (canonical), if the lock has one."""
        for package in self.packages:
            if package.name == name:
                return package
        return None

    def requirements_on(self, name: str) -> tuple[DirectRequirement, ...]:
        """The direct requirements and constraints naming *name*."""
        return tuple(r for r in self.requirements if r.name == name)


_PIN_HEAD = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==")
_VIA_INLINE = re.compile(r"^\s+#\s+via\s+(?P<parent>\S.*?)\s*$")
_VIA_START = re.compile(r"^\s+#\s+via\s*$")
_VIA_ITEM = re.compile(r"^\s+#\s{2,}(?P<parent>\S.*?)\s*$")


def parse_lock(text: str, *, path: str) -> tuple[LockedPackage, ...]:
    """The pins of a lock; raises :class:`RequirementsFileError` naming the line of a bad entry."""
    via = _via_annotations(text)
    packages: list[LockedPackage] = []
    for entry in reqfile.parse(text, path=path):
        if not isinstance(entry, reqfile.NamedRequirement) or entry.url is not None:
            continue  # local paths and direct URLs pin no version
        if entry.pin is None:
            raise RequirementsFileError(
                f"{entry.text!r} is not pinned with == (is this a lock?)",
                path=path,
                line=entry.line,
                hint="regenerate the lock with nox -s lock",
            )
        packages.append(LockedPackage(entry.name, entry.pin, entry.line, via.get(entry.name, ())))
    return tuple(packages)


def _via_annotations(text: str) -> dict[str, tuple[str, ...]]:
    """``name -> parents`` from pip-compile's and uv's ``# via`` comments."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    listing = False
    for line in text.splitlines():
        head = _PIN_HEAD.match(line)
        if head:
            current = canonicalize_name(head.group("name"))
            found.setdefault(current, [])
            listing = False
            continue
        if current is None:
            continue
        if inline := _VIA_INLINE.match(line):
            found[current].append(inline.group("parent"))
            listing = False
        elif _VIA_START.match(line):
            listing = True
        elif listing and (item := _VIA_ITEM.match(line)):
            found[current].append(item.group("parent"))
        elif not line.startswith((" ", "\t")):
            current = None
            listing = False
    return {name: tuple(parents) for name, parents in found.items()}


def direct_requirement(entry: reqfile.NamedRequirement, *, file: str, constraint: bool) -> DirectRequirement:
    """A parsed named requirement as a :class:`DirectRequirement` (the marker is not evaluated)."""
    try:
        specifier = str(Requirement(entry.text).specifier)
    except InvalidRequirement:
        specifier = ""
    return DirectRequirement(entry.name, entry.text, specifier, file, entry.line, constraint)


def version_or_none(text: str) -> Version | None:
    """*text* as a :class:`Version`, or ``None`` for a legacy version string."""
    try:
        return Version(text)
    except InvalidVersion:
        return None
