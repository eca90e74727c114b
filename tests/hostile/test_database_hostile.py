"""The offline OSV database is read once per real directory; a cached verdict has no authority.

Two directories linked to each other counted one record 41 times; four such links never
finished.  A FIFO among the records hung the read.  A cached verdict's lifetime is the configured
one, whatever the entry says of itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nox_support.audit import osvdb
from nox_support.audit.cache import ScanCache
from nox_support.audit.scanners.interface import ScanCompleted
from nox_support.audit.sources.interface import SourceInfo
from tests.hostile.test_audit_hostile import database, matching_ids, record_text

ROOT = Path(__file__).resolve().parent.parent.parent


def _identify_in_child(path: Path, cache: Path) -> str:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nox_support.audit import osvdb\n"
        "try:\n"
        "    print(osvdb.identify(Path(sys.argv[1]), Path(sys.argv[2])).records)\n"
        "except osvdb.DatabaseError as exc:\n"
        "    print(exc)\n"
    )
    # In a child with a timeout: before the fix these walks did not end (or waited on a FIFO).
    result = subprocess.run(
        [sys.executable, "-c", code, str(path), str(cache)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_two_directories_linked_to_each_other_count_each_record_once(tmp_path: Path) -> None:
    second = record_text().replace("TEST-1", "TEST-2")
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(), "beta/TEST-2.yaml": second})
    vulns = path / "vulns"
    (vulns / "alpha" / "to-beta").symlink_to(vulns / "beta", target_is_directory=True)
    (vulns / "beta" / "to-alpha").symlink_to(vulns / "alpha", target_is_directory=True)
    assert osvdb.identify(path, tmp_path / "cache").records == 2
    assert sorted(matching_ids(path, tmp_path)) == ["TEST-1", "TEST-2"]


def test_a_directory_reached_by_two_links_is_read_once(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text()})
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "TEST-9.yaml").write_text(record_text().replace("TEST-1", "TEST-9"), encoding="utf-8")
    (path / "vulns" / "one").symlink_to(shared, target_is_directory=True)
    (path / "vulns" / "two").symlink_to(shared, target_is_directory=True)
    assert osvdb.identify(path, tmp_path / "cache").records == 2
    assert sorted(matching_ids(path, tmp_path)) == ["TEST-1", "TEST-9"]


def test_four_mutual_links_finish_and_count_once(tmp_path: Path) -> None:
    names = ("a", "b", "c", "d")
    path = database(
        tmp_path, {f"{n}/TEST-{n}.yaml": record_text().replace("TEST-1", f"TEST-{n}") for n in names}
    )
    vulns = path / "vulns"
    for here in names:
        for there in names:
            if here != there:
                (vulns / here / f"to-{there}").symlink_to(vulns / there, target_is_directory=True)
    assert _identify_in_child(path, tmp_path / "cache") == "4\n"


def test_a_fifo_among_the_records_is_refused_not_waited_on(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text()})
    fifo = path / "vulns" / "alpha" / "TEST-2.json"
    os.mkfifo(fifo)
    assert _identify_in_child(path, tmp_path / "cache") == (
        f"offline OSV database {path}: {fifo} is a FIFO (named pipe)\n"
        "  hint: remove it; a record is a regular file\n"
    )


# ---------------------------------------------------------------------------
# The cache's lifetime is configured, never read from the entry

ONLINE = SourceInfo("osv", "https://api.osv.dev/v1/query", "osv sha256:1", 3600.0)


def _entry_claiming(tmp_path: Path, ttl: float | None, created: float) -> ScanCache:
    cache = ScanCache(tmp_path)
    cache.put("svc", "k", ScanCompleted("pip-audit", "2.10", ONLINE, ()), now=created)
    entry = tmp_path / "svc.pip-audit.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["outcome"]["source"]["ttl_seconds"] = ttl
    entry.write_text(json.dumps(data), encoding="utf-8")
    return cache


def test_an_entry_claiming_a_long_life_still_expires_with_the_configured_ttl(tmp_path: Path) -> None:
    cache = _entry_claiming(tmp_path, 10.0**12, created=1000.0)
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0 + 3599) is not None
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0 + 7200) is None


def test_an_entry_claiming_no_expiry_still_expires_with_the_configured_ttl(tmp_path: Path) -> None:
    cache = _entry_claiming(tmp_path, None, created=1000.0)
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0 + 7200) is None


def test_an_entry_created_in_the_future_is_expired(tmp_path: Path) -> None:
    cache = _entry_claiming(tmp_path, 3600.0, created=10.0**12)
    assert cache.get("svc", "pip-audit", "k", ttl_seconds=3600, now=1000.0) is None
