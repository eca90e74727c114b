r"""Read a lock, or its local packages file, against exactly the grammar nox-support writes (pure).

An allowlist, not a list of forbidden options: whatever is not below makes the file unusable,
so the next variant of an attack is refused without a new rule.

A lock (``requirements.txt``, ``requirements-<layer>.txt``)::

    # any comment line (pip-tools' header, "# via" annotations, the local packages note)
    # nox-support-inputs: sha256=... body=... [local=...] ...     (exactly one, above the pins)
    name[extra,...]==version [; marker] \
        --hash=sha256:<64 hex> \
        --hash=sha256:<64 hex>

Blank lines may appear anywhere; every pin has at least one hash.  Anything else (an option,
two options on one line, a direct URL ``name @ url``, ``-e``, ``-r``, ``-c``, a bare name,
``>=``, a local path) is off the grammar.

A local packages file (``requirements.local.txt``, ``requirements.local-<layer>.txt``)::

    # any comment line
    # nox-support-inputs: ...          (the lock's own digest line, copied)
    [-e ]./relative/path[extra,...]    (or ../; never absolute, never a URL)

The lines are the physical lines :meth:`str.splitlines` gives, as pip splits them.
"""

from __future__ import annotations

import functools
import re

from nox_support.core import redact
from nox_support.core.errors import LockValidationError
from nox_support.lock import digest, fastlock
from nox_support.lock.digest import RecordedLine
from nox_support.lock.model import (
    LocalEntry,
    LocalFile,
    LockAltered,
    LockedPackage,
    LockOffGrammar,
    LockUnmarked,
    OffGrammar,
    ParsedLock,
    TextProblem,
    describe_off_grammar,
)

_NAME = fastlock.NAME
_EXTRAS = rf"\[\s*(?P<extras>{_NAME}(?:\s*,\s*{_NAME})*)\s*\]"
_PIN = re.compile(
    rf"(?P<name>{_NAME})(?:{_EXTRAS})?==(?P<version>{fastlock.VERSION})"
    r"(?:\s*;\s*(?P<marker>[^\\#;]*?))?(?P<continued>\s+\\)?\Z"
)
_HASH = re.compile(r"\s+--hash=(?P<hash>sha256:[0-9a-f]{64})(?P<continued>\s+\\)?\Z")
_LOCAL = re.compile(rf"(?P<editable>-e )?(?P<path>\.\.?(?:/[^\s#;\\\[\]]*)?)(?:{_EXTRAS})?\Z")
# What a compiler writes besides pins: local paths, direct file: references, copied options.
_COMPILER_EXTRA = re.compile(rf"(?:-|\.\.?/|/|file:|{_NAME}(?:\[[^\]]*\])?\s*@\s*file:)")
_NOTE = re.compile(r"# local path packages: (?P<file>\S+)")
_EXCERPT = 60


def read_lock(text: str, path: str) -> ParsedLock | TextProblem:
    """The lock in *text* (*path* names it), or why it cannot be used.

    A lock in the shape compilers write is checked in one pass (:mod:`~nox_support.lock.fastlock`,
    which accepts only what the line reader accepts); any other text line by line, which names
    the first line off the grammar.  The pins are read when someone asks for them.
    """
    common = fastlock.read(text)
    if common is not None:
        recorded = digest.parse_line(common.digest_line)
        if recorded is not None:
            if common.body_digest != recorded.body:
                return LockAltered(recorded)
            return _parsed(text, path, recorded, common.digest_line)
    return read_lock_by_line(text, path)


def read_lock_by_line(text: str, path: str) -> ParsedLock | TextProblem:
    """:func:`read_lock` without its fast path: the grammar itself, line by line."""
    if not text.strip():
        return LockUnmarked("is empty" if not text else "holds only whitespace")
    split = digest.split(text)
    if split is None:
        return LockUnmarked("has no nox-support inputs line (written by hand or by another tool)", text)
    recorded = digest.parse_line(split.line)
    if recorded is None:
        return LockUnmarked(
            "has a malformed nox-support inputs line, or one written by an older nox-support "
            "without a body digest",
            text,
        )
    pins = read_pins(text)
    if isinstance(pins, OffGrammar):
        return LockOffGrammar(recorded, pins)
    if digest.body_digest(split.body) != recorded.body:
        return LockAltered(recorded)
    return _parsed(text, path, recorded, split.line)


def _parsed(text: str, path: str, recorded: RecordedLine, digest_line: str) -> ParsedLock:
    note = _NOTE.search(text)
    return ParsedLock(
        path=path,
        recorded=recorded,
        digest_line=digest_line,
        local_file=note.group("file") if note else None,
        text=text,
        pins=_checked_pins,
    )


def _checked_pins(text: str) -> tuple[LockedPackage, ...]:
    """The pins of a lock :func:`read_lock` accepted (read when first asked for, then remembered)."""
    pins = read_pins(text)
    if isinstance(pins, OffGrammar):  # pragma: no cover - read_lock accepted the text
        msg = f"a lock's line {pins.line} ({pins.excerpt}) is {pins.reason}, though the lock was accepted"
        hint = "report this as a bug in nox-support; nothing was installed from it"
        raise LockValidationError(msg, hint=hint)
    return pins


def read_pins(text: str, *, compiler_output: bool = False) -> tuple[LockedPackage, ...] | OffGrammar:
    """The pins of *text* read against the lock grammar, or the first line off it.

    The digest line is not required here (:func:`read_lock` requires it): drift reads locks
    written by hand too.  With *compiler_output* (conflicts' trial resolution, which installs
    nothing) the lines a compiler writes besides pins are skipped instead of refused: local
    paths (``file:`` URLs, ``name @ file:``, ``-e``) and the options it copies from its input.
    Remembered by content: a run reads a main lock for its own check and again for each layer
    it constrains (the result is immutable, and equal text gives an equal result).
    """
    return _read_pins(text, compiler_output)


@functools.lru_cache(maxsize=64)
def _read_pins(text: str, compiler_output: bool) -> tuple[LockedPackage, ...] | OffGrammar:  # noqa: FBT001
    reader = _PinReader(compiler_output=compiler_output)
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        problem = reader.feed(number, line)
        if problem is not None:
            return problem
    if reader.continued:
        return _off(len(lines), lines[-1], "the last pin continues past the end of the file")
    return tuple(
        LockedPackage(
            name=name, version=version, line=line, hashes=hashes, extras=extras, marker=marker, via=tuple(via)
        )
        for (name, version, line, extras, marker, hashes), via in zip(
            reader.packages, reader.vias, strict=True
        )
    )


def read_local(text: str | None, *, lock: ParsedLock, name: str) -> LocalFile | str | None:
    """The local packages file of *lock* (*name*: where it must be), ``None`` or what is wrong.

    *text* is the file's content (``None`` when there is no such file).  The file must be the
    one the lock names, carry the lock's own digest line, follow its grammar and match the
    ``local=`` digest the lock records: then its whole content is what was written with the lock.
    """
    if lock.local_file is None:
        return None if text is None else f"{name} is left over (the lock names no local packages)"
    if lock.local_file != name:
        return f"it names {lock.local_file} for its local packages instead of {name}"
    if text is None:
        return f"{name}, which holds its local packages, is missing"
    if lock.recorded.local is None:
        return (
            f"{name} is not covered by its digest line (written by an older nox-support, "
            "which did not record the local packages file)"
        )
    split = digest.split(text)
    if split is None or split.line != lock.digest_line:
        return f"{name} was not written with it (their inputs lines differ)"
    entries = _read_local_entries(text)
    if isinstance(entries, OffGrammar):
        return f"{name} {describe_off_grammar(entries, 'local packages file')}"
    if digest.local_digest(text) != lock.recorded.local:
        return f"{name} was edited after nox-support wrote it (it no longer matches the local= digest)"
    return LocalFile(path=name, entries=entries)


class _PinReader:
    """A line-by-line state machine over the lock grammar."""

    def __init__(self, *, compiler_output: bool) -> None:
        self.compiler_output = compiler_output
        # (name, version, line, extras, marker, hashes): a LockedPackage once its "# via" is read
        self.packages: list[tuple[str, str, int, tuple[str, ...], str | None, tuple[str, ...]]] = []
        self.vias: list[list[str]] = []
        self.continued = False
        self.digest_lines = 0
        self._name = ""
        self._pending: tuple[str, str, int, tuple[str, ...], str | None] | None = None
        self._start = 0
        self._hashes: list[str] = []
        self._via: list[str] | None = None
        self._listing = False

    def feed(self, number: int, line: str) -> OffGrammar | None:
        if self.continued:
            return self._hash_line(number, line)
        stripped = line.strip()
        if not stripped:
            return None
        if stripped.startswith("#"):
            return self._comment(number, line, stripped)
        self._via, self._listing = None, False
        pin = _PIN.match(line)
        if pin is None:
            if self.compiler_output and _COMPILER_EXTRA.match(line):
                return None
            return _off(number, line, _classify(line))
        marker = pin.group("marker")
        if marker is not None and not fastlock.valid_marker(marker.strip()):
            return _off(number, line, "a pin whose environment marker does not parse")
        if not pin.group("continued"):
            return _off(number, line, "a pin without --hash")
        extras = pin.group("extras")
        self._pending = (
            fastlock.canonical(pin.group("name")),
            pin.group("version"),
            number,
            tuple(e.strip() for e in extras.split(",")) if extras else (),
            marker.strip() if marker else None,
        )
        self._start, self._hashes, self.continued = number, [], True
        return None

    def _hash_line(self, number: int, line: str) -> OffGrammar | None:
        found = _HASH.match(line)
        if found is None:
            reason = (
                "a --hash that is not sha256:<64 lowercase hex>"
                if line.strip().startswith("--hash")
                else f"a line where the pin of line {self._start} continues with a --hash"
            )
            return _off(number, line, reason)
        self._hashes.append(found.group("hash"))
        if found.group("continued"):
            return None
        self.continued = False
        self._finish()
        return None

    def _finish(self) -> None:
        if self._pending is not None:
            self._via = []
            self._listing = False
            self.vias.append(self._via)
            self.packages.append((*self._pending, tuple(self._hashes)))
        self._pending = None

    def _comment(self, number: int, line: str, stripped: str) -> OffGrammar | None:
        if line.startswith(digest.MARKER):
            self.digest_lines += 1
            if self.digest_lines > 1:
                return _off(number, line, "a second digest line")
            return None
        if "file://" in line or redact.has_credentials(line):
            return _off(number, line, "a comment holding a file:// URL or a credential")
        if self._via is not None and line[:1] in {" ", "\t"}:
            self._listing = _via_comment(stripped[1:].strip(), self._via, listing=self._listing)
        else:
            self._via, self._listing = None, False
        return None


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


def _read_local_entries(text: str) -> tuple[LocalEntry, ...] | OffGrammar:
    entries: list[LocalEntry] = []
    digest_lines = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if line.startswith(digest.MARKER):
                digest_lines += 1
                if digest_lines > 1:
                    return _off(number, line, "a second digest line")
            elif "file://" in line or redact.has_credentials(line):
                return _off(number, line, "a comment holding a file:// URL or a credential")
            continue
        found = _LOCAL.match(line)
        if found is None:
            return _off(number, line, _classify(line, local_file=True))
        extras = found.group("extras")
        entries.append(
            LocalEntry(
                path=found.group("path"),
                extras=tuple(e.strip() for e in extras.split(",")) if extras else (),
                editable=found.group("editable") is not None,
                line=number,
            )
        )
    return tuple(entries)


def _classify(line: str, *, local_file: bool = False) -> str:
    """Why *line* is off the grammar, in a few words (pure)."""
    stripped = line.strip()
    head = stripped.split(None, 1)[0] if stripped else ""
    if head in {"-e", "--editable"} or head.startswith(("-e", "--editable=")):
        return "an editable requirement"
    if head.startswith(("-r", "-c", "--requirement", "--constraint")):
        return "an include of another file"
    if stripped.startswith("-"):
        return "options" if sum(w.startswith("-") for w in stripped.split()) > 1 else "an option"
    if " @ " in stripped or "@" in head or "://" in stripped:
        return "a direct URL"
    if stripped.startswith(("/", "~", "file:")):
        return "an absolute local path"
    if stripped.startswith("."):
        return "a local path with a marker, a space or a character locks never write"
    if local_file:
        return "a line that is not the relative path of a local package"
    if re.match(rf"{_NAME}\s*(?:\[[^\]]*\]\s*)?(?:[<>=!~;]|\Z)", stripped) and "==" not in stripped:
        return "a requirement not pinned with =="
    return "a line that is not a pin, a --hash line or a comment"


def _off(number: int, line: str, reason: str) -> OffGrammar:
    shown = redact.redact(line.strip())
    if len(shown) > _EXCERPT:
        shown = shown[:_EXCERPT] + "..."
    return OffGrammar(line=number, excerpt=repr(shown), reason=reason)
