"""Comparing version strings that may not be PEP 440 versions (pure)."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def parse_version(text: str) -> Version | None:
    """*text* as a :class:`Version`, or ``None`` for a legacy version string."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def version_sort_key(text: str) -> tuple[int, Version | str]:
    """Sort PEP 440 versions by version, after them any others by text."""
    version = parse_version(text)
    return (0, version) if version is not None else (1, text)


def same_version(a: str, b: str) -> bool:
    """``1.0`` and ``1.0.0`` are the same version; legacy strings must be equal."""
    left, right = parse_version(a), parse_version(b)
    return left == right if left is not None and right is not None else a == b
