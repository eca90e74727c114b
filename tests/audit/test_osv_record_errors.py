"""A malformed OSV record is refused with what is wrong in it, never read as "not affected" (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from nox_support.audit import osv

PYPI = {"ecosystem": "PyPI", "name": "alpha"}
RANGE = {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1"}]}

MALFORMED: dict[str, tuple[dict[str, object], str]] = {
    "aliases not a list": ({"aliases": "CVE-2099-1"}, "PYSEC-2099-1: 'aliases' must be a list"),
    "affected entry not a mapping": (
        {"affected": ["alpha"]},
        "PYSEC-2099-1: an 'affected' entry must be a mapping",
    ),
    "no package": ({"affected": [{"ranges": [RANGE]}]}, "PYSEC-2099-1: 'affected[].package' is missing"),
    "no ecosystem": (
        {"affected": [{"package": {"name": "alpha"}}]},
        "PYSEC-2099-1: 'affected[].package.ecosystem' is missing",
    ),
    "no package name": (
        {"affected": [{"package": {"ecosystem": "PyPI", "name": " "}}]},
        "PYSEC-2099-1: a PyPI entry has no package 'name'",
    ),
    "ranges not a list": (
        {"affected": [{"package": PYPI, "ranges": RANGE}]},
        "PYSEC-2099-1: 'ranges' must be a list",
    ),
    "versions not a list": (
        {"affected": [{"package": PYPI, "versions": "1.0"}]},
        "PYSEC-2099-1: 'versions' must be a list",
    ),
    "unknown event": (
        {
            "affected": [
                {
                    "package": PYPI,
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"patched": "1.1"}]}],
                }
            ]
        },
        "PYSEC-2099-1: unknown range event 'patched'",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_record_is_refused_naming_the_field(case: str) -> None:
    fields, message = MALFORMED[case]
    with pytest.raises(osv.RecordError) as info:
        osv.parse_record({"id": "PYSEC-2099-1", **fields})
    assert str(info.value) == message


def test_a_withdrawn_date_from_yaml_is_kept_as_its_iso_text() -> None:
    withdrawn = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    record = osv.parse_record(
        {"id": "PYSEC-2099-1", "withdrawn": withdrawn, "affected": [{"package": PYPI, "ranges": [RANGE]}]}
    )
    assert record.withdrawn == "2024-05-01T12:00:00+00:00"
    assert osv.match(record, "alpha", "1.0") is None  # a withdrawn advisory affects nothing
