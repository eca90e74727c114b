"""A CycloneDX 1.6 JSON document for one service, built with ``cyclonedx-python-lib`` (pure).

- The service is the root component (``metadata.component``, ``bom-ref``
  ``service:<name>``); it depends on the requirements named in its
  ``requirements.in`` (and the files it includes with ``-r``).
- One ``library`` component per installed locked package: name, version,
  ``pkg:pypi`` purl (also its ``bom-ref``), the lock's sha256 hashes and,
  when the metadata declares one, the SPDX licence.
- Local path packages have no purl (they come from no index) and no hash
  (pip cannot hash a directory); they carry the property
  ``nox-support:local-path`` with the path written in the lock.
- Dependency edges come from each installed distribution's ``Requires-Dist``
  evaluated for the venv's Python (extras' requirements are not edges).
- Reproducible: the serial number is a UUID5 of the service and the cache key
  (lock digest, installed distributions, tool versions), and the timestamp
  is ``SOURCE_DATE_EPOCH`` when set, else the moment the document was first
  built for that key (the document is cached).  Re-running on an unchanged
  lock gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

SERIAL_NAMESPACE = uuid.UUID("6f1d0c1e-8a2b-5c4d-9e3f-0a1b2c3d4e5f")
"""Namespace of the UUID5 serial numbers (fixed: changing it changes every serial)."""
LOCAL_PATH_PROPERTY = "nox-support:local-path"


@dataclass(frozen=True)
class SbomPackage:
    """One installed package of the service."""

    name: str
    version: str
    sha256: tuple[str, ...]
    """Hex digests from the lock (empty for a local path package)."""
    requires: tuple[str, ...]
    """``Requires-Dist`` values of the installed distribution."""
    license: str | None
    local_path: str | None = None


@dataclass(frozen=True)
class SbomInput:
    """Everything the document says."""

    service: str
    lock: str
    lock_sha256: str
    python_version: str
    direct: tuple[str, ...]
    """Canonical names the service's requirements.in asks for."""
    packages: tuple[SbomPackage, ...]
    serial: uuid.UUID
    timestamp: dt.datetime
    tool_version: str


def serial_number(service: str, key: str) -> uuid.UUID:
    """The document's serial number: the same for the same service and cache key."""
    return uuid.uuid5(SERIAL_NAMESPACE, f"{service}\n{key}")


def edges(requires: tuple[str, ...], python_version: str, installed: frozenset[str]) -> tuple[str, ...]:
    """Canonical names of installed packages that *requires* needs on *python_version* (no extras)."""
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    environment["python_full_version"] = python_version
    environment["python_version"] = ".".join(python_version.split(".")[:2])
    environment["extra"] = ""
    found: list[str] = []
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        if name in installed and name not in found:
            found.append(name)
    return tuple(sorted(found))


def build_document(data: SbomInput) -> str:
    """The CycloneDX 1.6 JSON text of *data*."""
    root = Component(
        name=data.service,
        type=ComponentType.APPLICATION,
        bom_ref=f"service:{data.service}",
        properties=[
            Property(name="nox-support:lock", value=data.lock),
            Property(name="nox-support:lock-sha256", value=data.lock_sha256),
            Property(name="nox-support:python", value=data.python_version),
        ],
    )
    bom = Bom(serial_number=data.serial, metadata=BomMetaData(component=root, timestamp=data.timestamp))
    bom.metadata.tools.components.add(
        Component(name="nox-support", version=data.tool_version, type=ComponentType.APPLICATION)
    )
    components = {p.name: _component(p) for p in data.packages}
    for component in components.values():
        bom.components.add(component)
    installed = frozenset(components)
    for package in data.packages:
        depends = [components[n] for n in edges(package.requires, data.python_version, installed)]
        bom.register_dependency(components[package.name], depends)
    bom.register_dependency(root, [components[n] for n in sorted(set(data.direct)) if n in components])
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _component(package: SbomPackage) -> Component:
    licenses = [LicenseExpression(package.license)] if package.license else []
    if package.local_path is not None:
        return Component(
            name=package.name,
            version=package.version,
            type=ComponentType.LIBRARY,
            bom_ref=f"local:{package.name}@{package.version}",
            licenses=licenses,
            description="local path package (installed from the monorepo, not from an index)",
            properties=[Property(name=LOCAL_PATH_PROPERTY, value=package.local_path)],
        )
    purl = PackageURL(type="pypi", name=package.name, version=package.version)
    return Component(
        name=package.name,
        version=package.version,
        type=ComponentType.LIBRARY,
        bom_ref=purl.to_string(),
        purl=purl,
        licenses=licenses,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=h) for h in package.sha256],
    )
