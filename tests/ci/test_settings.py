from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.ci.settings import ALWAYS_AFFECTS_ALL, CiSettings, load_ci_settings, parse_ci_settings
from nox_support.core.errors import ConfigError
from tests.repos import write


def test_defaults() -> None:
    settings = parse_ci_settings({})
    assert settings == CiSettings(shard_size=1, max_jobs=256, missing_tests="skip", affects_all=())
    assert settings.global_paths == ALWAYS_AFFECTS_ALL
    assert ALWAYS_AFFECTS_ALL == (
        "noxfile.py",
        "pyproject.toml",
        "nox_support/",
        ".github/workflows/",
        ".github/tools/",
        ".github/actions/",
    )


def test_reads_the_ci_sub_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.nox_support.ci]
        shard_size = 4
        max_jobs = 100
        missing_tests = "fail"
        affects_all = ["./tools/", ".github/workflows/ci.yml"]
        """,
    )
    settings = load_ci_settings(tmp_path)
    assert settings == CiSettings(4, 100, "fail", ("tools/", ".github/workflows/ci.yml"))
    assert settings.global_paths[-2:] == ("tools/", ".github/workflows/ci.yml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"shard-size": 2}, "unknown key 'shard-size'"),
        ({"shard_size": 0}, "shard_size = 0 is not a whole number of at least 1"),
        ({"shard_size": True}, "shard_size = True is not a whole number"),
        ({"shard_size": "2"}, "shard_size = '2' is not a whole number"),
        ({"max_jobs": 257}, "max_jobs = 257 is above GitHub's matrix limit of 256 jobs"),
        ({"missing_tests": "pass"}, "missing_tests = 'pass' is not 'fail' or 'skip'"),
        ({"affects_all": "tools/"}, "affects_all must be a list"),
        ({"affects_all": ["/etc/x"]}, "'/etc/x' is not a repository-relative path"),
        ({"affects_all": ["../up"]}, "'../up' is not a repository-relative path"),
    ],
)
def test_invalid_values_are_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=r"\[tool\.nox_support\.ci\]") as info:
        parse_ci_settings(table)
    assert message in str(info.value)


def test_a_non_table_is_an_error() -> None:
    with pytest.raises(ConfigError, match="must be a table"):
        parse_ci_settings(["shard_size"])
