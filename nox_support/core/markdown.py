"""Outside text in Markdown reports: shown as written, never rendered (pure).

Advisory ids, aliases, summaries, versions, error messages and file names come from
vulnerability databases, locks and the file system, and end up in ``reports/audit.md``,
``$GITHUB_STEP_SUMMARY`` and the CI matrix summary.  A hostile advisory could otherwise
inject an image (``<img src=...>``), a link (``[click](https://...)``), break a table
(``|``) or open a code span (a backtick).  :func:`escape` is the one function every such
text passes through before it lands in Markdown; it also redacts credentials in URLs.
"""

from __future__ import annotations

import re

from nox_support.core.redact import redact

# Characters that open emphasis, code, links, images, table cells, strikethrough or math anywhere
# in a line.  "(" and ")" need no escape once "[" and "]" have one; HTML is handled below.
_INLINE = frozenset("\\`*[]|~$")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# "_" emphasises only at a word boundary: "test_more.py" stays readable, "__init__" does not bolden.
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# Text that would start a block where the escaped text begins a line or a list item.
_BLOCK_START = re.compile(r"^(?:#{1,6}|[+-]|\d{1,9}\.)(?= |$)")


def escape(text: str) -> str:
    """*text* redacted, on one line, with everything Markdown or HTML would render escaped."""
    flat = " ".join(redact(text).split())
    out = "".join(_HTML.get(c) or (f"\\{c}" if c in _INLINE else c) for c in flat)
    out = _UNDERSCORE.sub(r"\\_", out)
    start = _BLOCK_START.match(out)
    if start is not None:
        marker = start.group(0)
        out = f"{marker[:-1]}\\{marker[-1]}{out[len(marker) :]}"
    return out


def code(text: str) -> str:
    """*text* (redacted, on one line) as an inline code span nothing inside can close.

    The fence is one backtick longer than the longest run of backticks in the text.  Not for
    table cells: GitHub splits a cell at ``|`` even inside a code span (use :func:`escape`).
    """
    flat = " ".join(redact(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def cell_code(text: str) -> str:
    """:func:`code` for a table cell, with every ``|`` escaped.

    GitHub splits a cell at ``|`` even inside a code span, and shows an escaped one as ``|``.
    """
    return code(text).replace("|", "\\|")
