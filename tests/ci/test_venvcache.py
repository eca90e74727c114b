"""Per-service cache entries (pure): keys, fallbacks, the slot bound and what is worth saving."""

from __future__ import annotations

from pathlib import Path

from nox_support.ci.noxlist import NoxSession
from nox_support.ci.venvcache import (
    CACHE_SLOTS,
    entries_from_json,
    job_caches,
    key_safe,
    synced_here,
    worth_saving,
)
from nox_support.venv import record
from nox_support.venv.stamp import STAMP_NAME

DIGESTS = {"orders": "1" * 64, "orders-api": "2" * 64}


def session(name: str, service: str, python: str | None = None) -> NoxSession:
    signature = f"{name}-{python}({service})" if python else f"{name}({service})"
    return NoxSession(signature, name, python, service)


def test_keys_name_the_venv_and_its_own_services_locks_only() -> None:
    caches = job_caches(
        [session("tests", "orders"), session("tests", "orders-api", "3.12")],
        DIGESTS,
        venv_prefix="nox-tests-Linux-X64-img-py3.11.9-",
        nox_root="mono/",
    )
    first, second = caches.venvs
    assert first.key == f"nox-tests-Linux-X64-img-py3.11.9-tests-orders/{'1' * 64}"
    assert first.path == "mono/.nox/tests-orders"
    assert second.key == f"nox-tests-Linux-X64-img-py3.11.9-tests-3-12-orders-api/{'2' * 64}"
    # The fallback is this venv's earlier locks, never another service's venv.
    assert first.restore_keys == ("nox-tests-Linux-X64-img-py3.11.9-tests-orders/",)
    assert not second.key.startswith(first.restore_keys[0])
    assert caches.verdicts == ()
    assert caches.uncached == ()
    alone = job_caches([session("tests", "orders")], DIGESTS, venv_prefix="nox-tests-Linux-X64-img-py3.11.9-")
    assert alone.venvs[0].key == first.key  # the job's other services change nothing
    assert alone.venvs[0].path == ".nox/tests-orders"


def test_audit_verdicts_are_kept_per_service_and_day() -> None:
    caches = job_caches(
        [session("audit", "orders")], DIGESTS, venv_prefix="a-", verdict_prefix="v-", period="20261201"
    )
    (verdicts,) = caches.verdicts
    assert verdicts.key == f"v-audit-orders/{'1' * 64}/20261201"
    assert verdicts.restore_keys == (f"v-audit-orders/{'1' * 64}/", "v-audit-orders/")
    assert verdicts.path == ".nox/nox-support/audit-cache"


def test_a_job_caches_at_most_the_slots_and_names_the_rest() -> None:
    services = [f"s{i:02}" for i in range(CACHE_SLOTS + 3)]
    caches = job_caches(
        [session("tests", s) for s in services], dict.fromkeys(services, "d"), venv_prefix="p-"
    )
    assert len(caches.venvs) == CACHE_SLOTS
    assert caches.uncached == tuple(f"tests({s})" for s in services[CACHE_SLOTS:])


def test_key_safe_names() -> None:
    assert key_safe("tests-orders_v2.1") == "tests-orders_v2.1"
    odd = key_safe("a,b/c")
    assert "," not in odd
    assert "/" not in odd
    assert odd != key_safe("a,b/d")


def test_worth_saving_needs_a_sync_here_the_same_locks_and_no_exact_hit() -> None:
    caches = job_caches(
        [session("tests", "orders"), session("tests", "orders-api")], DIGESTS, venv_prefix="p-"
    )
    restored = {"slot-0": {"outputs": {"cache-hit": "false"}}, "slot-1": {"outputs": {"cache-hit": "false"}}}
    both = frozenset({"tests(orders)", "tests(orders-api)"})
    assert worth_saving(caches.venvs, restored, DIGESTS, both) == (True, True)
    assert worth_saving(caches.venvs, restored, DIGESTS, frozenset({"tests(orders)"})) == (True, False)
    changed = {**DIGESTS, "orders": "3" * 64}
    assert worth_saving(caches.venvs, restored, changed, both) == (False, True)
    hit = {**restored, "slot-1": {"outputs": {"cache-hit": "true"}}}
    assert worth_saving(caches.venvs, hit, DIGESTS, both) == (True, False)
    assert worth_saving(caches.venvs, {}, DIGESTS, both) == (True, True)  # the restore never ran
    assert entries_from_json([e.to_json() for e in caches.venvs]) == caches.venvs


def test_synced_here_is_a_stamp_with_this_machines_marker(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    venv.mkdir()
    assert not synced_here(venv)
    fields = ("contents", "packages", "local_packages", "records", "unlisted", "pin_hashes")
    stamp = (
        '{"format": 2, "locks": [], "interpreter": "p", "python_version": "3", "local_fingerprint": "",'
        ' "installer": "pip", ' + ", ".join(f'"{f}": []' for f in fields) + "}"
    )
    (venv / STAMP_NAME).write_text(stamp)
    assert not synced_here(venv)  # restored from a cache: no marker of this machine
    record.mark_verified(venv, venv / STAMP_NAME)
    assert synced_here(venv)
    # Unpacked again (a new inode and ctime): the marker no longer matches.
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (STAMP_NAME, record.MARKER_NAME):
        (copy / name).write_bytes((venv / name).read_bytes())
    assert not synced_here(copy)
