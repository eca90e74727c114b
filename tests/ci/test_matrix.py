from __future__ import annotations

import json

import pytest

from nox_support.ci.affected import Affected, AffectedService, OwnFile, RemovedService, everything
from nox_support.ci.affected import ServiceInputs as Inputs
from nox_support.ci.git import BaseCommit, MissingBase
from nox_support.ci.matrix import (
    MatrixError,
    ServiceFacts,
    build_plan,
    cache_key,
    format_github_output,
    github_outputs,
    lock_digest,
    summary_markdown,
)
from nox_support.ci.noxlist import NoxListError, NoxSession, parse_session_list
from nox_support.ci.settings import CiSettings
from nox_support.core.errors import ConfigError


def sessions(*services: str, python: str = "3.11") -> tuple[NoxSession, ...]:
    return tuple(
        NoxSession(f"{name}({service})", name, None if name == "lock_diff" else python, service)
        for name in ("audit", "tests", "lock_diff")
        for service in services
    )


def facts(*services: str, untested: tuple[str, ...] = (), python: str = "3.11") -> dict[str, ServiceFacts]:
    return {
        s: ServiceFacts(s, python, (f"services/{s}/requirements.txt",), f"digest-{s}", s not in untested)
        for s in services
    }


def only(*names: str) -> Affected:
    return Affected(tuple(AffectedService(n, (OwnFile(f"services/{n}/x"),)) for n in names), ())


def test_entries_name_exact_sessions_and_cache_inputs() -> None:
    plan = build_plan(sessions("a", "b"), only("b"), facts("a", "b"), CiSettings(), base=None)
    (entry,) = plan.matrix("audit").entries
    assert entry.to_json() == {
        "id": "b",
        "name": "b",
        "python": "3.11",
        "services": ["b"],
        "sessions": ["audit(b)"],
        "cache_key": cache_key("3.11", [facts("b")["b"]]),
        "cache_files": ["services/b/requirements.txt"],
    }
    assert [e.sessions for e in plan.matrix("tests").entries] == [("tests(b)",)]
    assert plan.lock_diff == ("lock_diff(b)",)


def test_all_services_for_audit_keeps_tests_affected_only() -> None:
    plan = build_plan(
        sessions("a", "b", "c"),
        only("c"),
        facts("a", "b", "c"),
        CiSettings(),
        base=None,
        all_services_for=frozenset({"audit"}),
    )
    assert [e.id for e in plan.matrix("audit").entries] == ["a", "b", "c"]
    assert [e.id for e in plan.matrix("tests").entries] == ["c"]
    assert plan.lock_diff == ("lock_diff(c)",)


def test_services_without_tests_are_listed_not_run() -> None:
    plan = build_plan(
        sessions("a", "b"), only("a", "b"), facts("a", "b", untested=("a",)), CiSettings(), base=None
    )
    assert [e.id for e in plan.matrix("tests").entries] == ["b"]
    assert [e.id for e in plan.matrix("audit").entries] == ["a", "b"]
    assert plan.untested == ("a",)
    assert github_outputs(plan)["untested"] == "a"
    assert github_outputs(plan)["untested_count"] == "1"


def test_shards_get_safe_ids_and_combined_cache_keys() -> None:
    names = [f"s{i:03d}" for i in range(300)]
    plan = build_plan(
        sessions(*names),
        everything(Inputs(n, f"services/{n}", frozenset(), ()) for n in names),
        facts(*names),
        CiSettings(),
        base=None,
    )
    entries = plan.matrix("tests").entries
    assert len(entries) == 150
    first = entries[0]
    assert first.id == "shard-1-of-150"
    assert first.name == "s000 .. s001 (2 services, py3.11)"
    assert first.sessions == ("tests(s000)", "tests(s001)")
    assert first.cache_files == ("services/s000/requirements.txt", "services/s001/requirements.txt")
    assert first.cache_key == cache_key("3.11", [facts("s000")["s000"], facts("s001")["s001"]])
    assert len({e.cache_key for e in entries}) == 150


def test_shard_size_setting() -> None:
    names = [f"s{i}" for i in range(5)]
    plan = build_plan(sessions(*names), only(*names), facts(*names), CiSettings(shard_size=2), base=None)
    assert [len(e.services) for e in plan.matrix("audit").entries] == [2, 2, 1]


def test_a_service_nox_lists_but_discovery_does_not_know_is_an_error() -> None:
    with pytest.raises(MatrixError, match=r"Nox lists audit\(ghost\) but no service 'ghost'"):
        build_plan(sessions("a", "ghost"), only("a"), facts("a"), CiSettings(), base=None)


def test_two_pythons_of_one_service() -> None:
    listed = (
        NoxSession("tests-3.11(a)", "tests", "3.11", "a"),
        NoxSession("tests-3.12(a)", "tests", "3.12", "a"),
    )
    plan = build_plan(listed, only("a"), facts("a"), CiSettings(), base=None)
    assert [(e.id, e.python, e.sessions) for e in plan.matrix("tests").entries] == [
        ("a-py3.11", "3.11", ("tests-3.11(a)",)),
        ("a-py3.12", "3.12", ("tests-3.12(a)",)),
    ]


def test_cache_key_depends_on_lock_content_and_python() -> None:
    a1 = lock_digest([("services/a/requirements.txt", b"alpha==1.0\n")])
    assert a1 == lock_digest([("services/a/requirements.txt", b"alpha==1.0\r\n")])
    assert a1 != lock_digest([("services/a/requirements.txt", b"alpha==1.1\n")])
    assert a1 != lock_digest([("services/a/requirements.txt", None)])
    fact = ServiceFacts("a", "3.11", (), a1, has_tests=True)
    assert cache_key("3.11", [fact]) != cache_key("3.12", [fact])


def test_github_outputs_are_single_line_json_except_pythons() -> None:
    plan = build_plan(
        sessions("a") + sessions("b", python="3.12"),
        only("a", "b"),
        {**facts("a"), **facts("b", python="3.12")},
        CiSettings(),
        base=BaseCommit("origin/main", "f" * 40),
    )
    outputs = github_outputs(plan)
    assert json.loads(outputs["audit_matrix"])["include"][1]["python"] == "3.12"
    assert outputs["audit_count"] == "2"
    assert "lock_diff" not in outputs  # the lock-changes job lists its sessions itself
    assert outputs["lock_diff_count"] == "2"
    assert set(json.loads(outputs["audit_matrix"])["include"][0]) == {
        "id",
        "name",
        "python",
        "sessions",
    }
    assert outputs["pythons"] == "3.11\n3.12"
    text = format_github_output(outputs)
    assert "\naudit_count=2\n" in text
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("pythons<<")))
    assert lines[start + 1 : start + 4] == ["3.11", "3.12", lines[start].split("<<")[1]]


def test_empty_matrices() -> None:
    plan = build_plan(sessions("a"), Affected((), ()), facts("a"), CiSettings(), base=None)
    outputs = github_outputs(plan)
    assert outputs["audit_count"] == outputs["tests_count"] == outputs["lock_diff_count"] == "0"
    assert outputs["audit_matrix"] == '{"include":[]}'


def test_summary_says_why() -> None:
    affected = Affected(
        (AffectedService("a", (OwnFile("services/a/x|y"),)),), (RemovedService("services/old", None),)
    )
    plan = build_plan(
        sessions("a"),
        affected,
        facts("a", untested=("a",)),
        CiSettings(),
        base=BaseCommit("origin/main", "a" * 40),
    )
    text = summary_markdown(plan)
    assert "Changes since `origin/main` (merge base `aaaaaaaaaaaa`)." in text
    assert "| a | services/a/x\\|y changed |" in text
    assert '**no tests** (missing_tests = "skip": not run, the gate warns): a' in text
    assert "Removed service directory `services/old`." in text


def test_parse_nox_list() -> None:
    text = json.dumps(
        [
            {"session": "audit(a)", "name": "audit", "python": "3.11", "call_spec": {"service": "a"}},
            {"session": "freshness", "name": "freshness", "python": None, "call_spec": {}},
            {"session": "audit", "name": "audit", "python": False, "call_spec": {}},
        ]
    )
    assert parse_session_list(text) == (
        NoxSession("audit(a)", "audit", "3.11", "a"),
        NoxSession("freshness", "freshness", None, None),
        NoxSession("audit", "audit", None, None),
    )


@pytest.mark.parametrize("text", ["nox > hello", "{}", "[1]", '[{"session": 1}]'])
def test_bad_nox_list(text: str) -> None:
    with pytest.raises(NoxListError):
        parse_session_list(text)


def utf16_size(outputs: dict[str, str]) -> int:
    """How GitHub counts a job's outputs against its 1 MB limit."""
    return sum(
        len(key.encode("utf-16-le")) + len(value.encode("utf-16-le")) for key, value in outputs.items()
    )


JOB_OUTPUTS_LIMIT = 1024 * 1024


@pytest.mark.parametrize("prefix", ["svc-", "payments-settlement-recon-"])
def test_5000_services_outputs_fit_in_a_job(prefix: str) -> None:
    """Every service in both matrices (a manual run) fits in a job's 1 MB of outputs (names <= 30)."""
    names = [f"{prefix}{i:04d}" for i in range(5000)]
    plan = build_plan(
        sessions(*names),
        everything(Inputs(n, f"services/{n}", frozenset(), ()) for n in names),
        facts(*names),
        CiSettings(),
        base=None,
    )
    outputs = github_outputs(plan)
    assert outputs["audit_count"] == outputs["tests_count"] == "250"
    assert outputs["lock_diff_count"] == "5000"
    assert utf16_size(outputs) < JOB_OUTPUTS_LIMIT
    # What the old outputs (every field, the lock_diff list) took: far over the limit.
    old = sum(len(json.dumps(m.to_json())) for m in plan.matrices) + len(json.dumps(list(plan.lock_diff)))
    assert 2 * old > JOB_OUTPUTS_LIMIT
    assert outputs["untested"] == ""


def test_audit_jobs_never_exceed_the_sarif_run_limit() -> None:
    names = [f"s{i:04d}" for i in range(1000)]
    plan = build_plan(
        sessions(*names),
        everything(Inputs(n, f"services/{n}", frozenset(), ()) for n in names),
        facts(*names),
        CiSettings(shard_size=50),
        base=None,
    )
    assert {len(e.services) for e in plan.matrix("audit").entries} == {20}
    assert len(plan.matrix("audit").entries) == 50
    assert {len(e.services) for e in plan.matrix("tests").entries} == {50}  # no SARIF there


def test_too_many_services_for_the_sarif_run_limit_is_a_clear_error() -> None:
    names = [f"s{i:04d}" for i in range(201)]
    with pytest.raises(ConfigError) as caught:
        build_plan(
            sessions(*names),
            everything(Inputs(n, f"services/{n}", frozenset(), ()) for n in names),
            facts(*names),
            CiSettings(max_jobs=10),
            base=None,
        )
    assert caught.value.message == "201 services need more than 10 jobs of at most 20 services"


def test_untested_output_names_a_few_and_counts_all() -> None:
    names = [f"s{i:02d}" for i in range(25)]
    plan = build_plan(
        sessions(*names), only(*names), facts(*names, untested=tuple(names)), CiSettings(), base=None
    )
    outputs = github_outputs(plan)
    assert outputs["untested_count"] == "25"
    assert outputs["untested"] == ", ".join(names[:20]) + " (and 5 more: see the discover job's summary)"
    assert ", ".join(names) in summary_markdown(plan)


def test_removed_services_are_named_for_closing_their_code_scanning_category() -> None:
    affected = Affected(
        (),
        (
            RemovedService("services/old", None),
            RemovedService("services/moved", "teams/moved"),  # the service lives on under its name
            RemovedService("services/renamed", "services/newname"),
        ),
    )
    plan = build_plan(
        sessions("moved", "newname"), affected, facts("moved", "newname"), CiSettings(), base=None
    )
    assert plan.removed_services == ("old", "renamed")
    outputs = github_outputs(plan)
    assert outputs["removed"] == "old renamed"
    assert outputs["removed_count"] == "2"


def test_removed_services_are_named_as_discovery_names_them() -> None:
    """With service_names = "path" the category of teams/a/billing is teams-a-billing, never billing."""
    affected = Affected((), (RemovedService("teams/a/billing"),))
    plan = build_plan(
        sessions("teams-b-billing"),
        affected,
        facts("teams-b-billing"),
        CiSettings(),
        base=None,
        service_naming="path",
    )
    assert plan.removed_services == ("teams-a-billing",)


def test_summary_says_why_everything_runs_when_the_base_is_missing() -> None:
    base = MissingBase("abc|def", "git ref 'abc' does not exist in this clone")
    plan = build_plan(sessions("a"), only("a"), facts("a"), CiSettings(), base=base)
    text = summary_markdown(plan)
    assert (
        "**Every service is selected**: the base `abc|def` cannot be diffed from "
        "(git ref 'abc' does not exist in this clone)." in text
    )
    assert plan.to_json()["base"] == {
        "ref": "abc|def",
        "missing": "git ref 'abc' does not exist in this clone",
    }
