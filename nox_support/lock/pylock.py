"""PEP 751 ``pylock.toml`` locks: an allowlist reader and the digest table (pure).

nox-support writes a pylock file as ``uv pip compile -o pylock.toml`` does, then appends one
table PEP 751 reserves for tools::

    [tool.nox-support]
    inputs = "sha256=<64 hex> body=<64 hex> python=3.11 compiler=uv==0.13.* ..."

``inputs`` holds the words of the requirements format's digest line; ``body`` is the digest of
every line above the table.  A committed file is read against the grammar nox-support writes
(:func:`parse`): the top-level keys, the package keys and the file keys it knows, ``sha256``
hashes, ``https``/``http`` URLs without credentials; anything else (``vcs``, ``directory``,
``archive``, ``path``, an ``index``, an unknown key, a ``file://`` URL) is refused.  What it
accepts becomes the lock model's packages (:func:`locked_packages`, read by
:func:`nox_support.lock.lockformat.read_state`): installers get validated pins and hashes, never
the raw file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import tomllib
from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support.core import logsafe, redact
from nox_support.lock import digest
from nox_support.lock.model import LockedPackage

TOOL_NAME = "nox-support"
TOOL_HEADER = f"[tool.{TOOL_NAME}]"
LOCK_VERSION = "1.0"
_TOOL_BLOCK = re.compile(r'\n\[tool\.nox-support\]\ninputs = "(?P<inputs>[^"\n]*)"\n\Z')
_FILE_NAME = re.compile(r"pylock(?:\.[A-Za-z0-9_-]+)?\.toml\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_TOP_KEYS = frozenset({"lock-version", "created-by", "requires-python", "packages", "tool"})
_PACKAGE_KEYS = frozenset({"name", "version", "marker", "requires-python", "wheels", "sdist"})
_FILE_KEYS = frozenset({"name", "url", "upload-time", "size", "hashes"})


@dataclass(frozen=True)
class DistFile:
    """One wheel or sdist of a locked package: where it lives and its sha256."""

    url: str
    sha256: str


@dataclass(frozen=True)
class Package:
    """One ``[[packages]]`` entry: a name pinned to one version, with its files."""

    name: str
    version: str
    marker: str | None
    files: tuple[DistFile, ...]
    line: int = 1
    """The line of its ``[[packages]]`` header."""


@dataclass(frozen=True)
class Pylock:
    """A validated pylock file."""

    requires_python: str | None
    packages: tuple[Package, ...]


@dataclass(frozen=True)
class Parsed:
    """What :func:`parse` read: the model of what it accepted, and every rule broken."""

    lock: Pylock
    problems: tuple[str, ...]
    lines: tuple[int, ...] = ()
    """The line each problem concerns (its ``[[packages]]`` header, key or table; else 1)."""


@dataclass(frozen=True)
class Split:
    """A pylock file's text around its ``[tool.nox-support]`` table."""

    body: str
    inputs_line: str
    """The table's ``inputs`` as a requirements-format digest line (``# nox-support-inputs: ...``)."""


def is_pylock_name(name: str) -> bool:
    """Whether a lock file *name* is a PEP 751 lock (``pylock.toml``, ``pylock.dev.toml``)."""
    return _FILE_NAME.match(name) is not None


def lock_name(layer: str) -> str:
    """The file name of *layer*'s pylock lock: ``pylock.toml`` for ``main``, else ``pylock.<layer>.toml``."""
    return "pylock.toml" if layer == "main" else f"pylock.{layer}.toml"


def split(text: str) -> Split | None:
    """The body and the digest line of a pylock *text*; ``None`` without the trailing table."""
    match = _TOOL_BLOCK.search(text)
    if match is None:
        return None
    line = f"{digest.MARKER} {match.group('inputs')}"
    return Split(text[: match.start()], line)


def body_digest(body: str) -> str:
    """The digest of the lines above the table (line endings do not matter)."""
    return digest.body_digest(body.splitlines())


def with_tool_table(text: str, inputs: digest.InputDigest, *, compiled_by: str) -> str:
    """Append the ``[tool.nox-support]`` table recording *inputs* and the body's digest.

    An old table is removed first; a table in any other place is left for :func:`parse` to refuse.
    """
    old = split(text)
    body = old.body if old is not None else text
    body = body.rstrip("\n") + "\n"
    line = inputs.line(body=body_digest(body), compiled_by=compiled_by)
    words = line.removeprefix(digest.MARKER).strip()
    return f'{body}\n{TOOL_HEADER}\ninputs = "{words}"\n'


def parse(text: str, *, forbidden: tuple[str, ...] = ()) -> Parsed:
    """Read *text* against the grammar nox-support writes; every violation is one phrase.

    *forbidden* holds machine paths that must appear nowhere in the file.  Each phrase comes
    with the line it concerns (:attr:`Parsed.lines`): its ``[[packages]]`` header, its key or
    table, else 1.
    """
    lines = text.splitlines()
    found: list[tuple[str, int]] = [
        (f"contains the machine path {needle!r}", _line_holding(lines, needle))
        for needle in forbidden
        if needle and needle in text
    ]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        found.append((f"is not valid TOML: {exc}", int(at.group(1)) if at else 1))
        return _parsed(Pylock(None, ()), found)
    found += [(problem, _key_line(lines, key)) for key, problem in _top_problems(data)]
    raw_packages = data.get("packages", [])
    if not isinstance(raw_packages, list):
        found.append(("packages is not an array of tables", _key_line(lines, "packages")))
        raw_packages = []
    headers = [number for number, line in enumerate(lines, start=1) if line.strip() == "[[packages]]"]
    if len(headers) != len(raw_packages):
        what = "packages are not all written as [[packages]] tables, one header each"
        found.append((what, _key_line(lines, "packages")))
    packages: list[Package] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_packages):
        line = headers[index] if index < len(headers) else 1
        package, package_problems = _package(raw, index, line)
        found += [(problem, line) for problem in package_problems]
        if package is not None:
            key = canonicalize_name(package.name)
            if key in seen and package.marker is None:
                found.append((f"{package.name} is locked twice", line))
            seen.add(key)
            packages.append(package)
    requires_python = data.get("requires-python")
    return _parsed(
        Pylock(requires_python if isinstance(requires_python, str) else None, tuple(packages)), found
    )


def locked_packages(lock: Pylock) -> tuple[LockedPackage, ...]:
    """The packages of *lock* in the lock model: canonical name, version, header line, ``sha256:`` hashes."""
    return tuple(
        LockedPackage(
            name=canonicalize_name(package.name),
            version=package.version,
            line=package.line,
            hashes=tuple(sorted({f"sha256:{file.sha256}" for file in package.files})),
            marker=package.marker,
        )
        for package in lock.packages
    )


def pins_text(text: str) -> str:
    """``name==version ; marker`` of every package :func:`parse` accepted in *text* (pure, best effort).

    The main lock's pins as a layer's constraints and as a digest input, whatever else *text* breaks.
    """
    lines = sorted(
        f"{p.name}=={p.version}" + (f" ; {p.marker}" if p.marker else "")
        for p in locked_packages(parse(text).lock)
        if p.version
    )
    return "".join(f"{line}\n" for line in lines)


def _parsed(lock: Pylock, found: list[tuple[str, int]]) -> Parsed:
    shown: dict[str, int] = {}
    for problem, line in found:
        shown.setdefault(logsafe.field(redact.redact(problem)), line)  # names come from the file
    return Parsed(lock, tuple(shown), tuple(shown.values()))


def _top_problems(data: dict[str, object]) -> list[tuple[str, str]]:
    """(key, problem) of the top-level keys and the ``tool`` table."""
    problems = [(key, problem) for key, problem in _unknown_keys(data, _TOP_KEYS, "the file")]
    if data.get("lock-version") != LOCK_VERSION:
        problems.append(
            ("lock-version", f'lock-version is {data.get("lock-version")!r}, not "{LOCK_VERSION}"')
        )
    if not isinstance(data.get("created-by"), str):
        problems.append(("created-by", "created-by is missing or not a string"))
    if "requires-python" in data and not isinstance(data["requires-python"], str):
        problems.append(("requires-python", "requires-python is not a string"))
    return problems + _tool_problems(data.get("tool", {TOOL_NAME: {}}))


def _key_line(lines: list[str], key: str) -> int:
    """The first line defining *key* (``key =``, ``[key]``, ``[key.x]``, ``[[key]]``), else 1."""
    starts = (f"[{key}]", f"[{key}.", f"[[{key}]]")
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith(starts) or re.match(rf"{re.escape(key)}\s*[=.]", stripped):
            return number
    return 1


def _line_holding(lines: list[str], needle: str) -> int:
    return next((number for number, line in enumerate(lines, start=1) if needle in line), 1)


def _tool_problems(tool: object) -> list[tuple[str, str]]:
    if not isinstance(tool, dict):
        return [("tool", "tool is not a table")]
    problems = [
        (f"tool.{name}", f"has the table [tool.{name}] (only [tool.{TOOL_NAME}] is written)")
        for name in tool
        if name != TOOL_NAME
    ]
    ours = tool.get(TOOL_NAME, {})
    if not isinstance(ours, dict) or set(ours) - {"inputs"}:
        problems.append((f"tool.{TOOL_NAME}", f"[tool.{TOOL_NAME}] holds more than its inputs line"))
    return problems


def _package(raw: object, index: int, line: int) -> tuple[Package | None, list[str]]:
    where = f"packages[{index}]"
    if not isinstance(raw, dict):
        return None, [f"{where} is not a table"]
    name, version = raw.get("name"), raw.get("version")
    if not isinstance(name, str) or not name:
        return None, [f"{where} has no name"]
    where = f"{where} ({name})"
    problems = _unknown(raw, _PACKAGE_KEYS, where)
    if _NAME.match(name) is None:
        problems.append(f"{where} is not a valid package name")
    if not isinstance(version, str) or not _is_version(version):
        problems.append(f"{where} is not pinned to a version")
        version = ""
    marker = raw.get("marker")
    if marker is not None and not (isinstance(marker, str) and _is_marker(marker)):
        problems.append(f"{where} has an invalid marker")
        marker = None
    if "requires-python" in raw and not isinstance(raw["requires-python"], str):
        problems.append(f"{where} requires-python is not a string")
    files, file_problems = _files(raw, where)
    return Package(name, version, marker, files, line), problems + file_problems


def _files(raw: dict[str, object], where: str) -> tuple[tuple[DistFile, ...], list[str]]:
    problems: list[str] = []
    raw_files: list[tuple[str, object]] = []
    wheels = raw.get("wheels", [])
    if isinstance(wheels, list):
        raw_files += [(f"{where} wheels[{i}]", wheel) for i, wheel in enumerate(wheels)]
    else:
        problems.append(f"{where} wheels is not an array")
    if "sdist" in raw:
        raw_files.append((f"{where} sdist", raw["sdist"]))
    files: list[DistFile] = []
    for file_where, raw_file in raw_files:
        file, file_problems = _dist_file(raw_file, file_where)
        problems += file_problems
        if file is not None:
            files.append(file)
    if not raw_files:
        problems.append(f"{where} has no wheel and no sdist with a hash")
    return tuple(files), problems


def _dist_file(raw: object, where: str) -> tuple[DistFile | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{where} is not a table"]
    problems = _unknown(raw, _FILE_KEYS, where)
    url = raw.get("url")
    if not isinstance(url, str):
        problems.append(f"{where} has no url")
        url = ""
    else:
        problems += _url_problems(url, where)
    for key, kind in (("name", str), ("size", int)):
        if key in raw and not isinstance(raw[key], kind):
            problems.append(f"{where} {key} is not a {kind.__name__}")
    if "upload-time" in raw and not isinstance(raw["upload-time"], dt.datetime):
        problems.append(f"{where} upload-time is not a date-time")
    hashes = raw.get("hashes")
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not isinstance(hashes, dict) or set(hashes) != {"sha256"}:
        problems.append(f"{where} hashes must hold exactly one sha256")
    if not isinstance(sha256, str) or _SHA256.match(sha256) is None:
        problems.append(f"{where} has no valid sha256 hash")
        return None, problems
    return DistFile(url, sha256), problems


def _url_problems(url: str, where: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme == "file":
        what = f"{where} url is a file:// URL of this machine ({url})"
        return [f"{what}: a pylock records where each file lives, so it would install nowhere else"]
    problems = []
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        problems.append(f"{where} url {url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None or parts.query or redact.has_credentials(url):
        problems.append(f"{where} url holds a credential (a user part, a query or a ${{VARIABLE}})")
    if parts.fragment:
        problems.append(f"{where} url has a fragment")
    return problems


def _unknown(table: dict[str, object], known: frozenset[str], where: str) -> list[str]:
    return [problem for _, problem in _unknown_keys(table, known, where)]


def _unknown_keys(table: dict[str, object], known: frozenset[str], where: str) -> list[tuple[str, str]]:
    return [
        (key, f"{where} has the key {key!r}, which nox-support never writes")
        for key in table
        if key not in known
    ]


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _is_marker(text: str) -> bool:
    try:
        Marker(text)
    except InvalidMarker:
        return False
    return True
