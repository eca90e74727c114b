"""Conflicts on generated repositories of 10 to 75 services, over a resolver that intersects specifiers.

The locks and inputs are real files read by the session; only the resolve is a fake (a real one
is tested in test_conflicts_real.py): what is proven here is the search, the explanations and
the grouped output.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nox_support.conflicts import render
from nox_support.conflicts.session import ConflictsArgs, build_report, parse_conflicts_args
from nox_support.core.listing import and_more
from nox_support.project import Project
from tests.conflicts.spec_resolver import SpecResolver
from tests.drift.helpers import DIRECT, repo_with_locks

INDEX = {
    "alpha": ("1.1", "2.0"),
    "delta": ("1.0",),
    "epsilon": ("0.5",),
    "python-dateutil": ("2.9.0.post0",),
}
DEPENDS = {"delta": ("alpha<2",), "epsilon": ("python-dateutil",)}
Services = dict[str, tuple[str, dict[str, tuple[str, str]]]]


def generated(count: int, conflicts: int) -> Services:
    """*count* services that all fit, but for up to two conflicts around ``s02``.

    1: ``s01`` asks for ``alpha<2``, ``s02`` for ``alpha>=2`` (a direct conflict).
    2: also ``s04`` needs ``delta``, which needs ``alpha<2`` (a transitive conflict with ``s02``).
    Everyone locks ``python-dateutil 4.0.0`` through ``epsilon``; the index has only 2.9.0.post0.
    """
    services: Services = {}
    for number in range(1, count + 1):
        pins = {"epsilon": ("0.5", DIRECT), "python-dateutil": ("4.0.0", "epsilon")}
        services[f"s{number:02}"] = ("epsilon\n", pins)
    if conflicts >= 1:
        services["s01"] = ("epsilon\nalpha<2\n", {**services["s01"][1], "alpha": ("1.1", DIRECT)})
        services["s02"] = ("epsilon\nalpha>=2\n", {**services["s02"][1], "alpha": ("2.0", DIRECT)})
    if conflicts >= 2:
        pins = {**services["s04"][1], "delta": ("1.0", DIRECT), "alpha": ("1.1", "delta")}
        services["s04"] = ("epsilon\ndelta\n", pins)
    return services


def resolver_for(services: Services) -> SpecResolver:
    wants = {name: tuple(text.split()) for name, (text, _) in services.items()}
    return SpecResolver(wants, INDEX, DEPENDS)


def test_a_direct_and_a_transitive_conflict_with_one_service_are_both_named(tmp_path: Path) -> None:
    services = generated(5, conflicts=2)
    root = repo_with_locks(tmp_path, services)

    report = build_report(Project.load(root), ConflictsArgs(()), resolver_for(services))

    assert [c.services for c in report.result.conflicts] == [("s02", "s01"), ("s02", "s04")]
    assert [g.services for g in report.result.groups] == [("s01", "s03", "s04", "s05"), ("s02",)]
    direct, transitive = (render.cause_text(c) for (c,) in report.causes)
    assert direct == (
        "conflict on alpha: s02: alpha>=2 (services/s02/requirements.in:2) "
        "against s01: alpha<2 (services/s01/requirements.in:2)"
    )
    assert transitive == (
        "transitive conflict on alpha: s02: alpha>=2 (services/s02/requirements.in:2) "
        "against s04: alpha 1.1 (locked) through delta"
    )
    lines = render.summary_lines(report)
    assert lines[0].startswith("conflicts: 2 conflicts, these services cannot share one environment (")
    assert lines[1:3] == ["  s02 + s01:", f"    {direct}"]
    assert lines[3:5] == ["  s02 + s04:", f"    {transitive}"]
    assert lines[5] == "  groups that resolve together: s01, s03, s04, s05; s02"


@pytest.mark.parametrize(("count", "conflicts"), [(10, 1), (10, 2), (50, 1), (50, 2)])
def test_every_conflict_is_found_with_about_as_few_resolves_as_bisection(
    tmp_path: Path, count: int, conflicts: int
) -> None:
    services = generated(count, conflicts)
    root = repo_with_locks(tmp_path, services)
    resolver = resolver_for(services)

    report = build_report(Project.load(root), ConflictsArgs(()), resolver)

    expected = [("s02", "s01"), ("s02", "s04")][:conflicts]
    assert [c.services for c in report.result.conflicts] == expected
    resolves = report.result.resolves
    assert resolves == len(set(map(frozenset, resolver.calls)))  # each set resolved once
    # Bisection for one pair is about 2 log2(n); each further conflict of the same service about log2(n).
    steps = math.ceil(math.log2(count))
    assert resolves <= 2 * steps + 4 + (conflicts - 1) * (steps + 2)
    assert f"({resolves} resolves with " in render.summary_lines(report)[0]
    print(f"{count} services, {conflicts} conflicts: {resolves} resolves")  # noqa: T201 - the figure


def test_75_identical_pin_changes_are_one_line_and_verbose_lists_them_all(tmp_path: Path) -> None:
    services = generated(75, conflicts=0)
    root = repo_with_locks(tmp_path, services)

    report = build_report(Project.load(root), ConflictsArgs(()), resolver_for(services))

    assert report.result.compatible
    lines = render.summary_lines(report)
    assert lines == [
        (
            "conflicts: s01, s02, s03, s04, s05 and 70 more could share one environment "
            "(1 resolve with pip-tools)"
        ),
        "  75 pins would differ from the services' own locks (1 distinct change):",
        "    python-dateutil 4.0.0 -> 2.9.0.post0 in 75 services: s01, s02, s03, s04, s05 and 70 more",
    ]
    verbose = render.summary_lines(report, verbose=True)
    everyone = ", ".join(f"s{n:02}" for n in range(1, 76))
    assert verbose[2] == f"    python-dateutil 4.0.0 -> 2.9.0.post0 in 75 services: {everyone}"
    markdown = render.to_markdown(report)
    assert markdown.count("python-dateutil") == 1
    assert "| 75: s01, s02" in markdown
    assert "and 55 more (conflicts.json) |" in markdown


def test_verbose_is_a_conflicts_option() -> None:
    assert parse_conflicts_args(["--verbose", "s01"]) == ConflictsArgs(("s01",), verbose=True)
    assert parse_conflicts_args([]) == ConflictsArgs((), verbose=False)


def test_and_more_counts_what_it_leaves_out() -> None:
    names = ["a", "b", "c", "d"]
    assert and_more(names, 4) == "a, b, c, d"
    assert and_more(names, 3) == "a, b, c and 1 more"
    assert and_more(names, 2, where="x.json") == "a, b and 2 more (x.json)"
    assert and_more(names, None) == "a, b, c, d"
    assert and_more([], 2) == ""
