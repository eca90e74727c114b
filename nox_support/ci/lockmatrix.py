"""The lock refresh matrix: ``lock(<service>)`` sessions spread over at most N jobs (pure).

At 300 services (about 600 locks) one job cannot re-lock everything within
its time limit; the weekly ``--upgrade`` and a change to a shared input fan
out over a matrix instead, and one merge job gathers the changed locks.
The sessions come from Nox's own list (``nox -l --json -s lock``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from nox_support.ci.matrix import format_github_output
from nox_support.ci.noxlist import NoxSession
from nox_support.core.errors import ConfigError

LOCK = "lock"
DEFAULT_LOCK_JOBS = 20
"""Jobs for the weekly upgrade: 300 services become 20 jobs of 15 (GitHub runs 20 at once on a
free plan; more only queue)."""
MIN_PER_JOB = 5
"""Fewer services than this per job are not worth a job's start-up (checkout, tool install)."""


@dataclass(frozen=True)
class LockJob:
    """One lock job: its services and the sessions that lock them."""

    id: str
    services: tuple[str, ...]
    sessions: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """A ``matrix.include`` entry."""
        return {"id": self.id, "services": list(self.services), "sessions": list(self.sessions)}


def lock_jobs(
    sessions: Iterable[NoxSession], selected: frozenset[str] | None, jobs: int
) -> tuple[LockJob, ...]:
    """The ``lock`` sessions of *selected* services (all with ``None``) in at most *jobs* even jobs."""
    if jobs < 1:
        msg = f"--jobs {jobs} is not a whole number of at least 1"
        raise ConfigError(msg, hint="for example --jobs 20")
    units = sorted(
        (s.service, s.session)
        for s in sessions
        if s.name == LOCK and s.service is not None and (selected is None or s.service in selected)
    )
    if not units:
        return ()
    count = min(jobs, math.ceil(len(units) / MIN_PER_JOB))
    size, extra = divmod(len(units), count)
    out: list[LockJob] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        part = units[start:end]
        out.append(
            LockJob(
                id=f"lock-{index + 1}-of-{count}",
                services=tuple(service for service, _ in part),
                sessions=tuple(session for _, session in part),
            )
        )
        start = end
    return tuple(out)


def github_output(jobs: tuple[LockJob, ...]) -> str:
    """``lock_matrix`` and ``lock_count`` for ``$GITHUB_OUTPUT``."""
    matrix = {"include": [job.to_json() for job in jobs]}
    return format_github_output(
        {"lock_matrix": json.dumps(matrix, separators=(",", ":")), "lock_count": str(len(jobs))}
    )
