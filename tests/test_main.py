"""``nox-support`` commands in-process: what they print, write and exit with, errors without a traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nox_support.__main__ import main
from tests.repos import write

FAILED_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="1">
<testcase classname="tests.test_api" name="test_ok" time="0.1"/>
<testcase classname="tests.test_api" name="test_price" time="0.1">
<failure message="assert 1 == 2">tests/test_api.py:7: in test_price
    assert price() == 2
E   assert 1 == 2</failure></testcase>
</testsuite></testsuites>
"""


def test_freshness_with_no_service_is_an_error_not_all_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")  # hand-written, not adopted
    assert main(["freshness", "--root", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("nox-support: error: no services found: ")
    assert "run `nox-support adopt`" in captured.err


def test_empty_sarif_writes_one_empty_run_per_removed_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "removed.sarif"
    assert main(["empty-sarif", "--output", str(output), "billing", "shop"]) == 0
    log = json.loads(output.read_text(encoding="utf-8"))
    assert [run["automationDetails"]["id"] for run in log["runs"]] == [
        "nox-support-audit/billing/",
        "nox-support-audit/shop/",
    ]
    assert all(run["results"] == [] for run in log["runs"])
    assert capsys.readouterr().out == ""


def test_empty_sarif_refuses_what_is_not_a_service_name_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "removed.sarif"
    assert main(["empty-sarif", "--output", str(output), "../etc"]) == 2
    assert capsys.readouterr().err == (
        "nox-support: error: not service names: '../etc'\n"
        "  hint: pass the names from the discover job's `removed` output\n"
    )
    assert not output.exists()


def test_junit_annotations_point_at_the_failed_test_in_its_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    report = write(tmp_path / "reports/tests/api.xml", FAILED_REPORT)
    assert main(["junit-annotations", "--root", str(tmp_path), str(report)]) == 0
    assert capsys.readouterr().out == (
        "::error file=services/api/tests/test_api.py,line=7,"
        "title=test failed%3A tests.test_api%3A%3Atest_price::assert 1 == 2\n"
    )


def test_junit_annotations_of_a_missing_report_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    missing = tmp_path / "reports/tests/api.xml"
    assert main(["junit-annotations", "--root", str(tmp_path), str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"nox-support: error: cannot read {missing}: No such file or directory\n"
    )


def test_adopt_prints_the_plan_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    write(tmp_path / "services/api/requirements-dev.txt", "-r requirements.txt\npytest-stub\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)

    assert main(["adopt", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  services/api/requirements.txt -> services/api/requirements.in\n" in out
    assert "  services/api/requirements-dev.txt -> services/api/requirements-dev.in\n" in out
    assert "services/api/requirements-dev.txt:1: once adopted, `-r requirements.txt`" in out
    assert sorted(p.name for p in (tmp_path / "services/api").iterdir()) == [
        "requirements-dev.txt",
        "requirements.txt",
    ]


def _git_repo(root: Path) -> Path:
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def test_adopt_write_renames_with_git_mv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    _git_repo(tmp_path)
    assert main(["adopt", "--root", str(tmp_path), "--write"]) == 0
    assert capsys.readouterr().out.startswith("nox-support adopt: 1 service, 1 rename, applied with git mv\n")
    tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert tracked.stdout == "services/api/requirements.in\n"
    assert (tmp_path / "services/api/requirements.in").read_text() == "alpha==1.0\n"


def test_adopt_write_never_renames_onto_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    write(tmp_path / "services/api/requirements-dev.txt", "pytest-stub\n")
    _git_repo(tmp_path)
    write(tmp_path / "services/api/requirements-dev.in", "untracked, hand-written\n")
    assert main(["adopt", "--root", str(tmp_path), "--write"]) == 1
    assert capsys.readouterr().err == (
        "nox-support: error: services/api/requirements-dev.in exists; nothing was renamed onto it\n"
        "  hint: merge the two files by hand, then run adopt again\n"
    )
    assert (tmp_path / "services/api/requirements-dev.in").read_text() == "untracked, hand-written\n"


def test_adopt_outside_git_is_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    assert main(["adopt", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"nox-support: error: {tmp_path} is not a git work tree (")
    assert err.endswith("  hint: adopt renames with git mv so that history follows: run it in a git clone\n")
