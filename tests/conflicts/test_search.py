"""The conflict search against a fake resolver: minimal conflicts, proven groups, resolves counted."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from nox_support.conflicts.interface import Outcome, Resolved, Unsatisfiable
from nox_support.conflicts.search import MinimalConflict, search
from nox_support.core.errors import NoxSupportError


@dataclass
class PairResolver:
    """Fails a set when it holds a conflicting pair or a broken service; records every call."""

    pairs: frozenset[frozenset[str]]
    broken: frozenset[str] = frozenset()
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def resolve(self, services: tuple[str, ...]) -> Outcome:
        self.calls.append(services)
        chosen = set(services)
        bad = [sorted(p) for p in self.pairs if p <= chosen] + [[b] for b in self.broken if b in chosen]
        if bad:
            return Unsatisfiable(f"conflict: {bad}", "3.11")
        return Resolved({"alpha": "1.0"}, "3.11")


def test_compatible_union_takes_one_resolve() -> None:
    resolver = PairResolver(frozenset())
    result = search(("a", "b", "c"), resolver)
    assert result.compatible
    assert result.resolves == 1
    assert [g.services for g in result.groups] == [("a", "b", "c")]


def test_one_pair_is_found_and_the_rest_grouped() -> None:
    resolver = PairResolver(frozenset({frozenset({"orders", "payments"})}))
    result = search(("notifications", "orders", "payments"), resolver)

    assert result.conflicts == (
        MinimalConflict(("payments", "orders"), "conflict: [['orders', 'payments']]", "3.11"),
    )
    assert [g.services for g in result.groups] == [("notifications", "orders"), ("payments",)]
    assert result.resolves == len(resolver.calls) == 5  # no set is resolved twice


def test_every_reported_group_and_conflict_is_proven() -> None:
    names = tuple(f"s{i:02}" for i in range(20))
    pairs = frozenset({frozenset({"s03", "s11"}), frozenset({"s05", "s17"}), frozenset({"s03", "s17"})})
    resolver = PairResolver(pairs, broken=frozenset({"s09"}))

    result = search(names, resolver)

    found = {frozenset(c.services) for c in result.conflicts}
    assert frozenset({"s09"}) in found
    assert found - {frozenset({"s09"})} <= pairs
    for group in result.groups:
        assert group.services in resolver.calls
        assert not any(p <= set(group.services) for p in pairs)
    grouped = [s for g in result.groups for s in g.services]
    assert sorted(grouped) == sorted(set(names) - {"s09"})
    assert result.resolves < 60  # far fewer than the 190 pairs


def test_alike_sets_aside_a_whole_side_at_once() -> None:
    # 50 services: even ones need pydantic 1, odd ones pydantic 2; every even/odd pair conflicts.
    names = tuple(f"s{i:02}" for i in range(50))
    side = {n: int(n[1:]) % 2 for n in names}
    pairs = frozenset(frozenset({a, b}) for a in names for b in names if side[a] != side[b])
    resolver = PairResolver(pairs)

    def alike(conflict: MinimalConflict, service: str) -> bool:
        return side[service] == side[conflict.services[0]]

    with_guess = search(names, resolver, alike, same_reason=alike)
    without = search(names, PairResolver(pairs))

    assert [sorted(g.services) for g in with_guess.groups] == [
        sorted(n for n in names if side[n] == side[with_guess.groups[0].services[0]]),
        sorted(n for n in names if side[n] != side[with_guess.groups[0].services[0]]),
    ]
    assert len(with_guess.conflicts) == 1
    assert with_guess.resolves <= 16
    assert without.resolves > 3 * with_guess.resolves


def test_a_resolver_that_cannot_tell_stops_the_search() -> None:
    class Broken:
        def resolve(self, services: tuple[str, ...]) -> Outcome:
            msg = f"network down while resolving {services}"
            raise NoxSupportError(msg)

    with pytest.raises(NoxSupportError, match="network down"):
        search(("a", "b"), Broken())
