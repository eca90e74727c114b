"""What the locks ask for, and whether a venv must be rebuilt or re-synced (pure: no I/O)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.markers import Marker, default_environment

from nox_support.core.versions import same_version
from nox_support.venv.inspect import parse_dist_info_name
from nox_support.venv.values import InstalledDist, LocalRequirement, LockPlan, Stamp, VenvError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from nox_support.lock.model import LocalEntry, LocalFile, LockedPackage, ParsedLock

# What a venv holds right after its creation (virtualenv seeds these; uv seeds nothing).
_SEED_DISTRIBUTIONS = frozenset({"pip", "setuptools", "wheel"})


def plan_locks(
    locks: tuple[tuple[ParsedLock, LocalFile | None], ...], *, service_dir: Path, root: Path
) -> LockPlan:
    """Merge the pins and local packages of validated locks into what the installer is given.

    Built from the lock model only (:mod:`nox_support.lock.model`): pins with their hashes, and
    the local packages of each lock's local packages file, resolved against *service_dir* and
    checked to be inside the repository at *root*.  No line of a lock file reaches an installer.
    Raises :class:`VenvError` for a local path outside the repository, and for two
    locks pinning one package differently.
    """
    packages: dict[str, tuple[LockedPackage, str]] = {}
    local: dict[Path, LocalRequirement] = {}
    for lock, local_file in locks:
        for package in lock.packages:
            _merge_named(packages, package, lock.path)
        if local_file is not None:
            for entry in local_file.entries:
                requirement = _local(entry, local_file.path, service_dir, root.resolve())
                local.setdefault(requirement.path, requirement)
    return LockPlan(tuple(package for package, _ in packages.values()), tuple(local.values()))


def requirements_text(plan: LockPlan) -> str:
    """One requirements file with every locked package (hashed) and local path (absolute)."""
    lines = [f"{p.requirement} " + " ".join(f"--hash={h}" for h in p.hashes) for p in plan.packages]
    lines += [_local_line(r) for r in plan.local]
    return "\n".join(lines) + "\n"


def pin_hashes(plan: LockPlan) -> tuple[tuple[str, str], ...]:
    """(name, sha256 over the sorted ``--hash`` values) of every locked package (pure)."""
    return tuple(
        sorted(
            (p.name, hashlib.sha256(" ".join(sorted(p.hashes)).encode()).hexdigest()) for p in plan.packages
        )
    )


def changed_pins(before: tuple[tuple[str, str], ...], after: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Packages locked before and after whose hashes changed: they must be installed again (pure)."""
    old = dict(before)
    return tuple(name for name, digest in after if name in old and old[name] != digest)


def expected_packages(plan: LockPlan, python_version: str) -> dict[str, str]:
    """Canonical name -> version of the locked packages whose markers apply to *python_version*."""
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    environment["python_full_version"] = python_version
    environment["python_version"] = ".".join(python_version.split(".")[:2])
    expected: dict[str, str] = {}
    for package in plan.packages:
        if package.marker is None or Marker(package.marker).evaluate(environment):
            expected[package.name] = package.version
    return expected


def compare_installed(
    expected: Mapping[str, str], local: tuple[LocalRequirement, ...], installed: tuple[InstalledDist, ...]
) -> tuple[tuple[str, ...], tuple[InstalledDist, ...], tuple[InstalledDist, ...]]:
    """Diff the venv against the plan.

    Returns ``(problems, extras, local_dists)``: human-readable problems
    (missing or wrong versions, missing local packages), installed
    distributions that nothing in the locks asks for, and the installed
    distributions that come from the locks' local paths.
    """
    problems: list[str] = []
    by_name: dict[str, list[InstalledDist]] = {}
    for dist in installed:
        by_name.setdefault(dist.name, []).append(dist)
    matched: set[str] = set()
    local_dists: list[InstalledDist] = []
    wanted_urls = {r.path.as_uri(): r for r in local}
    for dist in installed:
        if dist.direct_url is not None and dist.direct_url in wanted_urls:
            matched.add(dist.dist_info)
            local_dists.append(dist)
    found_urls = {d.direct_url for d in local_dists}
    for url, requirement in wanted_urls.items():
        if url not in found_urls:
            problems.append(
                f"local package {requirement.path} ({requirement.lock}:{requirement.line}) is not installed"
            )
    for name, version in sorted(expected.items()):
        candidates = [d for d in by_name.get(name, []) if d.dist_info not in matched]
        if not candidates:
            problems.append(f"{name}=={version} is not installed")
            continue
        if len(candidates) > 1:
            problems.append(f"{name} is installed {len(candidates)} times")
        dist = candidates[0]
        matched.add(dist.dist_info)
        if not same_version(dist.version, version):
            problems.append(f"{name} is {dist.version}, the lock pins {version}")
    extras = tuple(d for d in installed if d.dist_info not in matched)
    return tuple(problems), extras, tuple(local_dists)


def rebuild_reason(
    stamp: Stamp | None,
    *,
    stamp_present: bool,
    contents: tuple[str, ...],
    interpreter: str,
    broken: str | None,
) -> str | None:
    """Why the venv must be recreated from scratch, or ``None`` (pure).

    Decided from nox-support's stamp alone: a venv without a stamp that holds
    anything but what a new venv is seeded with (*contents*: its
    ``*.dist-info`` names) was being synced when a run stopped, so its files
    cannot be trusted; a venv holding only its seed is new and is synced in place.
    """
    if broken is not None:
        return f"broken venv ({broken})"
    if stamp is None:
        if stamp_present:
            return "unreadable stamp"
        names = (parse_dist_info_name(entry) for entry in contents)
        if any(parsed is None or parsed[0] not in _SEED_DISTRIBUTIONS for parsed in names):
            return "no stamp (an earlier creation or sync was interrupted)"
        return None
    if stamp.interpreter != interpreter:
        return f"interpreter changed ({_short_interp(stamp.interpreter)} -> {_short_interp(interpreter)})"
    return None


def resync_reason(stamp: Stamp, wanted: Stamp) -> str | None:
    """Why an intact venv must be re-synced in place, or ``None`` when it is in sync (pure)."""
    if stamp.locks != wanted.locks:
        before, after = dict(stamp.locks), dict(wanted.locks)
        changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        return f"lock changed ({', '.join(changed)})"
    if stamp.local_fingerprint != wanted.local_fingerprint:
        return "a local path package changed"
    if stamp.contents != wanted.contents:
        return "packages were installed or removed outside nox-support"
    return None


def _merge_named(packages: dict[str, tuple[LockedPackage, str]], package: LockedPackage, lock: str) -> None:
    found = packages.get(package.name)
    if found is None:
        packages[package.name] = (package, lock)
        return
    previous, previous_lock = found
    if not same_version(previous.version, package.version):
        msg = (
            f"{lock}:{package.line}: {package.name}=={package.version} conflicts with "
            f"{package.name}=={previous.version} in {previous_lock}:{previous.line}"
        )
        raise VenvError(msg, hint="lock the layers again so they agree: nox -s lock")
    hashes = previous.hashes + tuple(h for h in package.hashes if h not in previous.hashes)
    packages[package.name] = (replace(previous, hashes=hashes), previous_lock)


def _local(entry: LocalEntry, display: str, service_dir: Path, root: Path) -> LocalRequirement:
    where = f"{display}:{entry.line}"
    path = (service_dir / entry.path).resolve()
    if not path.is_relative_to(root):
        msg = f"{where}: the local package {entry.path} is outside the repository"
        raise VenvError(msg, hint="local packages are installed only from inside the repository")
    return LocalRequirement(
        path=path,
        extras=f"[{','.join(entry.extras)}]" if entry.extras else "",
        editable=entry.editable,
        lock=display,
        line=entry.line,
    )


def _local_line(requirement: LocalRequirement) -> str:
    target = f"{requirement.path}{requirement.extras}"
    return f"-e {target}" if requirement.editable else target


def _short_interp(interpreter: str) -> str:
    parts = interpreter.split()
    return " ".join(parts[:2]) if parts else "unknown"
