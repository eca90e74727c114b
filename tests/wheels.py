"""Build tiny, valid wheels for hermetic tests (no setuptools, no network)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    license_expression: str | None = None
    """The SPDX ``License-Expression`` (metadata 2.4) of the wheel; ``None``: no licence metadata."""
    extras: tuple[str, ...] = ()
    """The extras the wheel provides (``Provides-Extra``); *requires* names them in markers."""


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_wheel(dist: Dist, directory: Path) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into *directory* and return its path."""
    module = dist.name.replace("-", "_").lower()
    info = f"{module}-{dist.version}.dist-info"
    metadata = "\n".join(
        [
            f"Metadata-Version: {'2.4' if dist.license_expression else '2.1'}",
            f"Name: {dist.name}",
            f"Version: {dist.version}",
            *([f"License-Expression: {dist.license_expression}"] if dist.license_expression else []),
            *(f"Provides-Extra: {extra}" for extra in dist.extras),
            *(f"Requires-Dist: {req}" for req in dist.requires),
            *([f"Requires-Python: {dist.requires_python}"] if dist.requires_python else []),
            "",
        ]
    )
    files = {
        f"{module}/__init__.py": f'__version__ = "{dist.version}"\n'.encode(),
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: nox-support-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{info}/RECORD,,\n"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
        archive.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), record)
    return path


def build_all(dists: list[Dist] | tuple[Dist, ...], directory: Path) -> Path:
    for dist in dists:
        build_wheel(dist, directory)
    return directory
