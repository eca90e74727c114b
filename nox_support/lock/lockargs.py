"""The arguments of ``nox -s lock -- ...``: ``--upgrade``, ``--upgrade-package NAME``, ``--force``."""

from __future__ import annotations

from dataclasses import dataclass

from nox_support.core.posargs import PosargsParser
from nox_support.lock.compile.interface import KeepPins, Upgrade, UpgradeAll, UpgradePackages


@dataclass(frozen=True)
class LockArgs:
    """What ``nox -s lock -- ...`` asked for."""

    upgrade: Upgrade
    force: bool


def parse_lock_args(posargs: list[str] | tuple[str, ...]) -> LockArgs:
    """Parse ``--upgrade``, ``--upgrade-package NAME`` and ``--force`` (pure)."""
    if not posargs:  # the everyday case, once per service: skip building a parser
        return LockArgs(upgrade=KeepPins(), force=False)
    parser = PosargsParser(
        "lock", usage_hint="accepted: --upgrade, --upgrade-package NAME, --force", allow_abbrev=False
    )
    parser.add_argument("--upgrade", "-U", action="store_true")
    parser.add_argument("--upgrade-package", "-P", action="append", default=[], metavar="NAME")
    parser.add_argument("--force", action="store_true")
    ns = parser.parse_args(list(posargs))
    upgrade: Upgrade = KeepPins()
    if ns.upgrade:
        upgrade = UpgradeAll()
    elif ns.upgrade_package:
        upgrade = UpgradePackages(tuple(ns.upgrade_package))
    return LockArgs(upgrade=upgrade, force=bool(ns.force) or not isinstance(upgrade, KeepPins))
