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
    flag: str = "-r"
    """The option as written (``-r``, ``--requirement``, ``--requirem``)."""


@dataclass(frozen=True)
class LocalPath:
    """A requirement on a local directory or file (``../../libs/shared``, ``-e ./x``)."""

    path: str
    editable: bool
    line: int
    flag: str | None = None
    """The option as written for an editable (``-e``), else ``None``."""


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
    flag: str = ""
    """The option as written; ``name`` is pip's full name for it."""


Entry = Include | LocalPath | NamedRequirement | Option

_INCLUDE_FLAGS = {"--requirement": False, "--constraint": True}
_EDITABLE_FLAGS = ("--editable",)
# Every option pip accepts on its own line of a requirements file, and the short forms.
# pip parses these lines with optparse, which also accepts any unambiguous prefix of a
# long option (``--requirem=x`` is ``--requirement=x``): :func:`canonical_option` reads
# them the same way, so every rule applies to what pip would do.
PIP_LONG_OPTIONS = (
    # Every option any supported pip reads in a requirements file (pip 26.3 added the first, the
    # "--no-require-hashes" and "--only-final" ones and dropped "--global-option"; pip 23.0, the
    # floor, still reads "--install-option"): an option one pip knows must never pass as "unknown
    # text" here, nor a prefix of it as another option.
    "--all-releases",
    "--config-settings",
    "--constraint",
    "--editable",
    "--extra-index-url",
    "--find-links",
    "--global-option",
    "--hash",
    "--index-url",
    "--install-option",
    "--no-binary",
    "--no-index",
    "--no-require-hashes",
    "--only-binary",
    "--only-final",
    "--pre",
    "--prefer-binary",
    "--pypi-url",
    "--require-hashes",
    "--requirement",
    "--trusted-host",
    "--use-feature",
)
PIP_SHORT_OPTIONS = {
    "-C": "--config-settings",
    "-c": "--constraint",
    "-e": "--editable",
    "-f": "--find-links",
    "-i": "--index-url",
    "-r": "--requirement",
}
_FLAGS_WITHOUT_VALUE = frozenset(
    {
        "--all-releases",
        "--no-index",
        "--no-require-hashes",
        "--only-final",
        "--pre",
        "--prefer-binary",
        "--require-hashes",
    }
)
# pip's own pattern (pip/_internal/req/req_file.py): a comment starts a line or follows whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_BOM = "\ufeff"
_PIN = re.compile(r"^==\s*([^,;\s*]+)$")
# A bare name with at most one plain version comparison parses exactly as packaging
# would; matching it directly is ~10x cheaper, and every no-op run parses every input.
_SIMPLE_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?:\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<version>[0-9]+(?:\.[0-9]+)*))?\Z"
)


def logical_lines(text: str) -> list[tuple[int, str]]:
    r"""The lines pip reads, with the number of the line each starts on.

    Exactly pip's preprocessing (``join_lines`` then ``ignore_comments``): a line ending
    in ``\`` is joined with the next unless it is a comment line, comments are removed,
    whitespace is stripped and empty lines are dropped.  A leading UTF-8 BOM is dropped,
    as pip's decoder does.
    """
    out: list[tuple[int, str]] = []
    joined: list[str] = []
    start = 0
    for number, raw in enumerate(text.removeprefix(_BOM).splitlines(), start=1):
        line = raw
        is_comment = line.lstrip().startswith("#")  # what _COMMENT.match finds, without a regex
        if not line.endswith("\\") or is_comment:
            if is_comment:
                line = " " + line
            if joined:
                joined.append(line)
                _keep(out, start, "".join(joined))
                joined = []
            else:
                _keep(out, number, line)
        else:
            if not joined:
                start = number
            joined.append(line.strip("\\"))
    if joined:
        _keep(out, start, "".join(joined))
    return out


def _keep(out: list[tuple[int, str]], number: int, line: str) -> None:
    stripped = (_COMMENT.sub("", line) if "#" in line else line).strip()
    if stripped:
        out.append((number, stripped))


def canonical_text(text: str) -> str:
    """What pip reads from a requirements file, one logical line per line (pure).

    Comments, blank lines, surrounding whitespace, line continuations, line endings and a
    BOM do not change it, so an edit to any of them leaves a lock's digest unchanged.
    """
    return "".join(f"{line}\n" for _, line in logical_lines(text))


def canonical_option(flag: str) -> str | None:
    """Pip's full name for the option *flag* as written, or ``None`` when pip rejects it.

    ``-r`` and ``--requirement`` are ``--requirement``; so is ``--requirem``, an
    unambiguous prefix (optparse's rule); ``--re`` is ambiguous and rejected.
    """
    if flag in PIP_SHORT_OPTIONS:
        return PIP_SHORT_OPTIONS[flag]
    if not flag.startswith("--"):
        return None
    if flag in PIP_LONG_OPTIONS:
        return flag
    matches = [option for option in PIP_LONG_OPTIONS if option.startswith(flag)]
    return matches[0] if len(matches) == 1 else None


def abbreviation(entry: Entry) -> str | None:
    """The option of *entry* as written when it abbreviates pip's name (``--requirem``)."""
    match entry:
        case Include(flag=flag) | Option(flag=flag) | LocalPath(flag=str() as flag):
            return flag if flag.startswith("--") and canonical_option(flag) != flag else None
        case _:
            return None


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
    written, value = _split_flag(words)
    flag = canonical_option(written)
    if flag is None:
        raise RequirementsFileError(
            f"unknown or ambiguous option {written!r}",
            path=path,
            line=number,
            hint="pip accepts " + ", ".join(PIP_LONG_OPTIONS) + " (and -r, -c, -e, -f, -i, -C)",
        )
    if flag in _INCLUDE_FLAGS:
        if not value:
            raise RequirementsFileError(
                f"{written} needs a file name", path=path, line=number, hint=f"write: {written} other.txt"
            )
        return Include(value, constraint=_INCLUDE_FLAGS[flag], line=number, flag=written)
    if flag in _EDITABLE_FLAGS:
        if not value:
            raise RequirementsFileError(f"{written} needs a path or URL", path=path, line=number)
        if "://" in value and not value.startswith("file:"):
            return Option(flag, value, number, flag=written)
        return LocalPath(value.removeprefix("file:"), editable=True, line=number, flag=written)
    return Option(flag, "" if flag in _FLAGS_WITHOUT_VALUE else value, number, flag=written)


def _split_flag(words: list[str]) -> tuple[str, str]:
    """The option word and its value, split as optparse splits them."""
    first = words[0]
    following = words[1] if len(words) > 1 else ""
    if first.startswith("--"):
        flag, sep, inline = first.partition("=")
        return flag, inline if sep else following
    # A short option takes the rest of its word as the value (``-rfile``, even ``-r=file``).
    return first[:2], first[2:] or following


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
        if word.startswith("--hash=") or (
            word.startswith("--") and canonical_option(word.partition("=")[0]) == "--hash"
        ):
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
