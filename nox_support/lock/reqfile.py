"""Parse pip requirements files (``.in`` inputs) without I/O, as pip reads them.

Modelled: includes (``-r``/``-c``), local path requirements, named requirements with pins
and hashes, and every option of a line.  Each entry keeps the line number where it starts.
Locks nox-support writes are read by :mod:`nox_support.lock.grammar`, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from nox_support.core.errors import RequirementsFileError
from nox_support.lock.reqoptions import canonical_option, read_options, split_options


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

# Options pip reads only on a requirement's own line; on a line of options it ignores them.
_PER_REQUIREMENT = frozenset({"--hash", "--config-settings", "--global-option", "--install-option"})
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
    return canonical_of(logical_lines(text))


def canonical_of(lines: list[tuple[int, str]]) -> str:
    """:func:`canonical_text` of a file's :func:`logical_lines`, for a caller that already has them."""
    return "".join(f"{line}\n" for _, line in lines)


def abbreviation(entry: Entry) -> str | None:
    """The option of *entry* as written when it abbreviates pip's name (``--requirem``)."""
    match entry:
        case Include(flag=flag) | Option(flag=flag) | LocalPath(flag=str() as flag):
            return flag if flag.startswith("--") and canonical_option(flag) != flag else None
        case _:
            return None


def parse(text: str, *, path: str) -> tuple[Entry, ...]:
    """Parse the requirements file *text*; *path* only names it in errors.

    Every option of a line is read, as pip reads it: a line of options gives one
    :class:`Option` per option, in order.
    """
    return parse_lines(logical_lines(text), path=path)


def parse_lines(lines: list[tuple[int, str]], *, path: str) -> tuple[Entry, ...]:
    """:func:`parse` of a file's :func:`logical_lines`, for a caller that already has them."""
    return tuple(entry for number, line in lines for entry in _parse_line(line, number, path))


def includes(entries: tuple[Entry, ...]) -> tuple[Include, ...]:
    """The ``-r``/``-c`` entries of a parsed file."""
    return tuple(e for e in entries if isinstance(e, Include))


def local_paths(entries: tuple[Entry, ...]) -> tuple[LocalPath, ...]:
    """The local path requirements of a parsed file."""
    return tuple(e for e in entries if isinstance(e, LocalPath))


def local_requirements(entries: tuple[Entry, ...]) -> tuple[tuple[str, int], ...]:
    """Every local requirement as written, with its line.

    Paths first (``../lib``, ``-e ./x``), then direct references to files (``name @ file:...``).
    """
    paths = [(entry.path, entry.line) for entry in local_paths(entries)]
    urls = [
        (entry.url, entry.line)
        for entry in entries
        if isinstance(entry, NamedRequirement) and entry.url and entry.url.startswith("file:")
    ]
    return (*paths, *urls)


def is_plain_requirement(line: str) -> bool:
    """Whether the logical *line* is a bare name with at most one plain version comparison.

    Such a line parses to one :class:`NamedRequirement` without a URL, and can be refused for
    nothing: a reader that only wants includes, paths and options may skip it.
    """
    return _SIMPLE_REQUIREMENT.match(line) is not None


def _parse_line(line: str, number: int, path: str) -> tuple[Entry, ...]:
    simple = _SIMPLE_REQUIREMENT.match(line)
    if simple:  # the usual line: no option, no path, nothing packaging must read
        return (_simple_requirement(simple, " ".join(line.split()), (), number),)
    args, options = _break_args_options(line)
    if args:
        if options:  # pip refuses what its option parser refuses, after a requirement too
            read_options(split_options(options, number, path), number, path)
        if _looks_like_path(args):
            return (LocalPath(args.split(";", maxsplit=1)[0].strip(), editable=False, line=number),)
        return (_parse_requirement(line, number, path),)
    return _parse_options(options, number, path)


def _break_args_options(line: str) -> tuple[str, str]:
    """Pip's split of a line into its requirement and its options (``break_args_options``).

    The requirement is every space-separated token before the first one starting with ``-``.
    """
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return line, ""


def _parse_options(options: str, number: int, path: str) -> tuple[Entry, ...]:
    """The entries pip obeys on a line of options only (pip's ``ParsedLine`` and ``_parse_and_recurse``).

    A line with ``-e`` is that editable requirement; else a line with ``-r`` (or else ``-c``)
    includes the first file it names; else every option applies.  pip ignores the others.
    """
    read = read_options(split_options(options, number, path), number, path)
    by_name = {
        name: [o for o in read if o.name == name] for name in ("--editable", "--requirement", "--constraint")
    }
    if editable := by_name["--editable"]:
        first = editable[0]
        if "://" in first.value and not first.value.startswith("file:"):
            return (Option(first.name, first.value, number, flag=first.written),)
        return (LocalPath(first.value.removeprefix("file:"), editable=True, line=number, flag=first.written),)
    if include := by_name["--requirement"] or by_name["--constraint"]:
        first = include[0]
        return (
            Include(first.value, constraint=first.name == "--constraint", line=number, flag=first.written),
        )
    return tuple(
        Option(o.name, o.value, number, flag=o.written) for o in read if o.name not in _PER_REQUIREMENT
    )


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
        return _simple_requirement(simple, spec, tuple(hashes), number)
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


def _simple_requirement(
    simple: re.Match[str], text: str, hashes: tuple[str, ...], number: int
) -> NamedRequirement:
    """A requirement :data:`_SIMPLE_REQUIREMENT` matched (*text*: its words joined by one space)."""
    return NamedRequirement(
        name=canonicalize_name(simple.group("name")),
        text=text,
        pin=simple.group("version") if simple.group("op") == "==" else None,
        hashes=hashes,
        line=number,
    )
