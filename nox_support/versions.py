"""Comparing version strings as installers do (pure)."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0 == 1.0.0``); plain string equality when either is not PEP 440."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b
