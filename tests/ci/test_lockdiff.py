from __future__ import annotations

import json

from nox_support.ci.lockdiff import (
    LockAdded,
    LockChanged,
    LockRemoved,
    PackageChange,
    diff_locks,
    diff_pins,
    markdown,
    parse_pins,
    to_json,
)
from tests.ci.helpers import lock_text

BEFORE = (
    lock_text("alpha==1.0", "beta==1.1", "gamma==1.0", "epsilon==0.5", "zeta==2.0") + "../../libs/common\n"
)
AFTER = (
    lock_text("alpha==1.1", "beta==1.0", "delta==1.0", "epsilon==0.5", "Zeta==2.0.0") + "../../libs/common\n"
)


def test_parse_pins() -> None:
    pins = parse_pins(BEFORE, path="services/a/requirements.txt")
    assert pins["alpha"].version == "1.0"
    assert pins["../../libs/common"].version == "local path"
    assert len(pins["alpha"].hashes) == 1


def test_added_removed_upgraded_downgraded() -> None:
    changes = diff_pins(parse_pins(BEFORE, path="b"), parse_pins(AFTER, path="a"))
    assert changes == (
        PackageChange("delta", "added", None, "1.0"),
        PackageChange("gamma", "removed", "1.0", None),
        PackageChange("alpha", "upgraded", "1.0", "1.1"),
        PackageChange("beta", "downgraded", "1.1", "1.0"),
        PackageChange("zeta", "rehashed", "2.0", "2.0.0"),
    )


def test_same_version_other_hashes_is_rehashed_and_urls_are_changed() -> None:
    before = "alpha==1.0 --hash=sha256:" + "a" * 64 + "\nbeta @ https://example.invalid/b-1.whl\n"
    after = "alpha==1.0 --hash=sha256:" + "b" * 64 + "\nbeta @ https://example.invalid/b-2.whl\n"
    assert diff_pins(parse_pins(before, path="b"), parse_pins(after, path="a")) == (
        PackageChange(
            "beta", "changed", "@ https://example.invalid/b-1.whl", "@ https://example.invalid/b-2.whl"
        ),
        PackageChange("alpha", "rehashed", "1.0", "1.0"),
    )


def test_identical_locks_have_no_changes() -> None:
    assert diff_locks("l.txt", BEFORE, BEFORE) == LockChanged("l.txt", ())


def test_new_and_removed_locks() -> None:
    added = diff_locks("l.txt", None, lock_text("alpha==1.0"))
    assert added == LockAdded("l.txt", (PackageChange("alpha", "added", None, "1.0"),))
    removed = diff_locks("l.txt", lock_text("alpha==1.0"), None)
    assert removed == LockRemoved("l.txt", (PackageChange("alpha", "removed", "1.0", None),))
    assert diff_locks("l.txt", None, None) is None


def test_markdown_table() -> None:
    diff = diff_locks("services/a/requirements.txt", BEFORE, AFTER)
    assert diff is not None
    text = markdown("a", "origin/main", (diff,))
    assert text.splitlines()[:7] == [
        "### Lock changes of `a` since `origin/main`",
        "",
        "`services/a/requirements.txt`: 1 added, 1 removed, 1 upgraded, 1 downgraded, 1 rehashed",
        "",
        "| package | change | before | after |",
        "| --- | --- | --- | --- |",
        "| delta | added | — | 1.0 |",
    ]
    assert "| alpha | upgraded | 1.0 | 1.1 |" in text
    assert "| beta | downgraded | 1.1 | 1.0 |" in text


def test_markdown_without_changes() -> None:
    text = markdown("a", "main", (LockChanged("services/a/requirements.txt", ()),))
    assert "No package changed in `services/a/requirements.txt`." in text


def test_json() -> None:
    diff = diff_locks("x.txt", lock_text("alpha==1.0"), lock_text("alpha==2.0"))
    assert diff is not None
    data = json.loads(to_json("a", "main", "c" * 40, (diff, LockAdded("y.txt", ()))))
    assert data == {
        "service": "a",
        "base": "main",
        "base_commit": "c" * 40,
        "locks": [
            {
                "lock": "x.txt",
                "status": "present",
                "changes": [{"package": "alpha", "change": "upgraded", "before": "1.0", "after": "2.0"}],
            },
            {"lock": "y.txt", "status": "added", "changes": []},
        ],
    }
