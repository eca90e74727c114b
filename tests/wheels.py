"""Build tiny, valid wheels for hermetic tests (no setuptools, no network).

Every wheel a test writes goes through :func:`write_wheel`, which adds the RECORD; the rest say
what goes into it: :func:`build_wheel` a made-up distribution, :func:`repackage` one installed
in this environment.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

_DATE = (2020, 1, 1, 0, 0, 0)
"""A fixed timestamp, so the same files give the same wheel bytes (and hashes in locks)."""


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
    headers: tuple[str, ...] = ()
    """Extra core-metadata lines: ``License: BSD``, ``Classifier: ...``."""
    files: tuple[tuple[str, str], ...] = ()
    """Extra files of the ``.dist-info`` (``licenses/LICENSE.txt``) and their text."""


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_wheel(path: Path, files: Mapping[str, bytes]) -> Path:
    """Zip *files* (one ``.dist-info`` among them, no RECORD) and their RECORD into *path*."""
    info = next(name.split("/", 1)[0] for name in files if name.split("/", 1)[0].endswith(".dist-info"))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    record += f"{info}/RECORD,,\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_DATE), data)
        archive.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=_DATE), record)
    return path


def build_wheel(dist: Dist, directory: Path) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into *directory* and return its path."""
    module = dist.name.replace("-", "_").lower()
    info = f"{module}-{dist.version}.dist-info"
    modern = dist.license_expression or dist.headers or dist.files
    metadata_text = "\n".join(
        [
            f"Metadata-Version: {'2.4' if modern else '2.1'}",
            f"Name: {dist.name}",
            f"Version: {dist.version}",
            *([f"License-Expression: {dist.license_expression}"] if dist.license_expression else []),
            *(f"Provides-Extra: {extra}" for extra in dist.extras),
            *dist.headers,
            *(f"Requires-Dist: {req}" for req in dist.requires),
            *([f"Requires-Python: {dist.requires_python}"] if dist.requires_python else []),
            "",
        ]
    )
    files = {
        f"{module}/__init__.py": f'__version__ = "{dist.version}"\n'.encode(),
        f"{info}/METADATA": metadata_text.encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: nox-support-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        **{f"{info}/{name}": text.encode() for name, text in dist.files},
    }
    return write_wheel(directory / f"{module}-{dist.version}-py3-none-any.whl", files)


def build_all(dists: list[Dist] | tuple[Dist, ...], directory: Path) -> Path:
    for dist in dists:
        build_wheel(dist, directory)
    return directory


_INSTALL_ONLY = ("/RECORD", "/INSTALLER", "/REQUESTED", "/direct_url.json")
"""Files the installer wrote into ``.dist-info``: not part of the wheel."""


def repackage(name: str, directory: Path) -> Path:
    """A wheel of the installed distribution *name* (its tags kept), rebuilt from its RECORD."""
    dist = metadata.distribution(name)
    site = Path(str(dist.locate_file("")))
    files: dict[str, bytes] = {}
    for entry in dist.files or ():
        relative = entry.as_posix()
        if relative.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"):
            continue  # scripts are regenerated from entry_points.txt
        if relative.endswith(_INSTALL_ONLY):
            continue
        files[relative] = (site / relative).read_bytes()
    info = next(p.split("/")[0] for p in files if p.split("/")[0].endswith(".dist-info"))
    tags = [
        line.split(":", 1)[1].strip()
        for line in files[f"{info}/WHEEL"].decode().splitlines()
        if line.startswith("Tag:")
    ]
    parts = [t.split("-") for t in tags]
    tag = "-".join(".".join(dict.fromkeys(p[i] for p in parts)) for i in range(3))
    stem = info.removesuffix(".dist-info")
    return write_wheel(directory / f"{stem}-{tag}.whl", files)
