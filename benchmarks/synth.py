"""A synthetic monorepo over a local wheel index, the same for every run.

The package pool does not depend on the number of services, and service
``svc-007`` is the same in every monorepo size, so results for N = 10, 50 and
200 are comparable.  Shape, chosen to look like real monorepos:

* 160 packages in four tiers: foundations (no or few dependencies, used by
  everything, like urllib3/typing-extensions), libraries, frameworks (large
  closures) and test tools (only in dev layers); 1-4 versions each.
* Popular packages are picked far more often (Zipf weights), so most services
  share a core of dependencies; direct dependency counts are 40 % small
  (2-6), 40 % medium (7-15), 20 % large (16-30).
* About a third of the services have a ``requirements-dev.in`` layer, a tenth
  use a local library from ``libs/`` by relative path, and every lock gets the
  shared constraints file.
* One package in eight ships platform wheels and an sdist for its newest
  version, so locks carry several hashes per pin, as real ones do.

Every dependency specifier admits the newest version, so resolution never
backtracks and both compilers must agree.
"""

from __future__ import annotations

import io
import random
import shutil
import tarfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.repos import NOXFILE, local_package
from tests.wheels import Dist, _record_hash, build_wheel

SEED = 2024
POOL_SIZE = 160
LIBRARIES = 3
_TIERS = (("core", 24), ("lib", 64), ("frame", 40), ("test", 32))
_VERSIONS = (("1.0",), ("1.0", "1.1"), ("1.0", "1.1", "2.0"), ("1.0", "1.1", "2.0", "2.1"))
_PLATFORM_TAGS = (
    "cp311-cp311-manylinux_2_17_x86_64",
    "cp312-cp312-manylinux_2_17_x86_64",
    "cp311-cp311-win_amd64",
    "cp311-cp311-macosx_11_0_arm64",
)


@dataclass(frozen=True)
class Package:
    """One synthetic distribution with all its versions."""

    name: str
    tier: str
    versions: tuple[str, ...]
    requires: tuple[str, ...]
    platform_wheels: bool


@dataclass(frozen=True)
class ServiceSpec:
    """The inputs of one synthetic service."""

    name: str
    direct: tuple[str, ...]
    dev: tuple[str, ...]
    library: str | None


@dataclass(frozen=True)
class Library:
    """A local path package under ``libs/``."""

    name: str
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Universe:
    """Everything the generator writes for one monorepo size."""

    packages: tuple[Package, ...]
    services: tuple[ServiceSpec, ...]
    libraries: tuple[Library, ...]
    constraints: tuple[str, ...]


def package_pool(seed: int = SEED) -> tuple[Package, ...]:
    """The packages of the index (pure)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not security
    packages: list[Package] = []
    for tier, count in _TIERS:
        for index in range(count):
            name = f"{tier}{index:02d}"
            fanout = {"core": (0, 2), "lib": (1, 4), "frame": (3, 7), "test": (0, 3)}[tier]
            # Foundations and test tools build on foundations only; the rest on anything earlier.
            upstream = ("core",) if tier in {"core", "test"} else ("core", "lib", "frame")
            pool = [p.name for p in packages if p.tier in upstream]
            wanted = min(rng.randint(*fanout), len(pool))
            requires = tuple(sorted(rng.sample(pool, wanted))) if wanted else ()
            packages.append(
                Package(
                    name=name,
                    tier=tier,
                    versions=rng.choice(_VERSIONS),
                    requires=requires,
                    platform_wheels=rng.random() < 1 / 8,
                )
            )
    return tuple(packages)


def plan(services: int, seed: int = SEED) -> Universe:
    """The monorepo with *services* services (pure; a prefix of any larger one)."""
    packages = package_pool(seed)
    runtime = [p for p in packages if p.tier != "test"]
    tools = [p for p in packages if p.tier == "test"]
    popularity = random.Random(seed + 1)  # noqa: S311
    order = runtime[:]
    popularity.shuffle(order)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(order))]
    library_rng = random.Random(seed + 2)  # noqa: S311
    libraries = tuple(
        Library(f"common-{index}", tuple(sorted(library_rng.sample([p.name for p in runtime[:40]], 3))))
        for index in range(LIBRARIES)
    )
    specs = []
    for index in range(services):
        rng = random.Random(f"{seed}-service-{index}")  # noqa: S311
        size = rng.choices(((2, 6), (7, 15), (16, 30)), weights=(40, 40, 20))[0]
        direct: set[str] = set()
        target = rng.randint(*size)
        while len(direct) < target:
            direct.add(rng.choices(order, weights=weights)[0].name)
        dev = (
            tuple(sorted(p.name for p in rng.sample(tools, rng.randint(1, 3))))
            if rng.random() < 1 / 3
            else ()
        )
        library = rng.choice(libraries).name if rng.random() < 1 / 10 else None
        specs.append(ServiceSpec(f"svc-{index:03d}", tuple(sorted(direct)), dev, library))
    constrained = [p for p in packages if p.tier == "core" and len(p.versions) > 2][:4]  # noqa: PLR2004
    constraints = tuple(f"{p.name}<2" for p in constrained)
    return Universe(packages, tuple(specs), libraries, constraints)


def write_index(packages: tuple[Package, ...], directory: Path) -> Path:
    """Build every distribution of *packages* into the find-links *directory*."""
    directory.mkdir(parents=True, exist_ok=True)
    for package in packages:
        for version in package.versions:
            requires = tuple(f"{name}>=1.0" for name in package.requires)
            build_wheel(Dist(package.name, version, requires), directory)
        if package.platform_wheels:
            newest = package.versions[-1]
            for tag in _PLATFORM_TAGS:
                _platform_wheel(directory, package, newest, tag)
            _sdist(directory, package.name, newest)
    return directory


def write_repo(universe: Universe, root: Path, *, compiler: str) -> Path:
    """Write the monorepo of *universe* under *root* (services, libs, constraints, noxfile)."""
    root.mkdir(parents=True, exist_ok=True)
    set_compiler(root, compiler)
    shutil.copy(NOXFILE, root / "noxfile.py")
    _write(
        root / "constraints/shared.txt",
        "# Shared bounds.\n" + "".join(f"{c}\n" for c in universe.constraints),
    )
    for library in universe.libraries:
        directory = root / "libs" / library.name
        # local_package declares the dependencies statically too (PEP 621), which uv reads.
        local_package(directory, library.name, requires=tuple(f"{r}>=1.0" for r in library.requires))
    for spec in universe.services:
        directory = root / "services" / spec.name
        lines = [f"{name}>=1.0" for name in spec.direct]
        if spec.library:
            lines.append(f"../../libs/{spec.library}")
        _write(directory / "requirements.in", "\n".join(lines) + "\n")
        if spec.dev:
            _write(directory / "requirements-dev.in", "\n".join(spec.dev) + "\n")
    return root


def set_compiler(root: Path, compiler: str) -> None:
    """Point ``[tool.nox_support] compiler`` of the monorepo at *compiler*."""
    text = f"""
    [tool.nox_support]
    service_globs = ["services/*"]
    constraints = ["constraints/shared.txt"]
    compiler = "{compiler}"
    """
    _write(root / "pyproject.toml", text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _platform_wheel(directory: Path, package: Package, version: str, tag: str) -> None:
    info = f"{package.name}-{version}.dist-info"
    requires = "".join(f"Requires-Dist: {name}>=1.0\n" for name in package.requires)
    files = {
        f"{package.name}/__init__.py": f"# {tag}\n".encode(),
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {package.name}\nVersion: {version}\n{requires}".encode()
        ),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()
        ),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    stamp = (2020, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(directory / f"{package.name}-{version}-{tag}.whl", "w") as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, stamp), data)
        archive.writestr(zipfile.ZipInfo(f"{info}/RECORD", stamp), record + f"{info}/RECORD,,\n")


def _sdist(directory: Path, name: str, version: str) -> None:
    files = {
        f"{name}-{version}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}/pyproject.toml": f'[project]\nname = "{name}"\nversion = "{version}"\n'.encode(),
    }
    with tarfile.open(directory / f"{name}-{version}.tar.gz", "w:gz") as archive:
        for member, data in files.items():
            entry = tarfile.TarInfo(member)
            entry.size = len(data)
            entry.mtime = 1577836800
            archive.addfile(entry, io.BytesIO(data))


def write_osv_database(packages: tuple[Package, ...], directory: Path, *, unrelated: int = 2000) -> Path:
    """An offline OSV database in the PyPA layout: records for every package, none affecting 1.0+.

    *unrelated* records name packages nobody uses, so loading the database costs what a real one does.
    """

    def record(ident: str, name: str, fixed: str) -> str:
        events = f'[{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]'
        return (
            f'{{"id": "{ident}", "modified": "2024-01-01T00:00:00Z", "published": "2023-06-01T00:00:00Z", '
            f'"details": "synthetic advisory", "affected": [{{"package": {{"ecosystem": "PyPI", "name": '
            f'"{name}"}}, "ranges": [{{"type": "ECOSYSTEM", "events": {events}}}]}}]}}\n'
        )

    entries = [(p.name, f"0.{k + 1}") for p in packages for k in range(1 + len(p.name) % 3)]
    entries += [(f"unused-{index:04d}", "1.0") for index in range(unrelated)]
    for number, (name, fixed) in enumerate(entries):
        target = directory / "vulns" / name / f"BENCH-{number:05d}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(record(f"BENCH-{number:05d}", name, fixed), encoding="utf-8")
    return directory
