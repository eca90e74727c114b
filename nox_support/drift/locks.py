"""What one service's lock and inputs say about its packages (pure: text in, values out).

Shared by ``drift`` and ``conflicts``: the pins of a lock with the ``# via`` annotations that say
which package pulled each one in, and the direct requirements of its ``.in`` files with the file
and line each comes from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support.errors import RequirementsFileError
from nox_support.lock import reqfile


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
        specifiers = specifier_set(self.specifier)
        return specifiers is None or specifiers.contains(version, prereleases=True)


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
        return self._pins.get(name)

    def requirements_on(self, name: str) -> tuple[DirectRequirement, ...]:
        """The direct requirements and constraints naming *name*."""
        return self._requirements.get(name, ())

    @functools.cached_property
    def _pins(self) -> dict[str, LockedPackage]:
        return {p.name: p for p in self.packages}

    @functools.cached_property
    def _requirements(self) -> dict[str, tuple[DirectRequirement, ...]]:
        found: dict[str, list[DirectRequirement]] = {}
        for requirement in self.requirements:
            found.setdefault(requirement.name, []).append(requirement)
        return {name: tuple(rules) for name, rules in found.items()}


# ``name`` or ``name OP version``: the specifier is the text after the name (no packaging needed).
_SIMPLE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?P<specifier>(?:(?:==|!=|>=|<=|>|<|~=)\s*[0-9][0-9.]*)?)\Z"
)
_PIN_HEAD = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==")
# What pip-compile and uv write for a pin: ``name==version``, maybe a marker, maybe a continuation.
_MACHINE_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[A-Za-z0-9._,-]*\])?"
    r"==(?P<version>[A-Za-z0-9.!+_-]+)(?:\s*;[^\\#]*)?(?:\s+\\)?\s*$"
)
_VIA_INLINE = re.compile(r"^\s+#\s+via\s+(?P<parent>\S.*?)\s*$")
_VIA_START = re.compile(r"^\s+#\s+via\s*$")
_VIA_ITEM = re.compile(r"^\s+#\s{2,}(?P<parent>\S.*?)\s*$")


def parse_lock(text: str, *, path: str) -> tuple[LockedPackage, ...]:
    """The pins of a lock; raises :class:`RequirementsFileError` naming the line of a bad entry.

    Locks as pip-compile and uv write them are read line by line (200 services' locks in well
    under a second); anything else goes through the full requirements parser, which names the
    line it cannot read.
    """
    fast = _machine_written_pins(text)
    if fast is not None:
        return fast
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


def _machine_written_pins(text: str) -> tuple[LockedPackage, ...] | None:
    """The pins of a lock in the compilers' own layout, or ``None`` when it is anything else."""
    pins: list[tuple[str, str, int, list[str]]] = []
    via: list[str] | None = None
    listing = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line:
            continue
        if line[0] in " \t":
            stripped = line.lstrip()
            if stripped.startswith("--hash="):
                continue
            if not stripped.startswith("#"):
                return None
            if via is not None:
                listing = _via_comment(stripped[1:].strip(), via, listing=listing)
            continue
        via, listing = None, False
        if line[0] == "#" or line.startswith(("../", "./", "/", "file:", "-e ")):
            continue  # a comment, or a local path package: no version to compare
        pin = _MACHINE_PIN.match(line)
        if pin is None:
            return None
        via = []
        pins.append((_canonical(pin.group("name")), pin.group("version"), number, via))
    return tuple(
        LockedPackage(name, version, number, tuple(parents)) for name, version, number, parents in pins
    )


def _via_comment(body: str, via: list[str], *, listing: bool) -> bool:
    """Add what a ``# via`` comment line names to *via*; whether a ``# via`` list continues."""
    if body.startswith("via"):
        rest = body[3:].strip()
        if rest:
            via.append(rest)
        return not rest
    if listing and body:
        via.append(body)
    return listing


@functools.lru_cache(maxsize=8192)
def _canonical(name: str) -> str:
    return canonicalize_name(name)


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
    simple = _SIMPLE.match(entry.text)
    if simple:
        specifier = simple.group("specifier").replace(" ", "")
    else:
        try:
            specifier = str(Requirement(entry.text).specifier)
        except InvalidRequirement:
            specifier = ""
    return DirectRequirement(entry.name, entry.text, specifier, file, entry.line, constraint)


@functools.lru_cache(maxsize=4096)
def specifier_set(text: str) -> SpecifierSet | None:
    """*text* parsed once per process; ``None`` when it is not a valid specifier."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def version_or_none(text: str) -> Version | None:
    """*text* as a :class:`Version`, or ``None`` for a legacy version string."""
    try:
        return Version(text)
    except InvalidVersion:
        return None
