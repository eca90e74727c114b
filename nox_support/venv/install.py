"""Installing a venv's packages from a plan: ``uv pip sync``, or pip where no uv binary is found."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nox_support import _compat
from nox_support.core import cmd
from nox_support.core.errors import CommandError
from nox_support.core.redact import redact
from nox_support.indexconfig import IndexConfig, describe, read_index_config, uv_arguments, uv_environment
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

_HASHED_NAME = "nox-support-hashed.txt"


def install(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: VenvInfo,
    plan: LockPlan,
    *,
    lock_digests: tuple[tuple[str, str], ...],
    fingerprint: str,
    compiler: str,
    reinstall: tuple[str, ...] = (),
) -> Stamp:
    """Install *plan* into *venv*, check the result, and return the stamp describing it.

    *compiler* (``pip-tools`` or ``uv``) wrote the locks: uv installs from its index configuration
    (:mod:`nox_support.indexconfig`); pip reads pip's own, as pip-compile did.
    *reinstall* names installed packages to install again (their locked hashes changed).
    """
    # Hash-checked pins only: a local path package is a directory, which no installer can hash.
    hashed = venv.location / _HASHED_NAME
    hashed.write_text(requirements_text(LockPlan(plan.packages, ())), encoding="utf-8")
    expected = expected_packages(plan, venv.python_version)
    try:
        if venv.installer == "uv":
            _uv_sync(session, service, venv, hashed, plan, reinstall, read_index_config(compiler))
        else:
            _pip_sync(session, service, venv, hashed, plan, expected, reinstall)
    finally:
        hashed.unlink(missing_ok=True)
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
    hashed: Path,
    plan: LockPlan,
    again: tuple[str, ...],
    index: IndexConfig,
) -> None:
    uv = _compat.uv_binary()
    if uv is None:  # pragma: no cover - _inspect only picks uv when it is found
        msg = "uv disappeared while syncing"
        raise VenvError(msg)
    # --no-config: no uv.toml or [tool.uv] of the repository applies; --require-hashes: no setting
    # (verify-hashes = false, UV_NO_VERIFY_HASHES) turns the hash check off.
    target = ("--python", str(venv.python), "--quiet")
    env = uv_environment(index, _environment())
    # The machine's index settings are used, never shown (they may name private hosts and paths).
    settings, summary = uv_arguments(index), ("--no-config", f"({describe(index)})")

    def uv_pip(subcommand: str, *args: str) -> None:
        head = (uv, "pip", subcommand)
        _run(session, (*head, *settings, *args), service, env, shown=(*head, *summary, *args))

    again_args = (a for name in again for a in ("--reinstall-package", name))
    uv_pip("sync", *target, "--require-hashes", *again_args, str(hashed))
    if plan.local:
        # The sync removed them; --reinstall builds them again instead of reusing a cached build.
        local = (arg for requirement in plan.local for arg in _local_target(requirement))
        uv_pip("install", *target, "--no-deps", "--reinstall", *local)
    # uv pip sync keeps the seed packages (pip, setuptools, wheel) of a venv that virtualenv created.
    expected = expected_packages(plan, venv.python_version)
    _, extras, _ = compare_installed(expected, plan.local, installed(venv.site_packages))
    if extras:
        names = sorted({d.name for d in extras})
        _run(session, (uv, "pip", "uninstall", "--no-config", *target, *names), service, env)


def _pip_sync(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: VenvInfo,
    hashed: Path,
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
    if plan.packages:
        install = (*pip, "install", "--quiet", "--require-hashes", "--no-deps")
        _run(session, (*install, "-r", str(hashed)), service)
    for requirement in plan.local:
        target = _local_target(requirement)
        _run(session, (*pip, "install", "--quiet", "--no-deps", "--force-reinstall", *target), service)


def _local_target(requirement: LocalRequirement) -> tuple[str, ...]:
    return (("-e",) if requirement.editable else ()) + (str(requirement.path) + requirement.extras,)


def _run(
    session: nox.Session,
    command: tuple[str, ...],
    service: Service,
    env: Mapping[str, str] | None = None,
    *,
    shown: tuple[str, ...] | None = None,
) -> None:
    """Run *command*; logs and errors show *shown* (the index settings summarised), redacted."""
    shown = command if shown is None else shown
    session.log(f"{service.name}: {redact(cmd.display(shown))}")
    try:
        cmd.run(command, cwd=service.directory, env=_environment() if env is None else env)
    except CommandError as exc:
        raise CommandError(shown, exc.returncode, exc.stderr, exc.stdout, hint=exc.hint) from None


def _environment() -> dict[str, str]:
    return cmd.clean_env(drop_prefixes=("VIRTUAL_ENV", "PYTHONHOME"))


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
