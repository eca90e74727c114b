from __future__ import annotations

import pytest

from nox_support.ci.shard import Shard, shard
from nox_support.core.errors import ConfigError


def names(count: int, python: str = "3.11") -> list[tuple[str, str]]:
    return [(f"svc{i:03d}", python) for i in range(count)]


def test_one_service_per_job_below_the_limit() -> None:
    shards = shard(names(3), shard_size=1, max_jobs=256)
    assert shards == tuple(Shard("3.11", (f"svc{i:03d}",)) for i in range(3))


def test_300_services_are_packed_under_githubs_limit() -> None:
    shards = shard(names(300), shard_size=1, max_jobs=256)
    assert len(shards) == 150
    assert {len(s.services) for s in shards} == {2}
    flat = [name for s in shards for name in s.services]
    assert flat == sorted(flat) == [n for n, _ in names(300)]


def test_sizes_are_even_and_bounded() -> None:
    shards = shard(names(10), shard_size=4, max_jobs=256)
    assert [len(s.services) for s in shards] == [4, 3, 3]


def test_pythons_never_share_a_job_and_the_limit_still_holds() -> None:
    services = names(255, "3.11") + [(f"old{i}", "3.9") for i in range(3)] + [("new", "3.12")]
    shards = shard(services, shard_size=1, max_jobs=256)
    assert len(shards) <= 256
    for part in shards:
        assert len({python for name, python in services if name in part.services}) == 1
    assert [s.python for s in shards][:2] == ["3.9", "3.9"]
    assert shards[-1] == Shard("3.12", ("new",))
    assert sum(len(s.services) for s in shards) == len(services)


def test_max_jobs_is_respected_exactly() -> None:
    shards = shard(names(7), shard_size=1, max_jobs=3)
    assert [len(s.services) for s in shards] == [3, 2, 2]


def test_more_pythons_than_jobs_is_an_error() -> None:
    with pytest.raises(ConfigError, match="3 different target Pythons cannot fit in max_jobs = 2"):
        shard([("a", "3.10"), ("b", "3.11"), ("c", "3.12")], shard_size=1, max_jobs=2)


def test_no_services_no_shards() -> None:
    assert shard([], shard_size=1, max_jobs=256) == ()
