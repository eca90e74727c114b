"""Wall time of the CI helpers at scale, moved here from the tests (which assert behaviour only).

``.venv/bin/python -m benchmarks.ci_scale`` prints the median of five runs of
``affected_services`` for 5000 changed files against 500 services (goal: well under 1 s).
The warm no-op ``nox -s audit`` and the matrix of a large monorepo are measured by
``python -m benchmarks`` (``WARM_AUDIT``, ``matrix_scenarios``).
"""

from __future__ import annotations

import time

from benchmarks.measure import Timing, repeat
from nox_support.ci.affected import ServiceInputs, affected_services
from nox_support.ci.git import PathChange
from nox_support.ci.settings import ALWAYS_AFFECTS_ALL

GOAL_SECONDS = 1.0


def affected_at_scale(services: int = 500, changes: int = 5000) -> float:
    """Seconds ``affected_services`` takes for *changes* changed files against *services* services."""
    inputs = tuple(
        ServiceInputs(f"s{i}", f"services/s{i}", frozenset({f"libs/l{i % 20}/x.in"}), (f"libs/p{i % 7}",))
        for i in range(services)
    )
    changed = tuple(PathChange("M", f"services/s{i % services}/deep/er/f{i}.py") for i in range(changes))
    start = time.perf_counter()
    result = affected_services(
        changed, inputs, global_paths=ALWAYS_AFFECTS_ALL, service_globs=("services/*",)
    )
    elapsed = time.perf_counter() - start
    if len(result.services) != services:
        msg = f"expected every one of {services} services to be affected, got {len(result.services)}"
        raise AssertionError(msg)
    return elapsed


def main() -> None:
    """Print the timing beside its goal."""
    timing: Timing = repeat(affected_at_scale, 5)
    verdict = "ok" if timing.median < GOAL_SECONDS else "SLOWER THAN THE GOAL"
    print(f"affected_services, 5000 changes x 500 services: {timing.median:.3f} s median ({verdict})")


if __name__ == "__main__":
    main()
