"""Property tests: the OSV matcher agrees with an obviously correct oracle (pip-audit's method)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nox_support.audit import osv
from tests.audit import strategies
from tests.audit.oracle import OracleEvent, Release, range_affects, record_affects

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def production_events(events: list[OracleEvent]) -> tuple[osv.Event, ...]:
    return tuple(osv.Event(kind, strategies.text(version)) for kind, version in events)


def record(ranges: list[list[OracleEvent]], versions: list[Release], **extra: Any) -> osv.Record:
    data: dict[str, Any] = {
        "id": "PROP-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Alpha_Pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{k: strategies.text(v)} for k, v in r]} for r in ranges
                ],
                "versions": [strategies.text(v) for v in versions],
            }
        ],
        **extra,
    }
    return osv.parse_record(data)


@PROPERTY
@given(strategies.ranges(), strategies.releases)
def test_range_contains_agrees_with_the_oracle(events: list[OracleEvent], version: Release) -> None:
    assert osv.range_contains(production_events(events), strategies.text(version)) is range_affects(
        events, version
    )


@PROPERTY
@given(
    st.lists(strategies.ranges(), min_size=1, max_size=3),
    st.lists(strategies.releases, max_size=3),
    strategies.releases,
)
def test_match_agrees_with_the_oracle(
    ranges: list[list[OracleEvent]], versions: list[Release], version: Release
) -> None:
    result = osv.match(record(ranges, versions), "alpha-pkg", strategies.text(version))
    assert not isinstance(result, osv.Indeterminate)
    assert (result is not None) is record_affects(ranges, versions, version)
    if result is not None:
        assert result.record.id == "PROP-1"


@PROPERTY
@given(st.lists(strategies.ranges(), min_size=1, max_size=2), strategies.releases)
def test_a_withdrawn_record_never_matches_and_a_null_one_is_not_withdrawn(
    ranges: list[list[OracleEvent]], version: Release
) -> None:
    withdrawn = record(ranges, [], withdrawn="2024-02-01T00:00:00Z")
    assert osv.match(withdrawn, "alpha-pkg", strategies.text(version)) is None
    for null in (None, "null", "~", ""):
        kept = record(ranges, [], withdrawn=null)
        assert (osv.match(kept, "alpha-pkg", strategies.text(version)) is not None) is record_affects(
            ranges, [], version
        )


@PROPERTY
@given(strategies.ranges(), strategies.not_pep440)
def test_a_version_outside_pep_440_is_indeterminate_never_unaffected(
    events: list[OracleEvent], version: str
) -> None:
    assert isinstance(osv.range_contains(production_events(events), version), str)
    assert isinstance(osv.match(record([events], []), "alpha-pkg", version), osv.Indeterminate)


@PROPERTY
@given(st.lists(strategies.ranges(), max_size=3), st.lists(strategies.releases, min_size=1, max_size=3))
def test_the_index_cache_form_round_trips(ranges: list[list[OracleEvent]], versions: list[Release]) -> None:
    original = record(ranges, versions, aliases=["CVE-1"], summary="s")
    assert osv.record_from_json(osv.record_to_json(original)) == original
