"""Code scanning uploads packed to its limits: at most 20 runs per file, unique categories (pure).

The audit jobs hold a read-only token and keep ``reports/audit.sarif`` in an
artifact; one preparing job reads those files (data, never code), adds an
empty run per removed service (so its alerts close) and packs every run into
files of at most :data:`SARIF_RUN_LIMIT` runs.  The upload job, the only one
holding ``security-events: write``, uploads one file per matrix entry and runs
nothing from the repository or its dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nox_support.audit.reports.sarif import SCHEMA, TOOL_NAME, VERSION
from nox_support.ci.matrix import SARIF_RUN_LIMIT
from nox_support.core.errors import ConfigError, NoxSupportError
from nox_support.discovery import SERVICE_NAME

FILE_PREFIX = "code-scanning-"


class SarifPackError(NoxSupportError):
    """An audit SARIF file cannot be uploaded as it is."""


@dataclass(frozen=True)
class SarifSource:
    """One SARIF log as read from an audit job's artifact."""

    where: str
    """Its path, for messages."""
    log: object


@dataclass(frozen=True)
class SarifFile:
    """One upload: a file name and its text."""

    name: str
    text: str
    categories: tuple[str, ...]


def empty_runs(services: Sequence[str]) -> list[dict[str, Any]]:
    """One empty, successful run per service in *services*, in its audit category (sorted)."""
    bad = [name for name in services if not SERVICE_NAME.match(name)]
    if bad:
        msg = f"not service names: {', '.join(map(repr, bad))}"
        raise ConfigError(msg, hint="pass the names from the discover job's `removed` output")
    return [
        {
            "tool": {"driver": {"name": TOOL_NAME, "rules": []}},
            "automationDetails": {"id": f"nox-support-audit/{name}/"},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}],
            "results": [],
            "properties": {"service": name, "status": "removed"},
        }
        for name in sorted(set(services))
    ]


def sarif_log(runs: Sequence[dict[str, Any]]) -> str:
    """A SARIF 2.1.0 log holding *runs*."""
    return json.dumps({"$schema": SCHEMA, "version": VERSION, "runs": list(runs)}, indent=2) + "\n"


def pack(
    sources: Sequence[SarifSource], removed: Sequence[str], *, limit: int = SARIF_RUN_LIMIT
) -> tuple[SarifFile, ...]:
    """Every run of *sources* and an empty run per *removed* service, in files of at most *limit* runs.

    Code scanning rejects an upload with more than 20 runs, and one whose runs
    share a category: two audits of one service are an error, never a silent pick.
    """
    runs: dict[str, tuple[str, dict[str, Any]]] = {}
    for source in sources:
        for run in _runs(source):
            category = _category(run, source.where)
            if category in runs:
                msg = f"code scanning category {category} is in both {runs[category][0]} and {source.where}"
                raise SarifPackError(msg, hint="audit each service in one job of the run only")
            runs[category] = (source.where, run)
    for run in empty_runs(removed):
        runs.setdefault(run["automationDetails"]["id"], ("removed", run))
    ordered = [runs[category][1] for category in sorted(runs)]
    chunks = [ordered[start : start + limit] for start in range(0, len(ordered), limit)]
    return tuple(
        SarifFile(
            f"{FILE_PREFIX}{number}.sarif",
            sarif_log(chunk),
            tuple(run["automationDetails"]["id"] for run in chunk),
        )
        for number, chunk in enumerate(chunks, start=1)
    )


def _runs(source: SarifSource) -> list[dict[str, Any]]:
    log = source.log
    runs = log.get("runs") if isinstance(log, dict) else None
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        msg = f"{source.where} is not a SARIF log (no list of runs)"
        raise SarifPackError(msg, hint="it must be the reports/audit.sarif that nox -s audit_summary wrote")
    return runs


def _category(run: dict[str, Any], where: str) -> str:
    details = run.get("automationDetails")
    category = details.get("id") if isinstance(details, dict) else None
    if not isinstance(category, str) or not category:
        msg = f"{where}: a run has no category (automationDetails.id)"
        raise SarifPackError(msg, hint="it must be the reports/audit.sarif that nox -s audit_summary wrote")
    return category
