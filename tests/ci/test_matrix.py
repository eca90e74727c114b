from __future__ import annotations

import json

import pytest

from nox_support.ci.affected import Affected, AffectedService, OwnFile, RemovedService, everything
from nox_support.ci.affected import ServiceInputs as Inputs
from nox_support.ci.git import BaseCommit
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
    assert github_outputs(plan)["untested"] == '["a"]'


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
    assert outputs["lock_diff"] == '["lock_diff(a)","lock_diff(b)"]'
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
