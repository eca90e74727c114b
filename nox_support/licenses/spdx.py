"""What licence a distribution declares, as an SPDX expression (pure).

The fields are tried in the order of the core metadata specification:
``License-Expression`` (PEP 639, already SPDX), then ``License`` (free text:
an SPDX expression or a common spelling such as "MIT License" or "Apache
2.0"; a whole licence text is not an identifier), then the ``License ::``
trove classifiers.  Identifiers are normalised by the ``license-expression``
library (ScanCode's SPDX key list: ``mit`` -> ``MIT``, ``GPL-3.0`` ->
``GPL-3.0-only``, ``GPL-2.0+`` -> ``GPL-2.0-or-later``); the few common
spellings it does not know are mapped by :data:`ALIASES` first.

A classifier or ``License`` that names no single licence (``License :: OSI
Approved :: BSD License`` could be any of three) is settled by the licence
file the distribution ships (``License-File``): a BSD text with the
"endorse or promote" clause is ``BSD-3-Clause``, without it ``BSD-2-Clause``.
The same files name the licence of a distribution that declares nothing.
Otherwise the package is *unknown*: it is reported, and fails only a policy
with ``unknown = "fail"``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from license_expression import ExpressionError, Licensing, get_spdx_licensing

if TYPE_CHECKING:
    from nox_support.venv.sitemeta import DistMetadata

Source = Literal["License-Expression", "License", "classifiers", "License-File"]

_LICENSE_REF = re.compile(r"(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")
_MAX_EXPRESSION = 200
"""A longer ``License`` value is a licence text, not an identifier."""

ALIASES: dict[str, str] = {
    "mit/x11": "MIT",
    "expat": "MIT",
    "apache 2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "asl 2": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "bsd-3": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "mozilla public license 2.0": "MPL-2.0",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "gplv2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "public domain": "LicenseRef-Public-Domain",
}
"""Common ``License`` spellings the SPDX key list does not resolve, even as :func:`library_key`
reads free text (lower-case keys; a test keeps out any entry the library already knows)."""

_FILLER = frozenset({"the", "license", "licence", "version"})
_N_CLAUSE = re.compile(r"\d-clause")
_OPERATORS = frozenset({"and", "or", "with"})

CLASSIFIERS: dict[str, str] = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: Zope Public License": "ZPL-2.1",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: Public Domain": "LicenseRef-Public-Domain",
}
"""Trove classifiers that name exactly one SPDX licence (ambiguous ones are left out on purpose)."""


@dataclass(frozen=True)
class LicenceFile:
    """A licence file a distribution ships (``License-File``): its name and (the start of) its text."""

    name: str
    text: str


@dataclass(frozen=True)
class Declared:
    """The distribution declares *expression* (normalised SPDX) in *source*."""

    expression: str
    source: Source
    raw: str
    """What the metadata said, for the report."""


@dataclass(frozen=True)
class Unknown:
    """No field gives an SPDX licence; *raw* is what the metadata said, if anything."""

    raw: str | None
    reason: str


Detected = Declared | Unknown


@functools.cache
def licensing() -> Licensing:
    """The SPDX licensing of ``license-expression`` (built once: it loads ~2,000 keys)."""
    licensing: Licensing = get_spdx_licensing()  # type: ignore[no-untyped-call]
    return licensing


def normalise(text: str) -> str | None:
    """*text* as a normalised SPDX expression, or ``None`` when it is not one."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > _MAX_EXPRESSION:
        return None
    return _expression(cleaned) or library_key(cleaned) or ALIASES.get(cleaned.lower().removesuffix("."))


def library_key(text: str) -> str | None:
    """A licence named in words, as the SPDX id the library knows for it, or ``None``.

    ``BSD 3-Clause License`` -> ``BSD-3-Clause``, ``3-Clause BSD License`` -> ``BSD-3-Clause``,
    ``Apache License, Version 2.0`` -> ``Apache-2.0``, ``MIT License`` -> ``MIT``: the words
    "the", "license", "version" are dropped, the rest joined with ``-`` (a leading ``N-Clause``
    moved last) and looked up in the library's SPDX key list.  ``BSD License`` stays ``None``:
    it could be any of three licences.
    """
    words = [w for w in re.split(r"[\s,]+", text.lower().removesuffix(".")) if w and w not in _FILLER]
    if not words or _OPERATORS & set(words):
        return None
    candidates = ["-".join(words)]
    if len(words) > 1 and _N_CLAUSE.fullmatch(words[0]):
        candidates.append("-".join([*words[1:], words[0]]))
    for candidate in candidates:
        found = _expression(candidate)
        if found is not None and " " not in found:
            return found
    return None


def _expression(cleaned: str) -> str | None:
    """*cleaned* as the library normalises an SPDX expression, or ``None``."""
    try:
        info = licensing().validate(cleaned)  # type: ignore[no-untyped-call]
        if (
            info.errors
            and info.invalid_symbols
            and all(_LICENSE_REF.fullmatch(s) for s in info.invalid_symbols)
        ):
            # SPDX's own escape hatch for licences without an identifier (LicenseRef-Proprietary).
            return str(licensing().parse(cleaned))  # type: ignore[no-untyped-call]
    except (ExpressionError, AttributeError):
        # AttributeError: validate() fails on a comma ("Apache License, Version 2.0") in
        # license-expression 30.x while reporting an ExpressionError without token_string.
        return None
    if info.errors or not info.normalized_expression or info.normalized_expression == "None":
        return None
    return str(info.normalized_expression)


def detect(meta: DistMetadata, files: tuple[LicenceFile, ...] = ()) -> Detected:
    """The licence *meta* declares: ``License-Expression``, then ``License``, then classifiers.

    *files* (the distribution's licence files) settle a BSD that names no variant, or name
    the licence when the metadata declares none.
    """
    if meta.license_expression:
        expression = normalise(meta.license_expression)
        if expression is not None:
            return Declared(expression, "License-Expression", meta.license_expression)
        return Unknown(meta.license_expression, "License-Expression is not a valid SPDX expression")
    if meta.license and meta.license.strip().upper() not in {"UNKNOWN", "NONE"}:
        expression = normalise(meta.license)
        if expression is not None:
            return Declared(expression, "License", meta.license)
    from_classifiers = _from_classifiers(meta.classifiers)
    if from_classifiers is not None:
        return Declared(from_classifiers, "classifiers", "; ".join(_licence_classifiers(meta.classifiers)))
    from_text = _from_license_text(meta)
    if from_text is not None:
        return Declared(from_text, "License", _shorten(meta.license or "", limit=_MAX_EXPRESSION))
    raw = meta.license or "; ".join(_licence_classifiers(meta.classifiers)) or None
    from_files = _from_files(files) if raw is None or wants_licence_file(meta) else None
    if from_files is not None and (raw is None or from_files.startswith("BSD-")):
        names = ", ".join(f.name for f in files)
        return Declared(from_files, "License-File", f"{raw} ({names})" if raw else names)
    if raw is None:
        return Unknown(None, "no License-Expression, License or licence classifier")
    return Unknown(_shorten(raw), "the declared licence is not an SPDX identifier")


_BSD_NAMES = frozenset({"bsd", "bsd license", "bsd licence", "license :: osi approved :: bsd license"})
_BSD_TEXT = "redistribution and use in source and binary forms"
_MARKERS = {
    "MIT": "permission is hereby granted, free of charge, to any person obtaining a copy",
    "Apache-2.0": "apache license version 2.0, january 2004",
    "BSD": _BSD_TEXT,
}


def wants_licence_file(meta: DistMetadata) -> bool:
    """Whether the metadata says only "BSD" (which of three?) or nothing: its licence file tells."""
    if meta.license_expression:
        return False
    named = [c.lower() for c in _licence_classifiers(meta.classifiers) if c != "License :: OSI Approved"]
    license_field = (meta.license or "").strip().lower()
    if license_field in {"", "unknown", "none"}:
        return all(n in _BSD_NAMES for n in named)
    return license_field in _BSD_NAMES and all(n in _BSD_NAMES for n in named)


def from_licence_text(text: str) -> str | None:
    """The one licence a licence file's text is (MIT, Apache-2.0, BSD-2/3-Clause), or ``None``."""
    flat = " ".join(text.lower().replace(",", " ").split())
    found = [name for name, marker in _MARKERS.items() if " ".join(marker.replace(",", " ").split()) in flat]
    if found != ["BSD"]:
        return found[0] if len(found) == 1 else None
    if "advertising materials" in flat:
        return None  # the 4-clause licence: rare, and better named by hand than guessed
    return "BSD-3-Clause" if "endorse or promote products derived" in flat else "BSD-2-Clause"


def _from_license_text(meta: DistMetadata) -> str | None:
    """The licence whose whole text is in ``License`` (older packages put it there), or ``None``.

    Read when the classifiers name no licence, or only "BSD" (then the text must be a BSD one).
    """
    text = meta.license or ""
    if len(" ".join(text.split())) <= _MAX_EXPRESSION:
        return None
    found = from_licence_text(text)
    named = [c.lower() for c in _licence_classifiers(meta.classifiers) if c != "License :: OSI Approved"]
    if found is None or not named:
        return found
    return found if found.startswith("BSD-") and all(n in _BSD_NAMES for n in named) else None


def _from_files(files: tuple[LicenceFile, ...]) -> str | None:
    found = {licence for f in files if (licence := from_licence_text(f.text)) is not None}
    return found.pop() if len(found) == 1 else None  # none, or files that disagree: no guess


def _licence_classifiers(classifiers: tuple[str, ...]) -> list[str]:
    return [c for c in classifiers if c.startswith("License ::")]


def _from_classifiers(classifiers: tuple[str, ...]) -> str | None:
    named = _licence_classifiers(classifiers)
    if not named:
        return None
    ids = [CLASSIFIERS.get(c) for c in named if c != "License :: OSI Approved"]
    if not ids or any(i is None for i in ids):
        return None
    unique = sorted({i for i in ids if i is not None})
    # Several licence classifiers mean "any of these" in practice (dual licensing).
    return " OR ".join(unique) if len(unique) > 1 else unique[0]


def _shorten(text: str, limit: int = 120) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
