"""Fixtures for the supply-chain tests: wheels with known licence metadata, a none-backend session."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nox
import pytest

from tests.fakes import RecordingSession
from tests.repos import local_package, monorepo, stamp_lock, write


@dataclass(frozen=True)
class LicensedDist:
    name: str
    version: str
    headers: tuple[str, ...] = ()
    """Extra core-metadata lines: ``License-Expression: MIT``, ``Classifier: ...``."""
    requires: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    """Extra files of the ``.dist-info`` (``licenses/LICENSE.txt``) and their text."""


# The start of Flask's, Werkzeug's and Jinja's LICENSE.txt (BSD-3-Clause), which declare only
# "License :: OSI Approved :: BSD License" in their older releases.
PALLETS_LICENSE = """Copyright 2007 Pallets

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

1.  Redistributions of source code must retain the above copyright
    notice, this list of conditions and the following disclaimer.

2.  Redistributions in binary form must reproduce the above copyright
    notice, this list of conditions and the following disclaimer in the
    documentation and/or other materials provided with the distribution.

3.  Neither the name of the copyright holder nor the names of its
    contributors may be used to endorse or promote products derived from
    this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO,
"""


# The packages of the supply-chain tests and the licences their metadata declares.
LICENSED = (
    LicensedDist("mitpkg", "1.0", ("License-Expression: MIT",), ("apachepkg>=1",)),
    LicensedDist("apachepkg", "2.0", ("License: Apache 2.0",)),
    LicensedDist(
        "gplpkg", "3.1", ("Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",)
    ),
    LicensedDist("dualpkg", "1.0", ("License-Expression: MIT OR GPL-3.0-only",)),
    LicensedDist("bsdpkg", "0.9", ("License: BSD", "Classifier: License :: OSI Approved :: BSD License")),
    LicensedDist("nolicense", "1.0", ()),
    LicensedDist(
        "palletspkg",
        "3.0",
        ("License-File: LICENSE.txt", "Classifier: License :: OSI Approved :: BSD License"),
        files=(("licenses/LICENSE.txt", PALLETS_LICENSE),),
    ),
    LicensedDist(
        "oldpy",
        "1.0",
        ("License-Expression: ISC",),
        ('mitpkg; python_version < "3"', 'bsdpkg; extra == "bsd"'),
    ),
)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_licensed_wheel(dist: LicensedDist, directory: Path) -> Path:
    module = dist.name.replace("-", "_").lower()
    info = f"{module}-{dist.version}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.4",
            f"Name: {dist.name}",
            f"Version: {dist.version}",
            *dist.headers,
            *(f"Requires-Dist: {r}" for r in dist.requires),
            "",
        ]
    )
    files = {
        f"{module}/__init__.py": b"",
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        **{f"{info}/{name}": text.encode() for name, text in dist.files},
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in files.items()) + f"{info}/RECORD,,\n"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
        archive.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), record)
    return path


@pytest.fixture(scope="session")
def licensed_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("licensed-wheels")
    for dist in LICENSED:
        build_licensed_wheel(dist, directory)
    return directory


@pytest.fixture
def licensed_index(monkeypatch: pytest.MonkeyPatch, licensed_wheelhouse: Path) -> Path:
    """Installs come from the licensed wheelhouse only; Nox's default backend is uv (as in noxfile.py)."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(licensed_wheelhouse))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(licensed_wheelhouse))
    monkeypatch.setenv("NOX_SUPPORT_VENV_TIMEOUT", "60")
    monkeypatch.setattr(nox.options, "default_venv_backend", "uv|virtualenv")
    return licensed_wheelhouse


def wheel_sha256(wheelhouse: Path, name: str, version: str) -> str:
    return hashlib.sha256((wheelhouse / f"{name}-{version}-py3-none-any.whl").read_bytes()).hexdigest()


def licensed_lock(wheelhouse: Path, pins: dict[str, str]) -> str:
    lines = ["#", "# This file is autogenerated by pip-compile with Python 3.11", "#"]
    for name, version in sorted(pins.items()):
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{wheel_sha256(wheelhouse, name, version)}"]
    return "\n".join(lines) + "\n"


def supply_repo(
    root: Path,
    wheelhouse: Path,
    services: dict[str, dict[str, str]],
    *,
    pyproject: str = "",
    common: bool = True,
) -> Path:
    """A monorepo whose services' locks pin *services* (name -> pins); each also uses libs/common."""
    requirements = {
        name: "\n".join([*pins, *(["../../libs/common"] if common else [])]) + "\n"
        for name, pins in services.items()
    }
    monorepo(root, requirements, pyproject=pyproject)
    if common:
        local_package(root / "libs" / "common", "acme-common", "0.3.0")
    for name, pins in services.items():
        write_lock(root, name, licensed_lock(wheelhouse, pins), common=common)
    return root


def write_lock(root: Path, service: str, hashed: str, *, common: bool = True) -> Path:
    """Write *hashed* as the service's lock as ``nox -s lock`` would (stamped; with *common*,
    ``../../libs/common`` goes to ``requirements.local.txt`` beside it)."""
    lock = root / "services" / service / "requirements.txt"
    write(lock, hashed + ("../../libs/common\n    # via -r requirements.in\n" if common else ""))
    return stamp_lock(root, service)


def restamp(root: Path, service: str) -> None:
    """Stamp the service's (edited) lock again, and its local packages file with it."""
    stamp_lock(root, service)


class NoneSession(RecordingSession):
    """The parts of ``nox.Session`` a ``venv_backend="none"`` session body uses."""

    def __init__(self, root: Path, name: str, *, posargs: tuple[str, ...] = ()) -> None:
        super().__init__(posargs=posargs)
        self.env_dir = root / ".nox" / name
