"""An obviously correct reading of OSV ranges, for property tests of :mod:`nox_support.audit.osv`.

Written from the OSV schema's meaning, not from the production code: a range is a set of
intervals, each opened by an ``introduced`` event and closed by a later ``fixed`` (excluded)
or ``last_affected`` (included) event.  A version is affected when some ``introduced`` at or
below it is not closed by a ``fixed`` at or below it, nor by a ``last_affected`` below it, that
comes at or after the ``introduced``.  Versions are tuples of integers compared after padding
with zeros (``1`` == ``1.0.0``), so :mod:`packaging` is not consulted.
"""

from __future__ import annotations

Release = tuple[int, ...]
OracleEvent = tuple[str, Release | None]
"""``(kind, version)``; ``("introduced", None)`` is OSV's ``introduced: "0"`` (before everything)."""

_WIDTH = 4


def padded(version: Release) -> Release:
    """*version* padded with zeros to a fixed width."""
    return version + (0,) * (_WIDTH - len(version))


def at_or_below(bound: Release | None, version: Release) -> bool:
    """Whether *bound* (``None``: minus infinity) is at or below *version*."""
    return bound is None or padded(bound) <= padded(version)


def below(bound: Release, version: Release) -> bool:
    """Whether *bound* is strictly below *version*."""
    return padded(bound) < padded(version)


def not_before(later: Release, earlier: Release | None) -> bool:
    """Whether *later* comes at or after *earlier* (events at one version: introduced first)."""
    return earlier is None or padded(later) >= padded(earlier)


def range_affects(events: list[OracleEvent], version: Release) -> bool:
    """The oracle: is *version* inside the range described by *events*?"""
    for kind, start in events:
        if kind != "introduced" or not at_or_below(start, version):
            continue
        closed = False
        for other, end in events:
            if end is None or not not_before(end, start):
                continue
            if (other in {"fixed", "limit"} and at_or_below(end, version)) or (
                other == "last_affected" and below(end, version)
            ):
                closed = True
        if not closed:
            return True
    return False


def record_affects(ranges: list[list[OracleEvent]], versions: list[Release], version: Release) -> bool:
    """Listed explicitly, or inside any range."""
    return any(padded(v) == padded(version) for v in versions) or any(
        range_affects(r, version) for r in ranges
    )
