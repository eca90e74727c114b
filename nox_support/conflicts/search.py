"""Finding which services cannot share an environment with few resolves (pure given a resolver).

1. Resolve every service together: when that works, they can share one environment.
2. Otherwise bisect for a *minimal* conflicting set (usually a pair): the shortest prefix of the
   services that fails names one member; the shortest prefix that fails together with the members
   found so far names the next one, until the members fail on their own (about ``2 log2 n``
   resolves for a pair).
3. Set one member aside, with the services that look like it (``alike``: the same side of the
   package the conflict is about), and go back to 1 with the rest; the set-aside services are
   searched the same way afterwards. A wrong guess costs resolves, never a wrong answer: every
   group reported was resolved as a whole and every conflict reported failed as a whole while
   each of its proper subsets resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nox_support.conflicts.interface import Outcome, Resolved, Resolver, Unsatisfiable


@dataclass(frozen=True)
class MinimalConflict:
    """Services that cannot be resolved together, while each smaller subset of them can."""

    services: tuple[str, ...]
    explanation: str
    python: str


@dataclass(frozen=True)
class Group:
    """Services proven to resolve together, with their shared pins."""

    services: tuple[str, ...]
    shared: Resolved


@dataclass(frozen=True)
class SearchResult:
    """Compatible groups (one group: everything fits), the conflicts found and the resolves run."""

    groups: tuple[Group, ...]
    conflicts: tuple[MinimalConflict, ...]
    resolves: int

    @property
    def compatible(self) -> bool:
        """Every service fits into one environment."""
        return not self.conflicts


Alike = Callable[[MinimalConflict, str], bool]
"""``alike(conflict, service)``: guess whether *service* sides with the conflict's first member."""


class _Counting:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.count = 0

    def __call__(self, services: list[str]) -> Outcome:
        self.count += 1
        return self.resolver.resolve(tuple(services))


def search(services: tuple[str, ...], resolver: Resolver, alike: Alike | None = None) -> SearchResult:
    """Split *services* into groups that resolve and name the minimal conflicts between them."""
    run = _Counting(resolver)
    groups: list[Group] = []
    conflicts: list[MinimalConflict] = []
    queue = [list(services)] if services else []
    while queue:
        pool = queue.pop(0)
        aside: list[str] = []
        while pool:
            outcome = run(pool)
            if isinstance(outcome, Resolved):
                groups.append(Group(tuple(pool), outcome))
                break
            conflict = _minimal_conflict(pool, outcome, run)
            conflicts.append(conflict)
            moved = [conflict.services[0]]
            if len(conflict.services) > 1 and alike is not None:
                moved += [s for s in pool if s not in conflict.services and alike(conflict, s)]
            pool = [s for s in pool if s not in moved]
            if len(conflict.services) > 1:
                aside += moved
        if aside:
            queue.append(aside)
    return SearchResult(tuple(groups), tuple(conflicts), run.count)


def _minimal_conflict(
    pool: list[str], failure: Unsatisfiable, run: Callable[[list[str]], Outcome]
) -> MinimalConflict:
    found: list[str] = []
    candidates = list(pool)
    while True:
        if found:
            alone = run(found)
            if isinstance(alone, Unsatisfiable):
                return MinimalConflict(tuple(found), alone.explanation, alone.python)
        # found + candidates fails; find the shortest failing prefix of candidates.
        low, high = 1, len(candidates)
        while low < high:
            middle = (low + high) // 2
            outcome = run(found + candidates[:middle])
            if isinstance(outcome, Unsatisfiable):
                high, failure = middle, outcome
            else:
                low = middle + 1
        found.append(candidates[low - 1])
        candidates = candidates[: low - 1]
        if not candidates:
            return MinimalConflict(tuple(found), failure.explanation, failure.python)
