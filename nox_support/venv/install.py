"""Installing a venv's packages from a plan: ``uv pip sync``, or pip where no uv binary is found."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support import _compat, cmd
from nox_support.venv import record
from nox_support.venv.inspect import contents, installed
from nox_support.venv.plan import compare_installed, expected_packages, pin_hashes, requirements_text
from nox_support.venv.values import (
    InstalledDist,
    LocalInstall,
    LocalRequirement,
    LockPlan,
    Stamp,
    VenvError,
    VenvMismatchError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import nox

    from nox_support.discovery import Service
    from nox_support.venv.inspect import VenvInfo

_MERGED_NAME = "nox-support-requirements.txt"


def install(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: VenvInfo,
    plan: LockPlan,
    *,
    lock_digests: tuple[tuple[str, str], ...],
    fingerprint: str,
    reinstall: tuple[str, ...] = (),
) -> Stamp:
    """Install *plan* into *venv*, check the result, and return the stamp describing it.

    *reinstall* names installed packages to install again (their locked hashes changed).
    """
    merged = venv.location / _MERGED_NAME
    merged.write_text(requirements_text(plan), encoding="utf-8")
    expected = expected_packages(plan, venv.python_version)
    try:
        if venv.installer == "uv":
            _uv_sync(session, service, venv, merged, plan, reinstall)
        else:
            _pip_sync(session, service, venv, plan, expected, reinstall)
    finally:
        merged.unlink(missing_ok=True)
    found = installed(venv.site_packages)
    problems, extras, local_dists = compare_installed(expected, plan.local, found)
    problems += tuple(f"{d.name}=={d.version} is installed but not locked" for d in extras)
    if problems:
        msg = f"the venv of {service.name} does not match its lock after syncing:\n  " + "\n  ".join(problems)
        raise VenvMismatchError(msg, problems=problems, hint=f"delete {venv.location} and run again")
    files = record.fingerprint(venv.site_packages)
    return Stamp(
        locks=lock_digests,
        interpreter=venv.interpreter,
        python_version=venv.python_version,
        local_fingerprint=fingerprint,
        contents=contents(venv.site_packages),
        packages=tuple(sorted((d.name, d.version) for d in found if d not in local_dists)),
        local_packages=_local_installs(plan.local, local_dists, service),
        installer=venv.installer,
        records=files.records,
        unlisted=files.unlisted,
        pin_hashes=pin_hashes(plan),
    )


def _uv_sync(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: VenvInfo,
    merged: Path,
    plan: LockPlan,
    again: tuple[str, ...],
) -> None:
    uv = _compat.uv_binary()
    if uv is None:  # pragma: no cover - _inspect only picks uv when it is found
        msg = "uv disappeared while syncing"
        raise VenvError(msg)
    local_urls = {r.path.as_uri() for r in plan.local}
    names = [d.name for d in installed(venv.site_packages) if d.direct_url in local_urls]
    reinstall = [arg for name in [*names, *again] for arg in ("--reinstall-package", name)]
    command = (uv, "pip", "sync", "--python", str(venv.python), "--quiet", *reinstall, str(merged))
    _run(session, command, service)
    # uv pip sync keeps the seed packages (pip, setuptools, wheel) of a venv that virtualenv created.
    expected = expected_packages(plan, venv.python_version)
    _, extras, _ = compare_installed(expected, plan.local, installed(venv.site_packages))
    if extras:
        names = sorted({d.name for d in extras})
        _run(session, (uv, "pip", "uninstall", "--python", str(venv.python), "--quiet", *names), service)


def _pip_sync(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: VenvInfo,
    plan: LockPlan,
    expected: Mapping[str, str],
    again: tuple[str, ...],
) -> None:
    pip = (sys.executable, "-m", "pip", "--python", str(venv.python))
    found = installed(venv.site_packages)
    _, extras, _ = compare_installed(expected, plan.local, found)
    # pip skips a requirement that is already satisfied: uninstall what must be installed again.
    removed = {d.name for d in extras} | {d.name for d in found if d.name in again}
    if removed:
        _run(session, (*pip, "uninstall", "--yes", *sorted(removed)), service)
    named = venv.location / "nox-support-hashed.txt"
    named.write_text(requirements_text(LockPlan(plan.packages, ())), encoding="utf-8")
    try:
        if plan.packages:
            _run(
                session,
                (*pip, "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(named)),
                service,
            )
    finally:
        named.unlink(missing_ok=True)
    for requirement in plan.local:
        target = (("-e",) if requirement.editable else ()) + (str(requirement.path) + requirement.extras,)
        _run(session, (*pip, "install", "--quiet", "--no-deps", "--force-reinstall", *target), service)


def _run(session: nox.Session, command: tuple[str, ...], service: Service) -> None:
    session.log(f"{service.name}: {cmd.display(command)}")
    cmd.run(command, cwd=service.directory, env=cmd.clean_env(drop_prefixes=("VIRTUAL_ENV", "PYTHONHOME")))


def _local_installs(
    local: tuple[LocalRequirement, ...], dists: tuple[InstalledDist, ...], service: Service
) -> tuple[LocalInstall, ...]:
    by_url = {d.direct_url: d for d in dists}
    out = []
    for requirement in local:
        dist = by_url.get(requirement.path.as_uri())
        if dist is not None:
            shown = os.path.relpath(requirement.path, service.directory.resolve())
            out.append(
                LocalInstall(
                    dist.name, dist.version, Path(shown).as_posix(), requirement.lock, requirement.line
                )
            )
    return tuple(out)
