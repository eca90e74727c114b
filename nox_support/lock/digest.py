"""The digests recorded in every lock, and their one-line form (pure, no I/O).

The line sits right below pip-tools' header::

    # nox-support-inputs: sha256=<64 hex> body=<64 hex> python=3.11 compiler=pip-tools==7.* \
    #     options=<12 hex> compiled-by=pip-tools==7.6.2 requirements.in=<12 hex> ...

(one line in the lock; wrapped here).

``sha256`` covers every input; the per-input short hashes let ``freshness`` say *which*
input changed without any other file.  ``body`` is the digest of the lock's own lines below
the line, so a hand edit, an injected option or a truncation is seen without re-resolving.
``local`` (only with a local packages file) is the digest of that file's every other line,
so the file is covered whole (:func:`local_digest`).  ``compiler`` is the compiler's
compatibility series (its name and major version; ``0.minor`` before 1.0), the part that may
change the output format; ``compiled-by`` is the exact version, for people, outside every digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, unquote

MARKER = "# nox-support-inputs:"
_SHORT = 12
_RESERVED = ("sha256", "body", "python", "compiler", "options")
_COMPILED_BY = "compiled-by"
_LOCAL = "local"


@dataclass(frozen=True)
class InputFile:
    """One file that feeds a lock, named relative to the lock's directory."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Inputs:
    """Everything that determines a lock's content."""

    files: tuple[InputFile, ...]
    python: str
    compiler: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class InputDigest:
    """A digest over :class:`Inputs`: the total and one short hash per part."""

    total: str
    python: str
    compiler: str
    options: str
    files: tuple[tuple[str, str], ...]

    def line(self, *, body: str, compiled_by: str, local: str | None = None) -> str:
        """The comment line written into a lock whose lines below it digest to *body*.

        *local* is the digest of the lock's local packages file (:func:`local_digest`), if any.
        """
        words = [
            f"sha256={self.total}",
            f"body={body}",
            *([f"{_LOCAL}={local}"] if local is not None else []),
            f"python={self.python}",
            f"compiler={self.compiler}",
            f"options={self.options}",
            f"{_COMPILED_BY}={compiled_by}",
        ]
        words += [f"{quote(name, safe='/._-+~')}={short}" for name, short in self.files]
        return f"{MARKER} " + " ".join(words)


@dataclass(frozen=True)
class RecordedLine:
    """A digest line read back from a lock."""

    inputs: InputDigest
    body: str
    """The digest of the lock's lines below this line when it was written."""
    compiled_by: str | None
    """The exact compiler version that wrote the lock (information only)."""
    local: str | None = None
    """The digest of the local packages file written with the lock (:func:`local_digest`)."""


@dataclass(frozen=True)
class SplitLock:
    """A lock's text around its digest line."""

    line: str
    body: tuple[str, ...]
    """The lines below the digest line, as pip splits them."""


@dataclass(frozen=True)
class Change:
    """One difference between the recorded and the current inputs."""

    what: str
    before: str | None
    after: str | None

    def describe(self) -> str:
        """Human words for the change."""
        if self.before is None:
            return f"{self.what} was added"
        if self.after is None:
            return f"{self.what} was removed"
        if self.what in {"python", "compiler"}:
            return f"{self.what} changed from {self.before} to {self.after}"
        return f"{self.what} changed"


def normalized(content: bytes) -> bytes:
    """Content with CRLF/CR line endings folded to LF, so checkouts on any OS agree."""
    return content.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def compiler_series(identity: str) -> str:
    """The part of ``name==version`` that belongs in the digest: ``pip-tools==7.*``.

    A compiler changes its output format or defaults only in a new major release (semantic
    versioning; ``0.minor`` counts as major before 1.0, as for uv), so two developers on
    different patch or minor releases agree that a lock is fresh.  ``freshness --deep``
    shows what a newer release would change.
    """
    name, sep, version = identity.partition("==")
    parts = version.split(".")
    if not sep or not parts[0].isdigit():
        return identity
    if int(parts[0]) == 0 and len(parts) > 1 and parts[1].isdigit():
        return f"{name}==0.{int(parts[1])}.*"
    return f"{name}=={int(parts[0])}.*"


def body_digest(lines: tuple[str, ...] | list[str]) -> str:
    """The digest of a lock's lines below its digest line (line endings do not matter)."""
    text = "\n".join(lines) + "\n" if lines else ""  # every line ended by a newline
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def local_digest(text: str) -> str:
    """The digest of a local packages file: every line but its (copied) digest line.

    The lock's digest line records it (``local=``), so nothing can be added to, removed from
    or changed in the local file without the pair being seen as altered; the digest line
    itself must equal the lock's.
    """
    return body_digest([line for line in text.splitlines() if not line.startswith(MARKER)])


def split(text: str) -> SplitLock | None:
    """The digest line of a lock's *text* and the lines below it, or ``None`` without one.

    Only comment lines and empty lines may come before the digest line, so nothing above it
    can change what pip installs.
    """
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(MARKER):
            return SplitLock(line, tuple(lines[index + 1 :]))
        if line and not line.startswith("#"):
            return None
    return None


def compute(inputs: Inputs) -> InputDigest:
    """Digest *inputs*; file order does not matter, content and names do."""
    compiler = compiler_series(inputs.compiler)
    files = sorted((f.name, hashlib.sha256(normalized(f.content)).hexdigest()) for f in inputs.files)
    options = hashlib.sha256("\0".join(inputs.options).encode()).hexdigest()
    total = hashlib.sha256()
    for part in (
        f"python\0{inputs.python}",
        f"compiler\0{compiler}",
        f"options\0{options}",
        *(f"file\0{name}\0{digest}" for name, digest in files),
    ):
        total.update(part.encode())
        total.update(b"\n")
    return InputDigest(
        total=total.hexdigest(),
        python=inputs.python,
        compiler=compiler,
        options=options[:_SHORT],
        files=tuple((name, digest[:_SHORT]) for name, digest in files),
    )


def parse_line(line: str) -> RecordedLine | None:
    """Read back a line written by :meth:`InputDigest.line`; ``None`` when malformed."""
    if not line.startswith(MARKER):
        return None
    fields: dict[str, str] = {}
    files: list[tuple[str, str]] = []
    compiled_by = None
    local = None
    for word in line[len(MARKER) :].split():
        name, sep, value = word.partition("=")
        if not sep or not name:
            return None
        if name in _RESERVED and name not in fields:
            fields[name] = value
        elif name == _COMPILED_BY and compiled_by is None:
            compiled_by = value
        elif name == _LOCAL and local is None:
            local = value
        else:
            files.append((unquote(name), value))
    if set(fields) != set(_RESERVED):
        return None
    inputs = InputDigest(
        total=fields["sha256"],
        python=fields["python"],
        compiler=fields["compiler"],
        options=fields["options"],
        files=tuple(files),
    )
    return RecordedLine(inputs, fields["body"], compiled_by, local)


def compare(recorded: InputDigest, current: InputDigest) -> tuple[Change, ...]:
    """What changed between the digest in a lock and the digest of the inputs now."""
    if recorded.total == current.total:
        return ()
    changes: list[Change] = []
    for what in ("python", "compiler"):
        before, after = getattr(recorded, what), getattr(current, what)
        if before != after:
            changes.append(Change(what, before, after))
    if recorded.options != current.options:
        changes.append(Change("compile options", recorded.options, current.options))
    old, new = dict(recorded.files), dict(current.files)
    changes.extend(
        Change(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    )
    if not changes:
        # Same parts but a different total: the line was edited by hand.
        changes.append(Change("digest line", recorded.total, current.total))
    return tuple(changes)
