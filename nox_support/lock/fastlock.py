r"""The lock grammar's fast path: a whole lock in the shape compilers write, checked in one pass (pure).

:func:`nox_support.lock.grammar.read_lock` reads a lock line by line; at 1,000 services that is
400,000 lines of Python on every no-op ``freshness``.  :func:`read` checks the shape pip-compile
and uv write (ASCII, ``\n`` line ends, comment lines, then pins at column 0 with their ``--hash``
lines) with one regular expression over the whole text, in C, and digests the body in one call.

It is an optimisation, not a second grammar: whatever it accepts the line reader accepts, with
the same digest line and body digest.  Its patterns are the line reader's with ``\s`` narrowed to
``[ \t]``, and it gives up (``None``) whenever the text strays from that shape in any way: another
line end, a non-ASCII character, a comment holding a URL or ``${VAR}``, no digest line or more
than one, a line above the digest line that the line reader's split would refuse, a marker that
does not parse, anything off the grammar.  Then the line reader decides, and names the offending
line.  ``tests/test_grammar_fast.py`` checks the two readers against each other on every lock the
suite writes and on generated and mutated ones.  The pins themselves are read by the line reader
only when someone asks for them (:attr:`nox_support.lock.model.ParsedLock.packages`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from nox_support.core import redact
from nox_support.lock import digest

NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
"""A distribution name as a lock writes it (the line reader's pattern too)."""
VERSION = r"[A-Za-z0-9][A-Za-z0-9.!+_-]*"
"""A pinned version as a lock writes it (the line reader's pattern too)."""

# Line ends other than "\n" that str.splitlines() honours within ASCII: the line reader's business.
_OTHER_LINE_ENDS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
_EXTRAS = rf"\[[ \t]*{NAME}(?:[ \t]*,[ \t]*{NAME})*[ \t]*\]"
_COMMENT_OR_BLANK = r"[ \t]*(?:#[^\n]*)?\n"
_PIN = rf"{NAME}(?:{_EXTRAS})?=={VERSION}(?:[ \t]*;[ \t]*[^\\#;\n]*?)?[ \t]+\\\n"
_HASHES = r"(?:[ \t]+--hash=sha256:[0-9a-f]{64}[ \t]+\\\n)*[ \t]+--hash=sha256:[0-9a-f]{64}\n"
_LOCK = re.compile(rf"(?:{_COMMENT_OR_BLANK})*(?:{_PIN}{_HASHES}(?:{_COMMENT_OR_BLANK})*)*")
# digest.split's rule for what may stand above the digest line: empty lines and comment lines.
_ABOVE_DIGEST = re.compile(r"(?:(?:#[^\n]*)?\n)*")
# Where an environment marker may be: from a ";" to the " \\" ending its line.  In a text _LOCK
# accepted, the first ";" of a pin line starts its marker, so this finds every pin's marker (it
# also finds look-alikes in comments; one that does not parse only sends the text to the line
# reader).  It starts with a literal, which the regular expression engine searches for quickly.
_MARKED = re.compile(r";[ \t]*(?P<marker>[^\\#;\n]*?)[ \t]+\\\n")
_PIN_HEAD = re.compile(rf"^(?P<name>{NAME})(?:{_EXTRAS})?==(?P<version>{VERSION})", re.MULTILINE)


@dataclass(frozen=True)
class CommonLock:
    """A lock in the common shape: the line reader would accept it with this digest line and body."""

    digest_line: str
    body_digest: str


def read(text: str) -> CommonLock | None:
    """*text* checked in one pass, or ``None`` when the line reader must decide."""
    if not conforms(text) or text.count(digest.MARKER) != 1:
        return None
    if not text.endswith("\n"):
        text += "\n"  # the same lines for str.splitlines()
    at = 0 if text.startswith(digest.MARKER) else text.find("\n" + digest.MARKER) + 1
    if at == 0 and not text.startswith(digest.MARKER):
        return None  # the marker is not at a line start: no digest line
    if _ABOVE_DIGEST.fullmatch(text, 0, at) is None:
        return None  # digest.split refuses what stands above it
    end = text.index("\n", at)
    body = hashlib.sha256(text[end + 1 :].encode("ascii")).hexdigest()
    return CommonLock(digest_line=text[at:end], body_digest=body)


@functools.lru_cache(maxsize=64)
def conforms(text: str) -> bool:
    """Whether *text* has the common shape (then the line reader accepts its pins); remembered."""
    if not text.isascii() or any(end in text for end in _OTHER_LINE_ENDS):
        return False
    if "file://" in text or redact.has_credentials(text) or text.count(digest.MARKER) > 1:
        return False
    if not text.endswith("\n"):
        text += "\n"
    if _LOCK.fullmatch(text) is None:
        return False
    return all(valid_marker(marker.strip()) for marker in {m.group("marker") for m in _MARKED.finditer(text)})


def pin_heads(text: str) -> tuple[tuple[str, str], ...] | None:
    """``(canonical name, version)`` of each pin of a conforming *text*, in order; else ``None``."""
    if not conforms(text):
        return None
    return tuple((canonical(name), version) for name, version in _PIN_HEAD.findall(text))


@functools.lru_cache(maxsize=1024)
def valid_marker(text: str) -> bool:
    """Whether *text* is a non-empty PEP 508 environment marker."""
    try:
        Marker(text)
    except InvalidMarker:
        return False
    return bool(text)


@functools.lru_cache(maxsize=8192)
def canonical(name: str) -> str:
    """*name* canonicalized (PEP 503), remembered."""
    return canonicalize_name(name)
