"""The scanners nox-support can run, by the name used in ``[tool.nox_support.audit] scanners``.

Adding a scanner: one module under ``nox_support/audit/scanners/`` with a ``build(inputs)``
function, and one line in :data:`SCANNERS`.  The order here is the order the scanners run in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nox_support.audit.scanners import pip_audit, safety

if TYPE_CHECKING:
    from collections.abc import Callable

    from nox_support.audit.scanners.interface import Scanner, ScannerInputs

SCANNERS: dict[str, Callable[[ScannerInputs], Scanner]] = {
    "pip-audit": pip_audit.build,
    "safety": safety.build,
}
