"""Escaping outside text (package names, versions, specifiers, file names) for Markdown tables."""

from __future__ import annotations

import re
from pathlib import Path

# Everything GitHub-flavoured Markdown could read as markup, a link, HTML or a table boundary.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:])")


def escape(text: str) -> str:
    """*text* as literal Markdown on one line: markup characters backslash-escaped (pure).

    Line breaks and other control characters become spaces, so outside text can neither end a
    table row nor start a block of its own; ``<`` ``>`` ``&`` are escaped too, so no HTML survives.
    """
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPECIAL.sub(r"\\\1", " ".join(flat.split()))


def code(text: str) -> str:
    """*text* as an inline code span that no backtick in it can close early (pure)."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    # GitHub splits table cells at a bare "|" even inside a code span; "\\|" keeps it literal.
    body = flat.replace("|", "\\|")
    return f"{fence}{pad}{body}{pad}{fence}"


STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub rejects a step summary over 1 MiB."""


def append_step_summary(markdown: str, path: str | None) -> bool:
    """Append *markdown* to ``$GITHUB_STEP_SUMMARY`` when set and it fits; whether it was appended."""
    if not path:
        return False
    target = Path(path)
    try:
        used = target.stat().st_size
    except FileNotFoundError:
        used = 0
    if used + len(markdown.encode("utf-8")) + 1 > STEP_SUMMARY_LIMIT:
        return False
    with target.open("a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    return True
