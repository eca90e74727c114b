"""A bad ``[tool.nox_support.audit]`` table or ignore file: one error naming the key, and how to fix it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nox_support.audit.config import ExpiresOn, UntilFixed, load_audit_settings, parse_audit_settings
from nox_support.core.errors import ConfigError
from nox_support.core.repofiles import RepoFileError
from tests.repos import write

WHERE = "pyproject.toml [tool.nox_support.audit]"
IGNORE = {"id": "PYSEC-2024-1", "package": "Alpha_Pkg", "reason": "not reachable", "expires": "until-fixed"}

BAD_TABLES: dict[str, tuple[dict[str, object], str]] = {
    "ignore not an array": (
        {"ignore": "PYSEC-2024-1"},
        f"{WHERE}: ignore must be an array of tables ([[...ignore]])",
    ),
    "ignore entry not a table": ({"ignore": ["PYSEC-2024-1"]}, f"{WHERE} ignore[1] must be a table"),
    "services not a list": (
        {"ignore": [IGNORE, {**IGNORE, "services": "api"}]},
        f"{WHERE} ignore[2]: 'services' must be a list of service names",
    ),
    "blank reason": (
        {"ignore": [{**IGNORE, "reason": " "}]},
        f"{WHERE} ignore[1]: 'reason' must be a non-empty string",
    ),
    "expires not a date": (
        {"ignore": [{**IGNORE, "expires": "soon"}]},
        (
            f"{WHERE} ignore[1]: expires = 'soon' is neither a date nor 'until-fixed'\n"
            '  hint: write expires = 2025-06-30 or expires = "until-fixed"'
        ),
    ),
    "scanners not a list": (
        {"scanners": "pip-audit"},
        f"{WHERE} scanners must be a non-empty list of scanner names\n  hint: for example 'pip-audit'",
    ),
    "unknown scanner with nothing close": (
        {"scanners": ["pip-audit", "bandit"]},
        f"{WHERE} scanners: unknown scanner 'bandit'\n  hint: use pip-audit, safety",
    ),
    "empty osv_url": ({"osv_url": ""}, f"{WHERE} osv_url must be a non-empty string"),
    "negative timeout": (
        {"timeout": -1},
        (
            f"{WHERE} timeout = -1 must be a non-negative number\n"
            "  hint: write a finite number such as 14 (not nan or inf); leave it out for its default"
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_a_bad_audit_table_is_one_error_naming_the_key(case: str) -> None:
    table, message = BAD_TABLES[case]
    with pytest.raises(ConfigError) as info:
        parse_audit_settings(table, root=Path("/repo"), environ={}, cwd=Path("/work"))
    assert str(info.value) == message


def test_an_expiry_may_be_a_toml_date_time_a_date_or_an_iso_string() -> None:
    table = {
        "ignore": [
            {**IGNORE, "expires": dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.timezone.utc)},
            {**IGNORE, "expires": dt.date(2025, 6, 30)},
            {**IGNORE, "expires": "2025-06-30"},
            IGNORE,
        ]
    }
    settings = parse_audit_settings(table, root=Path("/repo"), environ={}, cwd=Path("/work"))
    assert [i.expiry for i in settings.ignores] == [ExpiresOn(dt.date(2025, 6, 30))] * 3 + [UntilFixed()]
    assert {i.package for i in settings.ignores} == {"alpha-pkg"}  # the canonical name


def _load(root: Path, ignore_file: object) -> object:
    return load_audit_settings(
        {"ignore_file": ignore_file, "ignore": [IGNORE]}, root=root, environ={}, cwd=root
    )


def test_the_ignore_file_adds_its_ignores_after_the_tables(tmp_path: Path) -> None:
    write(
        tmp_path / "audit-ignores.toml",
        '[[ignore]]\nid = "GHSA-xxxx"\npackage = "beta"\nreason = "dev only"\nexpires = 2099-01-01\n'
        'services = ["api"]\n',
    )
    settings = load_audit_settings(
        {"ignore_file": "audit-ignores.toml", "ignore": [IGNORE]}, root=tmp_path, environ={}, cwd=tmp_path
    )
    assert [(i.id, i.services, i.origin) for i in settings.ignores] == [
        ("PYSEC-2024-1", (), f"{WHERE} ignore[1]"),
        ("GHSA-xxxx", ("api",), "audit-ignores.toml ignore[1]"),
    ]


def test_an_ignore_file_that_is_not_a_string_missing_or_unreadable_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, 3)
    assert str(info.value) == f"{WHERE} ignore_file must be a path string"

    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "missing.toml")
    assert str(info.value) == (
        f"{WHERE} ignore_file = 'missing.toml' does not exist\n  hint: create the file or remove ignore_file"
    )

    write(tmp_path / "broken.toml", "[[ignore]\n")
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "broken.toml")
    assert str(info.value).startswith("broken.toml: cannot read: Expected ']]'")
    assert info.value.hint == "it must be TOML with [[ignore]] tables"

    (tmp_path / "a-directory").mkdir()
    with pytest.raises(RepoFileError) as refused:
        _load(tmp_path, "a-directory")
    assert str(refused.value) == (
        "a-directory is a directory, not a regular file\n  hint: replace a-directory with a regular file"
    )
