"""Name and version of a distribution file from its name (pure)."""

from __future__ import annotations

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tgz", ".tar")


def distribution_key(filename: str) -> tuple[NormalizedName, Version] | None:
    """``(name, version)`` of a wheel or sdist file name, ``None`` for anything else (pure)."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return name, version
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)
        for suffix in _SDIST_SUFFIXES:
            if filename.endswith(suffix):
                stem, dash, version_text = filename.removesuffix(suffix).rpartition("-")
                return (canonicalize_name(stem), Version(version_text)) if dash and stem else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None
