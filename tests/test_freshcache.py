"""The freshness cache's pure parts: the walk a lookup takes, what may back a proof, the stored grammar."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nox_support.lock import evidence, freshcache
from nox_support.lock.evidence import ABSENT, DIRECTORY, OTHER, SETTLE_NS

NOW = 1_800_000_000 * 10**9
OLD = NOW - 10 * SETTLE_NS
CODE = "c" * 64
ROOT = "/repo"


def _file(ino: int = 1, *, size: int = 10, mtime: int = OLD, ctime: int = OLD) -> evidence.Key:
    return (evidence.FILE, ino, 7, size, mtime, ctime)


# --- the walk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "visits"),
    [
        ("/repo/services/api/requirements.in", ["services", "services/api", "services/api/requirements.in"]),
        # `..` goes back along the walk; the directory before it is visited (it must not be a link).
        ("/repo/services/api/../../libs/common", ["services", "services/api", "libs", "libs/common"]),
        ("/repo/services/./api//x", ["services", "services/api", "services/api/x"]),
        ("/repo", []),
    ],
)
def test_a_walk_visits_every_component_below_the_root(path: str, visits: list[str]) -> None:
    assert evidence.steps(path, ROOT) == tuple(f"{ROOT}/{visit}" for visit in visits)


@pytest.mark.parametrize(
    "path", ["/repo/../elsewhere/x", "/repo/a/../../x", "/repository/x", "relative/x", "/etc/x"]
)
def test_a_walk_that_leaves_the_root_proves_nothing(path: str) -> None:
    assert evidence.steps(path, ROOT) is None


def test_the_filesystem_root_as_repository_root() -> None:
    assert evidence.steps("/a/b", "/") == ("/a", "/a/b")


# --- what may back a proof ----------------------------------------------------------------------


def test_old_files_directories_and_absences_are_settled() -> None:
    assert all(evidence.settled(key, NOW) for key in (_file(), DIRECTORY, ABSENT))


@pytest.mark.parametrize(
    "key",
    [
        _file(mtime=NOW - SETTLE_NS + 1),  # written within the clock's coarsest tick: racily clean
        _file(ctime=NOW - SETTLE_NS + 1),  # chmod, rename or a write that kept the mtime
        _file(mtime=NOW + SETTLE_NS),  # dated in the future
        OTHER,  # a link, FIFO, device or socket
    ],
)
def test_recent_future_and_special_files_are_not(key: evidence.Key) -> None:
    assert not evidence.settled(key, NOW)


def _observer(keys: dict[str, evidence.Key]) -> tuple[list[str], evidence.Observe]:
    asked: list[str] = []

    def observe(path: str) -> evidence.Key:
        asked.append(path)
        return keys.get(path, ABSENT)

    return asked, observe


def test_evidence_keys_every_visit_once() -> None:
    keys = {"/repo/s": DIRECTORY, "/repo/s/a.in": _file(1), "/repo/s/b.in": _file(2)}
    asked, observe = _observer(keys)
    found = evidence.evidence(
        ["/repo/s/a.in", "/repo/s/b.in", "/repo/s/c.in"], ROOT, now_ns=NOW, observe=observe
    )
    assert found == {**keys, "/repo/s/c.in": ABSENT}
    assert sorted(asked) == sorted(set(asked))


def test_a_missing_directory_ends_the_walk() -> None:
    asked, observe = _observer({})
    assert evidence.evidence(["/repo/gone/x/y"], ROOT, now_ns=NOW, observe=observe) == {"/repo/gone": ABSENT}
    assert asked == ["/repo/gone"]


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        ({"/repo/s": OTHER}, "/repo/s/a.in"),  # a directory that is a link
        ({"/repo/s": DIRECTORY, "/repo/s/a.in": OTHER}, "/repo/s/a.in"),  # a file that is a link
        ({"/repo/s": _file()}, "/repo/s/a.in"),  # a file used as a directory
        ({"/repo/s": DIRECTORY, "/repo/s/a.in": _file(ctime=NOW)}, "/repo/s/a.in"),  # just written
        ({}, "/elsewhere/a.in"),
    ],
)
def test_evidence_refuses_what_cannot_prove(keys: dict[str, evidence.Key], path: str) -> None:
    _, observe = _observer(keys)
    assert evidence.evidence([path], ROOT, now_ns=NOW, observe=observe) is None


# --- the stored grammar -------------------------------------------------------------------------


def _document() -> freshcache.Document:
    keys = {"services": DIRECTORY, "services/api/requirements.in": _file(1), "services/api/x.txt": ABSENT}
    entry = freshcache.Entry("a" * 64, frozenset(keys))
    return freshcache.Document(CODE, ROOT, keys, {"services/api/requirements.txt": entry})


def _stored() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(freshcache.dump(_document()))
    return loaded


def test_a_document_reads_back_as_written() -> None:
    assert freshcache.parse(freshcache.dump(_document()), code=CODE, root=ROOT) == _document()


def test_another_program_or_checkout_gets_nothing() -> None:
    data = freshcache.dump(_document())
    assert freshcache.parse(data, code="d" * 64, root=ROOT) is None
    assert freshcache.parse(data, code=CODE, root="/other") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format", "nox-support freshness cache 0"),
        ("paths", ["services", "/etc/passwd", "services/api/x.txt"]),
        ("paths", ["services", "../outside", "services/api/x.txt"]),
        ("paths", ["services", "a/../b", "services/api/x.txt"]),
        ("paths", ["services", "a\nb", "services/api/x.txt"]),
        ("paths", ["services", "services", "services/api/x.txt"]),  # twice
        ("paths", ["services", "services/api/requirements.in"]),  # fewer paths than keys
        ("keys", [[1], [2, 1, 7, 10, -1, 0], [0]]),  # negative
        ("keys", [[1], [2, 1, 7, 10, True, 0], [0]]),  # a bool is not a number here
        ("keys", [[1], [2, 1, 7, 10, 1.5, 0], [0]]),
        ("keys", [[1], [2, 1], [0]]),  # a file key without its times
        ("keys", [[1], [3], [0]]),  # a link never backs a proof
        ("keys", [[1], [], [0]]),
        ("locks", {"services/api/requirements.txt": ["A" * 64, [0, 1]]}),  # not a digest
        ("locks", {"services/api/requirements.txt": ["a" * 64, [0, 3]]}),  # no such path
        ("locks", {"services/api/requirements.txt": ["a" * 64, []]}),  # proves nothing
        ("locks", {"/abs/requirements.txt": ["a" * 64, [0]]}),
        ("locks", ["services/api/requirements.txt"]),
        ("extra", 1),
    ],
)
def test_anything_off_the_grammar_is_ignored_whole(field: str, value: object) -> None:
    stored = _stored()
    stored[field] = value
    assert freshcache.parse(json.dumps(stored).encode(), code=CODE, root=ROOT) is None


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"format": 1}'])
def test_a_torn_or_foreign_file_is_ignored(data: bytes) -> None:
    assert freshcache.parse(data, code=CODE, root=ROOT) is None


_NAME = st.text(alphabet=st.sampled_from("ab./\n\x00-"), min_size=0, max_size=8)


@given(st.lists(_NAME, max_size=5))
def test_the_one_pass_path_check_agrees_with_a_path_by_path_one(names: list[str]) -> None:
    def one(name: str) -> bool:
        parts = name.split("/")
        return (
            bool(name)
            and "\n" not in name
            and "\0" not in name
            and all(p not in {"", ".", ".."} for p in parts)
        )

    assert freshcache._names(names) == all(map(one, names))


def test_context_digests_tell_the_parts_apart() -> None:
    assert freshcache.context_digest("a", None) != freshcache.context_digest("a", "")
    assert freshcache.context_digest("a", "b") != freshcache.context_digest("ab")


def test_the_code_fingerprint_follows_the_modules_on_disk(tmp_path: Path) -> None:
    module = tmp_path / "lock" / "grammar.py"
    module.parent.mkdir()
    module.write_text("A = 1\n", encoding="utf-8")
    first = freshcache.code_fingerprint(tmp_path)
    (tmp_path / "lock" / "__pycache__").mkdir()
    (tmp_path / "lock" / "__pycache__" / "grammar.cpython-311.pyc").write_bytes(b"")
    assert freshcache.code_fingerprint(tmp_path) == first  # bytecode is not the program
    status = module.stat()
    module.write_text("A = 2\n", encoding="utf-8")  # the same size, and the old time put back
    os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))
    edited = freshcache.code_fingerprint(tmp_path)
    assert edited != first
    (tmp_path / "lock" / "more.py").write_text("", encoding="utf-8")
    assert freshcache.code_fingerprint(tmp_path) not in {first, edited}


# --- which filesystems can prove anything -------------------------------------------------------

MOUNTINFO = """\
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
30 22 0:40 / /home/me/net rw - nfs4 server:/export rw
31 22 0:41 / /home/me/usb\\040stick rw - vfat /dev/sdb1 rw
32 22 0:42 / /var/lib/docker/overlay rw - overlay overlay rw
33 30 0:43 / /home/me/net/local rw - ext4 /dev/sdc1 rw
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/me/repo", "ext4"),
        ("/home/me/net/repo", "nfs4"),
        ("/home/me/network/repo", "ext4"),  # a sibling name, not below the mount
        ("/home/me/usb stick/repo", "vfat"),  # mountinfo escapes the space
        ("/home/me/net/local/repo", "ext4"),  # the deeper mount wins
        ("/var/lib/docker/overlay", "overlay"),
    ],
)
def test_the_mount_holding_a_path(path: str, expected: str) -> None:
    assert evidence.mount_type(path, MOUNTINFO) == expected


def test_network_and_fat_filesystems_prove_nothing() -> None:
    assert {"nfs4", "vfat", "cifs", "exfat", "fuse", "9p"}.isdisjoint(evidence.LOCAL_FILESYSTEMS)
    assert {"ext4", "xfs", "btrfs", "tmpfs", "overlay"} <= evidence.LOCAL_FILESYSTEMS


def test_a_later_mount_hides_the_ones_at_or_below_it() -> None:
    stacked = MOUNTINFO + "40 22 0:50 / /home/me rw - nfs4 server:/home rw\n"
    assert evidence.mount_type("/home/me/net/local/repo", stacked) == "nfs4"
    assert evidence.mount_type("/var/lib/docker/overlay", stacked) == "overlay"


def test_a_mount_point_may_hold_any_character_but_a_newline() -> None:
    info = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 0:40 / /mnt/a\u2028b rw - nfs4 s:/x rw\n"
    assert evidence.mount_type("/mnt/a\u2028b/repo", info) == "nfs4"


@pytest.mark.parametrize(
    ("root", "trusted"),
    [("/home/me/repo", True), ("/home/me", False), ("/home/me/net", False), ("/home/me/net/local", True)],
)
def test_a_repository_with_a_network_mount_inside_proves_nothing(root: str, *, trusted: bool) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the mount table is Linux's")
    assert evidence.trustworthy_filesystem(root, MOUNTINFO) is trusted


@pytest.mark.parametrize(
    "data",
    [
        (
            b'{"format": "nox-support freshness cache 1", "code": "C", "root": "/repo", "paths": ["a"],'
            b' "keys": [[[1], 2]], "locks": {}}'
        ),  # a key holding a list
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser goes
        (
            b'{"format": "nox-support freshness cache 1", "code": "C", "root": "/repo",'
            b' "paths": ["a\\ud800"], "keys": [[0]], "locks": {}}'
        ),  # a name no filesystem call can take
    ],
)
def test_a_damaged_file_is_ignored_not_a_crash(data: bytes) -> None:
    assert freshcache.parse(data, code="C", root="/repo") is None
