"""Settings that could switch a check off, or crash the noxfile import, are one clear error.

NaN compares false with everything: ``max_db_age_days = nan`` turned off both the age limit and
the "old database" warning.  Numbers are finite and in range; a setting of the wrong type names
its key and the type it must have (``compiler = ["uv"]`` was a traceback at noxfile import).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support import sessions
from nox_support.audit.config import ENV_MAX_DB_AGE, ENV_TTL, parse_audit_settings
from nox_support.audit.session import settings_for
from nox_support.config import parse_settings
from nox_support.core.errors import ConfigError
from nox_support.licenses.config import parse_license_settings
from nox_support.project import Project
from tests.noxrun import run_nox
from tests.repos import monorepo, write

AUDIT = "pyproject.toml [tool.nox_support.audit]"
NUMBER_HINT = "\n  hint: write a finite number such as 14 (not nan or inf); leave it out for its default"


def _audit_error(table: dict[str, object], tmp_path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_audit_settings(table, root=tmp_path, environ=environ or {}, cwd=tmp_path)
    return str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -1.0])
def test_max_db_age_days_must_be_a_finite_number(tmp_path: Path, value: float) -> None:
    assert _audit_error({"max_db_age_days": value}, tmp_path) == (
        f"{AUDIT} max_db_age_days = {value!r} must be a non-negative number{NUMBER_HINT}"
    )


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "Infinity", "1e400"])
def test_max_db_age_days_from_the_environment_must_be_finite(tmp_path: Path, value: str) -> None:
    assert _audit_error({}, tmp_path, {ENV_MAX_DB_AGE: value}) == (
        f"{ENV_MAX_DB_AGE} = {value!r} must be a non-negative number{NUMBER_HINT}"
    )


def test_max_db_age_days_nan_in_toml_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"orders": "alpha\n"})
    write(root / "pyproject.toml", "[tool.nox_support.audit]\nmax_db_age_days = nan\n")
    with pytest.raises(ConfigError) as info:
        settings_for(Project.load(root))
    assert str(info.value) == f"{AUDIT} max_db_age_days = nan must be a non-negative number{NUMBER_HINT}"


@pytest.mark.parametrize(
    ("table", "environ", "shown"),
    [
        ({"cache_ttl_hours": float("inf")}, {}, f"{AUDIT} cache_ttl_hours = inf"),
        ({}, {ENV_TTL: "nan"}, f"{AUDIT} cache_ttl_hours = 'nan'"),
        ({"timeout": float("nan")}, {}, f"{AUDIT} timeout = nan"),
        ({"timeout": True}, {}, f"{AUDIT} timeout = True"),
        ({"timeout": [30]}, {}, f"{AUDIT} timeout = [30]"),
    ],
    ids=["ttl-inf", "ttl-env-nan", "timeout-nan", "timeout-bool", "timeout-array"],
)
def test_every_audit_number_is_finite_and_a_number(
    tmp_path: Path, table: dict[str, object], environ: dict[str, str], shown: str
) -> None:
    assert _audit_error(table, tmp_path, environ) == f"{shown} must be a non-negative number{NUMBER_HINT}"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"compiler": ["uv"]},
            (
                "pyproject.toml: [tool.nox_support] compiler must be a string, not an array\n"
                '  hint: for example compiler = "pip-tools"'
            ),
        ),
        (
            {"compiler": {"name": "uv"}},
            (
                "pyproject.toml: [tool.nox_support] compiler must be a string, not a table\n"
                '  hint: for example compiler = "pip-tools"'
            ),
        ),
        (
            {"service_names": ["path"]},
            (
                "pyproject.toml: [tool.nox_support] service_names must be a string, not an array\n"
                '  hint: use "directory" or "path"'
            ),
        ),
        (
            {"constraints": 3},
            (
                "pyproject.toml: [tool.nox_support] constraints must be a list of strings, not an integer\n"
                '  hint: for example constraints = ["..."]'
            ),
        ),
    ],
    ids=["compiler-array", "compiler-table", "service-names-array", "constraints-int"],
)
def test_a_core_setting_of_the_wrong_type_names_key_and_type(table: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(table)
    assert str(info.value) == expected


def test_a_licence_setting_of_the_wrong_type_is_a_message() -> None:
    with pytest.raises(ConfigError) as info:
        parse_license_settings({"unknown": ["fail"]})
    assert str(info.value).startswith(
        "pyproject.toml [tool.nox_support.licenses] unknown = ['fail'] must be 'fail' or 'allow'"
    )


def test_the_noxfile_import_stops_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = monorepo(tmp_path, {"orders": "alpha\n"}, pyproject='[tool.nox_support]\ncompiler = ["uv"]\n')
    with pytest.raises(SystemExit):
        sessions.service_names(root)
    assert capsys.readouterr().err == (
        f"nox-support: {root.resolve() / 'pyproject.toml'}: [tool.nox_support] compiler must be a string, "
        'not an array\n  hint: for example compiler = "pip-tools"\n'
    )


@pytest.mark.slow
def test_nox_list_prints_one_message_and_no_traceback(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"orders": "alpha\n"}, pyproject='[tool.nox_support]\ncompiler = ["uv"]\n')
    result = run_nox(root, "-l", timeout=120)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        f"nox-support: {root.resolve() / 'pyproject.toml'}: [tool.nox_support] compiler must be a string, "
        "not an array\n"
    ) in result.stderr
