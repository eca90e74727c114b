"""The combined input, mapping the resolver's line numbers back, and hostile text in the reports."""

from __future__ import annotations

from pathlib import Path

from nox_support.conflicts import render
from nox_support.conflicts.compiler_resolver import combined_input, name_origins
from nox_support.conflicts.explain import Cause, Side
from nox_support.conflicts.interface import Resolved
from nox_support.conflicts.search import Group, MinimalConflict, SearchResult
from nox_support.lock.inputs import LocalInput
from nox_support.lock.servicelock import DirectRequirement, InputOption, ServiceLock


def lock(service: str, *requirements: DirectRequirement, **extra: object) -> ServiceLock:
    return ServiceLock(service, "main", f"services/{service}/requirements.txt", (), requirements, **extra)  # type: ignore[arg-type]


def req(text: str, service: str, line: int, *, constraint: bool = False) -> DirectRequirement:
    name = text.split("<", maxsplit=1)[0].split(">", maxsplit=1)[0].split("=", maxsplit=1)[0]
    return DirectRequirement(
        name, text, text[len(name) :], f"services/{service}/requirements.in", line, constraint
    )


def test_combined_input_copies_requirements_constraints_locals_and_options_once() -> None:
    orders = lock(
        "orders",
        req("pydantic<2", "orders", 2),
        req("alpha<3", "orders", 3, constraint=True),
        local=(LocalInput(Path("/repo/libs/common"), "services/orders/requirements.in", 4),),
        options=(InputOption("--pre", "", "services/orders/requirements.in", 1),),
    )
    payments = lock(
        "payments",
        req("pydantic>=2", "payments", 1),
        options=(InputOption("--pre", "", "services/payments/requirements.in", 1),),
    )

    combined = combined_input((orders, payments))

    assert combined.requirements.splitlines() == [
        "# nox -s conflicts: orders, payments",
        "--pre",
        "pydantic<2",
        "/repo/libs/common",
        "pydantic>=2",
    ]
    assert combined.constraints == "alpha<3\n"
    assert combined.origins == {
        3: "orders: services/orders/requirements.in:2",
        4: "orders: services/orders/requirements.in:4",
        5: "payments: services/payments/requirements.in:1",
    }
    explanation = "Cannot install 'pydantic<2' (requirements.in line 3) and -r requirements.in (line 5)"
    assert name_origins(explanation, combined.origins) == (
        "Cannot install 'pydantic<2' (orders: services/orders/requirements.in:2) and "
        "-r payments: services/payments/requirements.in:1"
    )


def _report(explanation: str, text: str) -> render.ConflictsReport:
    conflict = MinimalConflict(("a", "b"), explanation, "3.11")
    side_a = Side("a", "1.0", (req(text, "a", 1),), ())
    side_b = Side("b", "2.0", (), ("evil|pkg",))
    result = SearchResult(
        (Group(("a",), Resolved({}, "3.11")), Group(("b",), Resolved({}, "3.11"))), (conflict,), 5
    )
    return render.ConflictsReport(("a", "b"), "uv", result, ((Cause("alpha", (side_a, side_b)),),), (), ())


def test_hostile_resolver_output_cannot_leave_its_code_block() -> None:
    markdown = render.to_markdown(_report("```\n<img src=x onerror=alert(1)>\n````", "alpha<2"))

    assert "`````text\n```\n<img src=x onerror=alert(1)>\n````\n`````" in markdown
    assert markdown.count("`````") == 2


def test_hostile_names_and_specifiers_are_escaped_in_markdown() -> None:
    markdown = render.to_markdown(_report("x", "alpha<2|<b>"))

    line = next(li for li in markdown.splitlines() if li.startswith("- transitive conflict on"))
    assert line == (
        "- transitive conflict on `alpha`: a: `alpha<2|<b>` (`services/a/requirements.in:1`) "
        "against b: `alpha 2.0` (locked) through evil\\|pkg"
    )
