"""One requirements file as a lock input: decoded, checked, parsed and canonical (pure).

Refused where pip and the digest could disagree or a secret could reach the lock: bytes that
are not UTF-8, abbreviated options (``--requirem``; pip would expand them, uv refuses them),
unknown options, and credentials or ``${VARIABLE}`` references (pip-tools would write the
expanded value into the lock).

The result is remembered by content and name, within the process and never on disk: a shared
constraints file is read for each of a thousand locks, and parsing it once is enough.  The
file is still read every time, so an edit between two checks is always seen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from nox_support.core import redact
from nox_support.core.errors import RequirementsFileError
from nox_support.lock import lockfile, reqfile, reqoptions

MEMO_BYTES = 64 * 1024
"""Larger files are analysed on every read instead of being remembered (bounded memory)."""


@dataclass(frozen=True)
class RequirementsInput:
    """What a requirements file contributes to a lock's inputs."""

    canonical: bytes
    """What pip reads from it (:func:`nox_support.lock.reqfile.canonical_text`): what is digested."""
    includes: tuple[reqfile.Include, ...]
    local: tuple[tuple[str, int], ...]
    """Local path requirements (``../lib``, ``-e ./x``, ``name @ file:...``) and their lines."""


def analyse(content: bytes, shown: str) -> RequirementsInput:
    """Read *content*, the requirements file *shown* (its name in errors, relative to the root)."""
    if len(content) > MEMO_BYTES:
        return _analyse(content, shown)
    return _remembered(content, shown)


def _analyse(content: bytes, shown: str) -> RequirementsInput:
    text = decode(content, shown)
    lines = reqfile.logical_lines(text)
    refuse_credentials(lines, shown)
    # Plain requirement lines (most of them) hold no include, path or option: not parsed here.
    entries = reqfile.parse_lines([n for n in lines if not reqfile.is_plain_requirement(n[1])], path=shown)
    _refuse_abbreviations(entries, shown)
    canonical = reqfile.canonical_of(lines).encode("utf-8")
    return RequirementsInput(canonical, reqfile.includes(entries), reqfile.local_requirements(entries))


_remembered = functools.lru_cache(maxsize=256)(_analyse)


def decode(content: bytes, shown: str) -> str:
    """*content* as UTF-8 text, or an error naming the first byte that is not."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"is not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start})"
        raise RequirementsFileError(msg, path=shown, hint="save the file as UTF-8") from exc


def refuse_credentials(lines: list[tuple[int, str]], shown: str) -> None:
    """Refuse a logical line (:func:`~nox_support.lock.reqfile.logical_lines`) naming a credential."""
    for number, line in lines:
        if lockfile.has_credentials(line):
            raise RequirementsFileError(
                f"names a credential or an environment variable ({redact.redact(line)})",
                path=shown,
                line=number,
                hint="pip-tools would write its expanded value into the lock; keep credentials in "
                "~/.netrc, a keyring or the index settings outside the repository (pip.conf, "
                "PIP_INDEX_URL, uv.toml) and name only the plain location here",
            )


def _refuse_abbreviations(entries: tuple[reqfile.Entry, ...], shown: str) -> None:
    for entry in entries:
        written = reqfile.abbreviation(entry)
        if written is not None:
            full = reqoptions.canonical_option(written)
            raise RequirementsFileError(
                f"{written} abbreviates {full}",
                path=shown,
                line=entry.line,
                hint=f"write {full} in full: uv refuses abbreviations, and every tool must read "
                "the file the same way",
            )
