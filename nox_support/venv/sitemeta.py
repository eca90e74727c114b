"""Read the core metadata of the distributions installed in a synced venv (the I/O edge).

Only what the SBOM and the licence inventory need: name, version, the licence
fields (``License-Expression``, ``License``, ``Classifier``) and
``Requires-Dist``.  Files are read, never imported or executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.utils import canonicalize_name

from nox_support.core.errors import NoxSupportError
from nox_support.venv.inspect import find_site_packages, parse_dist_info_name


class MetadataError(NoxSupportError):
    """An installed distribution's metadata cannot be read."""


@dataclass(frozen=True)
class DistMetadata:
    """The metadata fields of one installed distribution."""

    name: str
    """Canonical name (``typing-extensions``)."""
    version: str
    license_expression: str | None
    license: str | None
    classifiers: tuple[str, ...]
    requires: tuple[str, ...]
    """``Requires-Dist`` values, markers included."""
    license_files: tuple[str, ...] = ()
    """``License-File`` values: paths of licence files in the ``.dist-info`` (or its ``licenses/``)."""


def site_packages(venv_dir: Path) -> Path:
    """The ``site-packages`` of *venv_dir*; a venv without one raises :class:`MetadataError`."""
    found = find_site_packages(venv_dir)
    if found is None:
        msg = f"{venv_dir} has no site-packages"
        raise MetadataError(msg, hint=f"delete {venv_dir} and run again")
    return found


def dist_info_index(contents: tuple[str, ...]) -> dict[str, str]:
    """Canonical name -> ``*.dist-info`` directory name, from a venv stamp's ``contents`` (pure)."""
    found: dict[str, str] = {}
    for entry in contents:
        parsed = parse_dist_info_name(entry)
        if parsed is not None:
            found.setdefault(parsed[0], entry)
    return found


def read_dist_info(directory: Path) -> DistMetadata:
    """Parse ``METADATA`` (or ``PKG-INFO`` of an ``.egg-info``) of one distribution."""
    path = directory / ("PKG-INFO" if directory.name.endswith(".egg-info") else "METADATA")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        msg = f"cannot read {path}: {exc}"
        raise MetadataError(msg, hint="the venv is damaged: delete it and run again") from exc
    return parse_metadata(text, where=str(path))


def parse_metadata(text: str, *, where: str) -> DistMetadata:
    """Core metadata (RFC 822 headers) to :class:`DistMetadata` (pure)."""
    message = HeaderParser().parsestr(text)
    name = message.get("Name")
    version = message.get("Version")
    if not name or not version:
        msg = f"{where}: no Name or Version in the metadata"
        raise MetadataError(msg, hint="the venv is damaged: delete it and run again")
    return DistMetadata(
        name=canonicalize_name(str(name)),
        version=str(version).strip(),
        license_expression=_field(message.get("License-Expression")),
        license=_field(message.get("License")),
        classifiers=tuple(str(c).strip() for c in message.get_all("Classifier") or ()),
        requires=tuple(str(r).strip() for r in message.get_all("Requires-Dist") or ()),
        license_files=tuple(str(f).strip() for f in message.get_all("License-File") or ()),
    )


def _field(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
