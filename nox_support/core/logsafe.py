"""Text from outside never drives the terminal or the CI log.

Advisory ids, summaries, package names, file names and compiler output come from places
nox-support does not control.  Printed raw, a newline in an advisory id starts a new log line,
and a line beginning with ``::`` is a GitHub workflow command (``::add-mask::``,
``::stop-commands::``, ``::error file=...``); an ANSI escape rewrites what the reader sees.

:func:`field` neutralizes one outside string: every control character (newlines and ANSI escapes
included) becomes a visible escape.  :func:`message` neutralizes a whole log message at the
output boundary: the message's own line breaks stay, any other control character is escaped and
no line can begin with a workflow command (the runner strips leading blanks before it looks).
Every line nox-support writes goes through :func:`message`: Nox's logger carries a filter
(:func:`install`), and the two places that write to stdout/stderr themselves call :func:`write`.
Pure functions apart from :func:`install` and :func:`write`.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

# C0 controls, DEL, C1 controls and the Unicode line/paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# A GitHub workflow command (``::name ...::``) or its older form (``##[name]``) after blanks.
_COMMAND_START = re.compile(r"^(?P<blank>[ \t]*)(?P<start>::|##\[)", re.MULTILINE)
_LATIN1_END = 0x100
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < _LATIN1_END else f"\\u{code:04x}"


def _defuse_commands(text: str) -> str:
    return _COMMAND_START.sub(lambda m: f"{m.group('blank')}\\{m.group('start')}", text)


def field(text: str) -> str:
    """One outside string made safe to embed in a line: no control character, no command start."""
    return _defuse_commands(_CONTROL.sub(_escape, text))


def message(text: str) -> str:
    """A whole message made safe to print: its line breaks stay, nothing else controls the log."""
    return _defuse_commands(_CONTROL_BUT_NEWLINE.sub(_escape, text))


def write(text: str, stream: TextIO | None = None) -> None:
    """Write *text* (neutralized by :func:`message`) to *stream* (stderr by default)."""
    (sys.stderr if stream is None else stream).write(message(text))


def write_workflow_command(command: str, stream: TextIO) -> None:
    """Write one workflow command nox-support means (``::error ...``) as one line.

    Its parameters must already be escaped as GitHub asks (``%0A`` for a newline); whatever
    control character is left is escaped here, so the command stays one line.
    """
    if not command.startswith("::"):
        msg = f"not a workflow command: {field(command[:40])}"
        raise ValueError(msg)
    stream.write("::" + field(command[2:]) + "\n")


class NeutralizingFilter(logging.Filter):
    """Rewrites every record to :func:`message` of its formatted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Neutralize *record* in place; never drops it."""
        text = record.getMessage()
        safe = message(text)
        if safe != text or record.args:
            record.msg = safe
            record.args = None
        return True


def install(logger: logging.Logger) -> None:
    """Put the :class:`NeutralizingFilter` on *logger* (once)."""
    if not any(isinstance(f, NeutralizingFilter) for f in logger.filters):
        logger.addFilter(NeutralizingFilter())
