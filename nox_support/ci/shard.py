"""Pack services into matrix jobs so a matrix never exceeds its job limit (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nox_support.core.errors import ConfigError


@dataclass(frozen=True)
class Shard:
    """The services one matrix job runs; all share one target Python."""

    python: str
    services: tuple[str, ...]


def shard(
    services: Sequence[tuple[str, str]], *, shard_size: int, max_jobs: int, largest: int | None = None
) -> tuple[Shard, ...]:
    """Split ``(name, python)`` pairs into shards of at most a common size.

    Services with different target Pythons never share a job.  The size
    starts at *shard_size* (at most *largest*) and grows until the shards fit
    in *max_jobs*, but never beyond *largest*; within a Python the services
    are spread evenly (sizes differ by at most one) and keep their sorted order.
    """
    groups: dict[str, list[str]] = {}
    for name, python in sorted(services):
        groups.setdefault(python, []).append(name)
    if len(groups) > max_jobs:
        msg = f"{len(groups)} different target Pythons cannot fit in max_jobs = {max_jobs}"
        raise ConfigError(msg, hint="raise [tool.nox_support.ci] max_jobs")
    start = shard_size if largest is None else min(shard_size, largest)
    size = max(start, math.ceil(len(services) / max_jobs)) if services else start
    while sum(math.ceil(len(g) / size) for g in groups.values()) > max_jobs:
        size += 1
    if largest is not None and size > largest:
        msg = f"{len(services)} services need more than {max_jobs} jobs of at most {largest} services"
        raise ConfigError(
            msg,
            hint=f"raise [tool.nox_support.ci] max_jobs (at most 256), or split the audit: {largest} "
            "services per job is code scanning's limit of SARIF runs per upload",
        )
    shards: list[Shard] = []
    for python in sorted(groups, key=version_key):
        names = groups[python]
        count = math.ceil(len(names) / size)
        base, extra = divmod(len(names), count)
        start = 0
        for index in range(count):
            end = start + base + (1 if index < extra else 0)
            shards.append(Shard(python, tuple(names[start:end])))
            start = end
    return tuple(shards)


def version_key(python: str) -> tuple[int, ...]:
    """``"3.10"`` sorts after ``"3.9"``."""
    return tuple(int(p) if p.isdigit() else 0 for p in python.split("."))
