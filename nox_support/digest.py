"""The input digest recorded in every lock, and its one-line form (pure, no I/O).

The line sits right below pip-tools' header::

    # nox-support-inputs: sha256=<64 hex> python=3.11 compiler=pip-tools==7.6.2 \
    #     options=<12 hex> requirements.in=<12 hex> ../../constraints.txt=<12 hex>

(one line in the lock; wrapped here).

The leading ``sha256`` covers everything; the per-input short hashes let
``freshness`` say *which* input changed without any other file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, unquote

MARKER = "# nox-support-inputs:"
_SHORT = 12
_RESERVED = ("sha256", "python", "compiler", "options")


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

    def line(self) -> str:
        """The comment line written into the lock."""
        words = [
            f"sha256={self.total}",
            f"python={self.python}",
            f"compiler={self.compiler}",
            f"options={self.options}",
        ]
        words += [f"{quote(name, safe='/._-+~')}={short}" for name, short in self.files]
        return f"{MARKER} " + " ".join(words)


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


def compute(inputs: Inputs) -> InputDigest:
    """Digest *inputs*; file order does not matter, content and names do."""
    files = sorted((f.name, hashlib.sha256(normalized(f.content)).hexdigest()) for f in inputs.files)
    options = hashlib.sha256("\0".join(inputs.options).encode()).hexdigest()
    total = hashlib.sha256()
    for part in (
        f"python\0{inputs.python}",
        f"compiler\0{inputs.compiler}",
        f"options\0{options}",
        *(f"file\0{name}\0{digest}" for name, digest in files),
    ):
        total.update(part.encode())
        total.update(b"\n")
    return InputDigest(
        total=total.hexdigest(),
        python=inputs.python,
        compiler=inputs.compiler,
        options=options[:_SHORT],
        files=tuple((name, digest[:_SHORT]) for name, digest in files),
    )


def find_line(text: str) -> str | None:
    """The digest line of a lock's *text*, or ``None`` when the lock has none."""
    for line in text.splitlines():
        if line.startswith(MARKER):
            return line
        if line and not line.startswith("#"):
            return None
    return None


def parse_line(line: str) -> InputDigest | None:
    """Read back a line written by :meth:`InputDigest.line`; ``None`` when malformed."""
    if not line.startswith(MARKER):
        return None
    fields: dict[str, str] = {}
    files: list[tuple[str, str]] = []
    for word in line[len(MARKER) :].split():
        name, sep, value = word.partition("=")
        if not sep or not name:
            return None
        if name in _RESERVED and name not in fields:
            fields[name] = value
        else:
            files.append((unquote(name), value))
    if set(fields) != set(_RESERVED):
        return None
    return InputDigest(
        total=fields["sha256"],
        python=fields["python"],
        compiler=fields["compiler"],
        options=fields["options"],
        files=tuple(files),
    )


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
