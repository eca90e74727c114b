"""Empty analyses that close a removed service's code scanning alerts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nox_support.ci.removed import empty_analyses
from nox_support.core.errors import ConfigError


def test_one_empty_run_per_removed_service_in_its_audit_category() -> None:
    log = json.loads(empty_analyses(["old", "gone"]))
    assert log["version"] == "2.1.0"
    assert [run["automationDetails"]["id"] for run in log["runs"]] == [
        "nox-support-audit/gone/",
        "nox-support-audit/old/",
    ]
    assert all(run["results"] == [] for run in log["runs"])
    assert {run["tool"]["driver"]["name"] for run in log["runs"]} == {"nox-support audit"}


def test_more_runs_than_one_upload_accepts_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        empty_analyses([f"s{i}" for i in range(21)])
    assert caught.value.message == "21 removed services, but one code scanning upload accepts at most 20 runs"


@pytest.mark.parametrize("name", ["../x", "a/b", "", "-rf"])
def test_names_that_are_no_service_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="not service names"):
        empty_analyses([name])


def test_command_writes_the_file(tmp_path: Path) -> None:
    output = tmp_path / "reports/removed.sarif"
    result = subprocess.run(
        [sys.executable, "-m", "nox_support", "empty-sarif", "--output", str(output), "old"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(output.read_text())["runs"][0]["automationDetails"]["id"] == "nox-support-audit/old/"
    bad = subprocess.run(
        [sys.executable, "-m", "nox_support", "empty-sarif", "--output", str(output), "../x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("nox-support: error: not service names: '../x'")
