"""Parse pip requirements files (``.in`` inputs and ``.txt`` locks) without I/O.

Only what nox-support needs is modelled: includes (``-r``/``-c``), local
path requirements, named requirements with pins and hashes, and options.
Every entry keeps the line number where it starts.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from nox_support.errors import RequirementsFileError


@dataclass(frozen=True)
class Include:
    """``-r FILE`` (``constraint=False``) or ``-c FILE`` (``constraint=True``)."""

    target: str
    constraint: bool
    line: int


@dataclass(frozen=True)
class LocalPath:
    """A requirement on a local directory or file (``../../libs/shared``, ``-e ./x``)."""

    path: str
    editable: bool
    line: int


@dataclass(frozen=True)
class NamedRequirement:
    """A requirement by name; ``pin`` is the version when it is ``name==version``."""

    name: str
    text: str
    pin: str | None
    hashes: tuple[str, ...]
    line: int
    url: str | None = None


@dataclass(frozen=True)
class Option:
    """Any other option line (``--index-url``, ``--pre``, ``--find-links`` ...)."""

    name: str
    value: str
    line: int


Entry = Include | LocalPath | NamedRequirement | Option

_INCLUDE_FLAGS = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_EDITABLE_FLAGS = ("-e", "--editable")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_PIN = re.compile(r"^==\s*([^,;\s*]+)$")
# A bare name with at most one plain version comparison parses exactly as packaging
# would; matching it directly is ~10x cheaper, and every no-op run parses every input.
_SIMPLE_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?:\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<version>[0-9]+(?:\.[0-9]+)*))?\Z"
)


def logical_lines(text: str) -> list[tuple[int, str]]:
    r"""Lines with comments removed and ``\`` continuations joined, with start line numbers."""
    out: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw)
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def parse(text: str, *, path: str) -> tuple[Entry, ...]:
    """Parse the requirements file *text*; *path* only names it in errors."""
    return tuple(_parse_line(line, number, path) for number, line in logical_lines(text))


def includes(entries: tuple[Entry, ...]) -> tuple[Include, ...]:
    """The ``-r``/``-c`` entries of a parsed file."""
    return tuple(e for e in entries if isinstance(e, Include))


def local_paths(entries: tuple[Entry, ...]) -> tuple[LocalPath, ...]:
    """The local path requirements of a parsed file."""
    return tuple(e for e in entries if isinstance(e, LocalPath))


def _parse_line(line: str, number: int, path: str) -> Entry:
    if line.startswith("-"):
        return _parse_option(line, number, path)
    if _looks_like_path(line):
        return LocalPath(line.split(";", maxsplit=1)[0].strip(), editable=False, line=number)
    return _parse_requirement(line, number, path)


def _parse_option(line: str, number: int, path: str) -> Entry:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise RequirementsFileError(f"cannot split option line: {exc}", path=path, line=number) from exc
    flag, _, inline = words[0].partition("=")
    if flag not in _INCLUDE_FLAGS and flag.startswith(("-r", "-c", "-e")) and len(flag) > 2:  # noqa: PLR2004
        inline, flag = flag[2:], flag[:2]
    value = inline or (words[1] if len(words) > 1 else "")
    if flag in _INCLUDE_FLAGS:
        if not value:
            raise RequirementsFileError(
                f"{flag} needs a file name", path=path, line=number, hint=f"write: {flag} other.txt"
            )
        return Include(value, constraint=_INCLUDE_FLAGS[flag], line=number)
    if flag in _EDITABLE_FLAGS:
        if not value:
            raise RequirementsFileError(f"{flag} needs a path or URL", path=path, line=number)
        if "://" in value and not value.startswith("file:"):
            return Option(flag, value, number)
        return LocalPath(value.removeprefix("file:"), editable=True, line=number)
    return Option(flag, value, number)


def _looks_like_path(line: str) -> bool:
    head = line.split(";", maxsplit=1)[0].strip()
    return head.startswith((".", "/", "~", "file:")) or (
        "/" in head and "@" not in head and "://" not in head
    )


def _parse_requirement(line: str, number: int, path: str) -> NamedRequirement:
    words = line.split()
    hashes: list[str] = []
    spec_words: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--hash"):
            value = word.partition("=")[2]
            if not value and index + 1 < len(words):
                index += 1
                value = words[index]
            hashes.append(value)
        elif word.startswith("--"):
            raise RequirementsFileError(
                f"unsupported per-requirement option {word!r}", path=path, line=number
            )
        else:
            spec_words.append(word)
        index += 1
    spec = " ".join(spec_words)
    simple = _SIMPLE_REQUIREMENT.match(spec)
    if simple:
        return NamedRequirement(
            name=canonicalize_name(simple.group("name")),
            text=spec,
            pin=simple.group("version") if simple.group("op") == "==" else None,
            hashes=tuple(hashes),
            line=number,
        )
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as exc:
        raise RequirementsFileError(
            f"invalid requirement {spec!r}: {exc}",
            path=path,
            line=number,
            hint="write a PEP 508 requirement such as 'requests>=2.31', or a path starting with ./",
        ) from exc
    pin = None
    specifiers = list(requirement.specifier)
    if len(specifiers) == 1:
        match = _PIN.match(str(specifiers[0]))
        if match:
            pin = match.group(1)
    return NamedRequirement(
        name=canonicalize_name(requirement.name),
        text=spec,
        pin=pin,
        hashes=tuple(hashes),
        line=number,
        url=requirement.url,
    )
