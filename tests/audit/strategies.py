"""Hypothesis strategies for OSV ranges and versions (see ``tests/audit/oracle.py``)."""

from __future__ import annotations

from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from tests.audit.oracle import OracleEvent, Release

# Few distinct numbers so that events and versions often coincide: the boundaries matter.
releases: st.SearchStrategy[Release] = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple)

closing_events: st.SearchStrategy[OracleEvent] = st.tuples(
    st.sampled_from(["fixed", "last_affected"]), releases
)
introduced_events: st.SearchStrategy[OracleEvent] = st.one_of(
    st.just(("introduced", None)), st.tuples(st.just("introduced"), releases)
)


@st.composite
def ranges(draw: st.DrawFn) -> list[OracleEvent]:
    """One ECOSYSTEM range: at least one ``introduced`` (OSV requires it), in any order."""
    events = [draw(introduced_events)]
    events += draw(st.lists(st.one_of(introduced_events, closing_events), max_size=5))
    return draw(st.permutations(events))


def text(version: Release | None) -> str:
    """The OSV spelling of a version (``None`` is ``"0"``)."""
    return "0" if version is None else ".".join(map(str, version))


def _is_pep440(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


not_pep440: st.SearchStrategy[str] = st.from_regex(r"[a-z!@#_]{1,4}[0-9]?", fullmatch=True).filter(
    lambda v: not _is_pep440(v)
)
"""Version strings :mod:`packaging` refuses (``v0`` and ``1.0a`` are valid PEP 440)."""
