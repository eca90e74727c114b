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
4. Once the rest resolves as a group, each member set aside in 3 is resolved once more with that
   group, less its known partners and the services that stand where a partner stands for the
   same reason (``same_reason``: the same requirement on the package, or pulled in through the
   same packages): when that fails, it conflicts with the group for another
   reason too, and the bisection, started from that member, names that conflict as well (one
   resolve, plus about ``log2 n`` per further conflict).  So a service kept apart for two
   reasons (a direct conflict with one service, a transitive one with another) shows both,
   instead of the second being hidden behind the first.  Services set aside only because they
   look alike are not checked one by one: that would cost a resolve each.
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
    """Counts the resolves, and never resolves the same set of services twice."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.count = 0
        self.known: dict[frozenset[str], Outcome] = {}

    def __call__(self, services: list[str]) -> Outcome:
        key = frozenset(services)
        if key not in self.known:
            self.count += 1
            self.known[key] = self.resolver.resolve(tuple(services))
        return self.known[key]


def search(
    services: tuple[str, ...],
    resolver: Resolver,
    alike: Alike | None = None,
    same_reason: Alike | None = None,
) -> SearchResult:
    """Split *services* into groups that resolve and name the minimal conflicts between them.

    *alike* guesses which services to set aside with a conflict's member (step 3);
    *same_reason* which services conflict with it for the reason already named (step 4).
    """
    run = _Counting(resolver)
    groups: list[Group] = []
    conflicts: list[MinimalConflict] = []
    queue = [list(services)] if services else []
    while queue:
        pool = queue.pop(0)
        aside: list[str] = []
        left: list[MinimalConflict] = []  # conflicts whose first member left the pool
        while pool:
            outcome = run(pool)
            if isinstance(outcome, Resolved):
                groups.append(Group(tuple(pool), outcome))
                for conflict in left:
                    conflicts += _further_conflicts(conflict, pool, conflicts, run, same_reason)
                break
            conflict = _minimal_conflict(pool, outcome, run)
            conflicts.append(conflict)
            moved = [conflict.services[0]]
            if len(conflict.services) > 1 and alike is not None:
                moved += [s for s in pool if s not in conflict.services and alike(conflict, s)]
            pool = [s for s in pool if s not in moved]
            if len(conflict.services) > 1:
                aside += moved
                left.append(conflict)
        if aside:
            queue.append(aside)
    return SearchResult(tuple(groups), tuple(conflicts), run.count)


def _further_conflicts(
    conflict: MinimalConflict,
    group: list[str],
    known: list[MinimalConflict],
    run: _Counting,
    same_reason: Alike | None,
) -> list[MinimalConflict]:
    """The other minimal conflicts between *conflict*'s first member and *group* (step 4)."""
    member = conflict.services[0]
    found: list[MinimalConflict] = []
    excluded = {s for c in known if member in c.services for s in c.services}
    for partner in known:
        excluded.update(_same_reason(partner, member, group, same_reason))
    while rest := [s for s in group if s not in excluded]:
        outcome = run([member, *rest])
        if isinstance(outcome, Resolved):
            break
        # The group resolves and so does the member (a proper subset of a minimal conflict):
        # every minimal conflict in member + rest holds the member.
        further = _minimal_conflict(rest, outcome, run, found=[member])
        found.append(further)
        excluded.update(further.services)
        excluded.update(_same_reason(further, member, group, same_reason))
    return found


def _same_reason(
    conflict: MinimalConflict, member: str, group: list[str], same_reason: Alike | None
) -> set[str]:
    """The services of *group* that stand where *member*'s partner in a pair *conflict* stands."""
    if same_reason is None or len(conflict.services) != 2 or member not in conflict.services:  # noqa: PLR2004
        return set()
    partner = next(s for s in conflict.services if s != member)
    turned = MinimalConflict((partner, member), conflict.explanation, conflict.python)
    return {s for s in group if same_reason(turned, s)}


def _minimal_conflict(
    pool: list[str],
    failure: Unsatisfiable,
    run: Callable[[list[str]], Outcome],
    found: list[str] | None = None,
) -> MinimalConflict:
    """A minimal conflict in *found* + *pool* (which fails); *found* resolves on its own."""
    seeded = bool(found)
    found = list(found or ())
    candidates = list(pool)
    while True:
        if found and not seeded:
            alone = run(found)
            if isinstance(alone, Unsatisfiable):
                return MinimalConflict(tuple(found), alone.explanation, alone.python)
        seeded = False
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
