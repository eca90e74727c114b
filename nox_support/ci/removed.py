"""Empty code scanning analyses for removed services, so that their alerts close (pure).

Code scanning keeps a category's alerts open until an analysis of that
category reports nothing.  A removed service is never audited again, so on
the default branch the workflow uploads one empty run per removed service,
with the category its audit used (``nox-support-audit/<service>/``).  Any
number of removed services is packed into uploads of at most 20 runs by
:mod:`nox_support.ci.sarifpack`; this module writes one such file.
"""

from __future__ import annotations

from collections.abc import Sequence

from nox_support.ci.matrix import SARIF_RUN_LIMIT
from nox_support.ci.sarifpack import empty_runs, sarif_log
from nox_support.core.errors import ConfigError


def empty_analyses(services: Sequence[str]) -> str:
    """A SARIF log with one empty run per service, for at most one upload's worth of services."""
    if len(services) > SARIF_RUN_LIMIT:
        msg = (
            f"{len(services)} removed services, but one code scanning upload accepts at most "
            f"{SARIF_RUN_LIMIT} runs"
        )
        hint = "use `nox-support code-scanning-files`: it writes as many files as uploads need"
        raise ConfigError(msg, hint=hint)
    return sarif_log(empty_runs(services))
