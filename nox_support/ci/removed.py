"""Empty code scanning analyses for removed services, so that their alerts close (pure).

Code scanning keeps a category's alerts open until an analysis of that
category reports nothing.  A removed service is never audited again, so on
the default branch the workflow uploads one empty run per removed service,
with the category its audit used (``nox-support-audit/<service>/``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from nox_support.audit.reports.sarif import SCHEMA, TOOL_NAME, VERSION
from nox_support.ci.matrix import SARIF_RUN_LIMIT
from nox_support.discovery import SERVICE_NAME
from nox_support.errors import ConfigError


def empty_analyses(services: Sequence[str]) -> str:
    """A SARIF log with one empty, successful run per service in *services*."""
    bad = [name for name in services if not SERVICE_NAME.match(name)]
    if bad:
        msg = f"not service names: {', '.join(map(repr, bad))}"
        raise ConfigError(msg, hint="pass the names from the discover job's `removed` output")
    if len(services) > SARIF_RUN_LIMIT:
        msg = (
            f"{len(services)} removed services, but one code scanning upload accepts at most "
            f"{SARIF_RUN_LIMIT} runs"
        )
        hint = f"remove at most {SARIF_RUN_LIMIT} services per push, or close the others' alerts by hand"
        raise ConfigError(msg, hint=hint)
    runs = [
        {
            "tool": {"driver": {"name": TOOL_NAME, "rules": []}},
            "automationDetails": {"id": f"nox-support-audit/{name}/"},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}],
            "results": [],
            "properties": {"service": name, "status": "removed"},
        }
        for name in sorted(set(services))
    ]
    return json.dumps({"$schema": SCHEMA, "version": VERSION, "runs": runs}, indent=2) + "\n"
