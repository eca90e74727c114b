"""``nox -s conflicts`` with real compilers over the local wheelhouse (and once against PyPI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.conflicts import render
from nox_support.conflicts.compiler_resolver import CouldNotTellError
from nox_support.conflicts.explain import Difference
from nox_support.conflicts.session import ConflictsArgs, ConflictsInputError, build_report, run_conflicts
from nox_support.project import Project
from tests.drift.helpers import DIRECT, FakeSession, repo_with_locks
from tests.repos import ROOT

ALL = ConflictsArgs(())
UV = '[tool.nox_support]\ncompiler = "uv"\n'


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_direct_conflict_names_both_specifiers_files_and_lines(tmp_path: Path) -> None:
    root = repo_with_locks(
        tmp_path,
        {
            "orders": ("# pinned below 2\nalpha<2\n", {"alpha": ("1.1", DIRECT)}),
            "payments": ("epsilon\nalpha>=2\n", {"alpha": ("2.0", DIRECT), "epsilon": ("0.5", DIRECT)}),
            "shipping": ("epsilon\n", {"epsilon": ("0.5", DIRECT)}),
        },
    )
    session = FakeSession()

    run_conflicts(session.as_nox(), Project.load(root))  # the conflict is the finding: no error

    assert session.logs[:3] == [
        "conflicts: 1 conflict, these services cannot share one environment (6 resolves with pip-tools):",
        "  payments + orders:",
        (
            "    conflict on alpha: payments: alpha>=2 (services/payments/requirements.in:2) "
            "against orders: alpha<2 (services/orders/requirements.in:2)"
        ),
    ]
    assert session.logs[3] == "  groups that resolve together: orders, shipping; payments"
    data = json.loads((root / "reports/conflicts.json").read_text())
    assert data["verdict"] == "conflicts"
    assert data["resolves"] == 6
    assert data["conflicts"][0]["causes"][0]["sides"][1]["requirements"] == [
        {"text": "alpha<2", "specifier": "<2", "file": "services/orders/requirements.in", "line": 2}
    ]
    assert str(tmp_path) not in (root / "reports/conflicts.json").read_text()
    assert not list(root.glob("services/*/requirements.txt.*"))  # never writes a lock


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_transitive_conflict_names_the_packages_it_comes_through(tmp_path: Path) -> None:
    root = repo_with_locks(
        tmp_path,
        {
            "old": ("gamma\n", {"gamma": ("1.0", DIRECT), "alpha": ("1.1", "gamma")}),
            "new": ("delta\n", {"delta": ("1.0", DIRECT), "alpha": ("2.0", "delta")}),
        },
        pyproject=UV,
    )

    report = build_report(Project.load(root), ALL)

    ((cause,),) = report.causes
    assert render.cause_text(cause) == (
        "transitive conflict on alpha: old: alpha 1.1 (locked) through gamma "
        "against new: alpha 2.0 (locked) through delta"
    )
    assert report.result.conflicts[0].services == ("old", "new")
    markdown = render.to_markdown(report)
    assert "- transitive conflict on `alpha`: old: `alpha 1.1` (locked) through gamma" in markdown
    assert "```text\n" in markdown


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_clean_union_lists_the_pins_that_would_move(tmp_path: Path) -> None:
    root = repo_with_locks(
        tmp_path,
        {
            "a": ("beta\n", {"beta": ("1.0", DIRECT), "alpha": ("1.0", "beta")}),
            "b": ("alpha<2\n", {"alpha": ("1.1", DIRECT)}),
        },
        pyproject=UV,
    )
    session = FakeSession()

    run_conflicts(session.as_nox(), Project.load(root))

    assert session.logs[:4] == [
        "conflicts: a, b could share one environment (1 resolve with uv)",
        "  2 pins would differ from the services' own locks (2 distinct changes):",
        "    alpha 1.0 -> 1.1 in a",
        "    beta 1.0 -> 1.1 in a",
    ]
    report = build_report(Project.load(root), ALL)
    assert report.differences == (
        Difference("a", "alpha", "1.0", "1.1"),
        Difference("a", "beta", "1.0", "1.1"),
    )
    assert json.loads((root / "reports/conflicts.json").read_text())["verdict"] == "compatible"


@pytest.mark.usefixtures("offline_index")
def test_bad_input_is_named_and_the_other_services_still_answered(tmp_path: Path) -> None:
    root = repo_with_locks(
        tmp_path,
        {
            "a": ("alpha<2\n", {"alpha": ("1.1", DIRECT)}),
            "b": ("alpha\n", {"alpha": ("2.0", DIRECT)}),
            "c": ("alpha\n", {"alpha": ("2.0", DIRECT)}),
        },
        pyproject=UV,
    )
    (root / "services/b/requirements.txt").unlink()
    (root / "services/c/requirements.in").write_text("alpha\n-r missing.in\n")
    session = FakeSession()

    with pytest.raises(ConflictsInputError) as info:
        run_conflicts(session.as_nox(), Project.load(root))

    assert str(info.value) == (
        "conflicts: 2 services could not be read and are missing from the answer:\n"
        '  services/b/requirements.txt: service b has no lock\n  hint: run nox -s "lock(b)" and commit '
        "requirements.txt\n"
        "  services/c/requirements.in:2: services/c/missing.in does not exist\n"
        "  hint: create it or fix the path\n"
        "  hint: fix or lock them (nox -s lock), then run nox -s conflicts again"
    )
    assert session.logs[0] == "conflicts: a could share one environment (1 resolve with uv)"


@pytest.mark.network
def test_this_repositorys_samples_explain_the_pydantic_split() -> None:
    report = build_report(Project.load(ROOT), ALL)

    assert not report.result.compatible
    (conflict,) = report.result.conflicts
    assert set(conflict.services) == {"orders", "payments"}
    texts = [render.cause_text(c) for c in report.causes[0]]
    assert any(
        "payments: pydantic>=2.5,<3 (services/payments/requirements.in:2)" in t
        and "orders: pydantic>=1.10,<2 (services/orders/requirements.in:2)" in t
        for t in texts
    )


@pytest.mark.usefixtures("offline_index")
def test_a_service_that_cannot_resolve_alone_is_could_not_tell_not_a_conflict(tmp_path: Path) -> None:
    # What an unreachable index looks like: nothing resolves, not even one service on its own.
    root = repo_with_locks(
        tmp_path,
        {
            "a": ("alpha\n", {"alpha": ("2.0", DIRECT)}),
            "b": ("unknown-package\n", {"unknown-package": ("1.0", DIRECT)}),
        },
        pyproject=UV,
    )

    with pytest.raises(CouldNotTellError) as info:
        run_conflicts(FakeSession().as_nox(), Project.load(root))

    message = str(info.value)
    assert message.startswith(
        "conflicts: could not tell: 1 services cannot be resolved even on their own:\n  b:\n"
    )
    assert "unknown-package" in message
    assert message.endswith(
        '  hint: their committed locks resolved once: check the index and the network; nox -s "lock(b)" '
        "-- --force shows the same failure"
    )
    assert json.loads((root / "reports/conflicts.json").read_text())["conflicts"][0]["services"] == ["b"]
