"""One redaction function for every place that shows a location to a person or a file.

Credentials travel inside URLs: a user part (``https://user:pass@host``, ``https://${TOKEN}@host``
after pip expanded it) or a query string (``?token=...``, ``?X-Amz-Signature=...``).  Whatever
nox-support writes (locks, reports, cache files, log lines, error messages) passes through
:func:`redact` first, so a credential never leaves the machine.  Pure functions, no I/O.
"""

from __future__ import annotations

import re

#: What replaces a credential.
MASK = "***"

# A URL as it appears inside free text: scheme, then everything up to whitespace or a quote.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s'\"<>`]+)")
# The user part of an authority: anything before the last "@" ahead of the first "/", "?" or "#".
_USERINFO = re.compile(r"^(?P<userinfo>[^/?#]*)@")
# A query or fragment parameter value: "name=value" after "?", "&", ";" or "#".
_PARAM_VALUE = re.compile(r"(?P<sep>[?&;#])(?P<name>[^=&;#?]+)=(?P<value>[^&;#]*)")
# An environment-variable reference pip would expand in a requirements file.
_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def redact_url(url: str) -> str:
    """*url* with its user part and every query/fragment parameter value masked.

    ``https://user:pw@host/p?token=abc&x=1`` becomes ``https://***@host/p?token=***&x=***``.
    Values are masked regardless of their parameter's name: a location never needs them to be
    recognisable, and a list of "secret-looking" names is always one name short.
    """
    match = _URL.fullmatch(url)
    if match is None:
        return url
    return match.group("scheme") + _redact_rest(match.group("rest"))


def redact(text: str) -> str:
    """*text* with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: m.group("scheme") + _redact_rest(m.group("rest")), text)


def has_credentials(text: str) -> bool:
    """Whether *text* holds a URL user part, a URL parameter value or a ``${VAR}`` reference."""
    return redact(text) != text or _ENV_REFERENCE.search(text) is not None


def _redact_rest(rest: str) -> str:
    userinfo = _USERINFO.match(rest)
    if userinfo is not None:
        rest = f"{MASK}@{rest[userinfo.end() :]}"
    return _PARAM_VALUE.sub(
        lambda m: f"{m.group('sep')}{m.group('name')}={MASK if m.group('value') else ''}", rest
    )
