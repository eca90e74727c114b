"""The lock refresh matrix: 300 services' lock sessions over at most N even jobs."""

from __future__ import annotations

import json

import pytest

from nox_support.ci.lockmatrix import github_output, lock_jobs
from nox_support.ci.noxlist import NoxSession
from nox_support.core.errors import ConfigError

SERVICES = tuple(f"svc{i:03}" for i in range(300))


def listed(*services: str) -> tuple[NoxSession, ...]:
    return (
        *(NoxSession(f"lock({s})", "lock", None, s) for s in services),
        NoxSession("lock", "lock", None, None),  # the unparametrized form never becomes a job
        NoxSession("audit(svc000)", "audit", "3.11", "svc000"),
    )


def test_300_services_become_20_jobs_of_15_in_sorted_order() -> None:
    jobs = lock_jobs(reversed(listed(*SERVICES)), None, 20)
    assert [len(job.sessions) for job in jobs] == [15] * 20
    assert jobs[0].id == "lock-1-of-20"
    assert jobs[0].sessions[:2] == ("lock(svc000)", "lock(svc001)")
    assert [s for job in jobs for s in job.services] == list(SERVICES)


def test_uneven_counts_differ_by_at_most_one_and_never_make_empty_jobs() -> None:
    assert [len(job.services) for job in lock_jobs(listed(*SERVICES[:23]), None, 5)] == [5, 5, 5, 4, 4]
    # A few services are not worth a job each: one job locks them all.
    assert [job.id for job in lock_jobs(listed("a", "b"), None, 20)] == ["lock-1-of-1"]


def test_only_the_selected_services_and_nothing_when_none_is() -> None:
    (job,) = lock_jobs(listed(*SERVICES), frozenset({"svc007", "svc100"}), 20)
    assert job.sessions == ("lock(svc007)", "lock(svc100)")
    assert lock_jobs(listed(*SERVICES), frozenset(), 20) == ()


def test_github_output() -> None:
    text = github_output(lock_jobs(listed("a"), None, 3))
    name, _, value = text.splitlines()[0].partition("=")
    assert name == "lock_matrix"
    assert json.loads(value) == {
        "include": [{"id": "lock-1-of-1", "services": ["a"], "sessions": ["lock(a)"]}]
    }
    assert text.splitlines()[1] == "lock_count=1"


def test_zero_jobs_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--jobs 0 is not a whole number of at least 1"):
        lock_jobs(listed("a"), None, 0)
