"""What one service's lock and inputs say about its packages (pure: text in, values out).

Shared by ``drift`` and ``conflicts``: the pins of a lock, read through the lock model
(:mod:`nox_support.lock.grammar`; the ``# via`` annotations say which package pulled each one
in), and the direct requirements of its ``.in`` files with the file and line each comes from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from nox_support.core.errors import RequirementsFileError
from nox_support.lock import grammar, reqfile
from nox_support.lock.inputs import LocalInput
from nox_support.lock.model import LockedPackage, OffGrammar


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
    local: tuple[LocalInput, ...] = ()
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


def parse_lock(text: str, *, path: str, compiler_output: bool = False) -> tuple[LockedPackage, ...]:
    """The pins of a lock read against the lock grammar (:func:`nox_support.lock.grammar.read_pins`).

    Raises :class:`RequirementsFileError` naming the first line off the grammar.  The digest line
    is not required: drift reports on locks however they were written, and installs nothing.
    """
    pins = grammar.read_pins(text, compiler_output=compiler_output)
    if isinstance(pins, OffGrammar):
        raise RequirementsFileError(
            f"{pins.reason} ({pins.excerpt}) is outside the lock grammar",
            path=path,
            line=pins.line,
            hint="regenerate the lock with nox -s lock",
        )
    return pins


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
