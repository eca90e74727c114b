"""PEP 751 ``pylock.toml`` locks: an allowlist reader, the digest table, and installer input (pure).

nox-support writes a pylock file as ``uv pip compile -o pylock.toml`` does, then appends one
table PEP 751 reserves for tools::

    [tool.nox-support]
    inputs = "sha256=<64 hex> body=<64 hex> python=3.11 compiler=uv==0.13.* ..."

``inputs`` holds the words of the requirements format's digest line; ``body`` is the digest of
every line above the table.  A committed file is read against the grammar nox-support writes
(:func:`parse`): the top-level keys, the package keys and the file keys it knows, ``sha256``
hashes, ``https``/``http`` URLs without credentials; anything else (``vcs``, ``directory``,
``archive``, ``path``, an ``index``, an unknown key, a ``file://`` URL) is refused.  Installers
get the validated model as the hashed requirements text the sync already installs
(:func:`requirements_text`), never the raw file.
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

from nox_support import redact
from nox_support.lock import digest

TOOL_NAME = "nox-support"
TOOL_HEADER = f"[tool.{TOOL_NAME}]"
LOCK_VERSION = "1.0"
_TOOL_BLOCK = re.compile(r'\n\[tool\.nox-support\]\ninputs = "(?P<inputs>[^"\n]*)"\n\Z')
_FILE_NAME = re.compile(r"pylock(?:\.[A-Za-z0-9_-]+)?\.toml\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
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

    *forbidden* holds machine paths that must appear nowhere in the file.
    """
    problems = [f"contains the machine path {needle!r}" for needle in forbidden if needle and needle in text]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Parsed(Pylock(None, ()), (*problems, f"is not valid TOML: {exc}"))
    problems += _unknown(data, _TOP_KEYS, "the file")
    if data.get("lock-version") != LOCK_VERSION:
        problems.append(f'lock-version is {data.get("lock-version")!r}, not "{LOCK_VERSION}"')
    if not isinstance(data.get("created-by"), str):
        problems.append("created-by is missing or not a string")
    requires_python = data.get("requires-python")
    if requires_python is not None and not isinstance(requires_python, str):
        problems.append("requires-python is not a string")
        requires_python = None
    problems += _tool_problems(data.get("tool", {TOOL_NAME: {}}))
    raw_packages = data.get("packages", [])
    packages: list[Package] = []
    if not isinstance(raw_packages, list):
        problems.append("packages is not an array of tables")
        raw_packages = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_packages):
        package, package_problems = _package(raw, index)
        problems += package_problems
        if package is not None:
            key = canonicalize_name(package.name)
            if key in seen and package.marker is None:
                problems.append(f"{package.name} is locked twice")
            seen.add(key)
            packages.append(package)
    shown = tuple(dict.fromkeys(redact.redact(problem) for problem in problems))
    return Parsed(Pylock(requires_python, tuple(packages)), shown)


def requirements_text(lock: Pylock) -> str:
    """The hashed requirements text the installers get: ``name==version ; marker`` and ``--hash`` lines."""
    lines: list[str] = []
    for package in sorted(lock.packages, key=lambda p: (canonicalize_name(p.name), p.marker or "")):
        head = f"{package.name}=={package.version}"
        if package.marker is not None:
            head += f" ; {package.marker}"
        hashes = sorted({f.sha256 for f in package.files})
        lines.append(head + " \\")
        lines += [
            f"    --hash=sha256:{value}" + (" \\" if i < len(hashes) - 1 else "")
            for i, value in enumerate(hashes)
        ]
    return "".join(f"{line}\n" for line in lines)


def best_effort_requirements(text: str) -> str:
    """:func:`requirements_text` of what :func:`parse` accepted in *text*, whatever else it broke."""
    return requirements_text(parse(text).lock)


def _tool_problems(tool: object) -> list[str]:
    if not isinstance(tool, dict):
        return ["tool is not a table"]
    problems = [
        f"has the table [tool.{name}] (only [tool.{TOOL_NAME}] is written)"
        for name in tool
        if name != TOOL_NAME
    ]
    ours = tool.get(TOOL_NAME, {})
    if not isinstance(ours, dict) or set(ours) - {"inputs"}:
        problems.append(f"[tool.{TOOL_NAME}] holds more than its inputs line")
    return problems


def _package(raw: object, index: int) -> tuple[Package | None, list[str]]:
    where = f"packages[{index}]"
    if not isinstance(raw, dict):
        return None, [f"{where} is not a table"]
    name, version = raw.get("name"), raw.get("version")
    if not isinstance(name, str) or not name:
        return None, [f"{where} has no name"]
    where = f"{where} ({name})"
    problems = _unknown(raw, _PACKAGE_KEYS, where)
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
    return Package(name, version, marker, files), problems + file_problems


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
    return [
        f"{where} has the key {key!r}, which nox-support never writes" for key in table if key not in known
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
