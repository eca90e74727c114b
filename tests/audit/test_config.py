from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nox_support.audit.config import (
    DEFAULT_OSV_URL,
    ExpiresOn,
    UntilFixed,
    load_audit_settings,
    parse_audit_settings,
)
from nox_support.core.errors import ConfigError

ROOT = Path("/repo")
CWD = Path("/work")


def parse(table: dict[str, object], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse_audit_settings(table, root=ROOT, environ=env or {}, cwd=CWD)


def test_defaults_are_pypi_with_pip_audit_and_a_day_of_cache() -> None:
    settings = parse({})
    assert settings.source == "pypi"
    assert settings.scanners == ("pip-audit",)
    assert settings.cache_ttl_seconds == 24 * 3600
    assert settings.osv_url == DEFAULT_OSV_URL


def test_unknown_keys_are_refused_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="unknown key 'sorce'") as info:
        parse({"sorce": "osv"})
    assert info.value.hint == "did you mean 'source'?"
    with pytest.raises(ConfigError, match="unknown key 'reson'"):
        parse({"ignore": [{"id": "X", "package": "a", "reson": "r", "expires": "until-fixed"}]})


def test_environment_wins_and_implies_the_source() -> None:
    assert parse({"source": "osv"}, {"NOX_SUPPORT_OSV_DB": "db"}).source == "offline"
    settings = parse({}, {"NOX_SUPPORT_OSV_DB": "../db"})
    assert settings.osv_db == Path("/db")  # relative to the working directory
    assert parse({"osv_db": "db"}).osv_db == Path("/repo/db")
    assert parse({}, {"NOX_SUPPORT_OSV_URL": "http://mirror/v1/query"}).source == "osv"
    explicit = parse({"osv_db": "db"}, {"NOX_SUPPORT_AUDIT_SOURCE": "pypi", "NOX_SUPPORT_OSV_DB": "x"})
    assert (explicit.source, explicit.source_origin) == ("pypi", "NOX_SUPPORT_AUDIT_SOURCE")


def test_offline_without_a_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no offline OSV database"):
        parse({"source": "offline"})
    with pytest.raises(ConfigError, match="not an audit source"):
        parse({}, {"NOX_SUPPORT_AUDIT_SOURCE": "pipy"})


def test_scanners_validation() -> None:
    assert parse({"scanners": ["pip-audit", "safety"]}).scanners == ("pip-audit", "safety")
    assert parse({}, {"NOX_SUPPORT_AUDIT_SCANNERS": "pip-audit,safety"}).scanners == ("pip-audit", "safety")
    with pytest.raises(ConfigError, match="unknown scanner 'safty'"):
        parse({"scanners": ["pip-audit", "safty"]})
    with pytest.raises(ConfigError, match="cannot be disabled"):
        parse({"scanners": ["safety"]})


def test_ignores_need_every_field_and_a_valid_expiry() -> None:
    base = {"id": "PYSEC-1", "package": "Alpha_Pkg", "reason": "accepted", "expires": dt.date(2025, 1, 2)}
    (ignore,) = parse({"ignore": [base]}).ignores
    assert ignore.package == "alpha-pkg"
    assert ignore.expiry == ExpiresOn(dt.date(2025, 1, 2))
    assert ignore.origin.endswith("ignore[1]")
    assert parse({"ignore": [{**base, "expires": "until-fixed"}]}).ignores[0].expiry == UntilFixed()
    assert parse({"ignore": [{**base, "expires": "2025-01-02"}]}).ignores[0].expiry == ExpiresOn(
        dt.date(2025, 1, 2)
    )
    for key in ("id", "package", "reason", "expires"):
        with pytest.raises(ConfigError, match=f"'{key}' is required"):
            parse({"ignore": [{k: v for k, v in base.items() if k != key}]})
    with pytest.raises(ConfigError, match="neither a date nor 'until-fixed'"):
        parse({"ignore": [{**base, "expires": "never"}]})
    with pytest.raises(ConfigError, match="non-empty string"):
        parse({"ignore": [{**base, "reason": " "}]})


def test_ignore_file_adds_ignores(tmp_path: Path) -> None:
    (tmp_path / "ignores.toml").write_text(
        '[[ignore]]\nid = "PYSEC-2"\npackage = "beta"\nreason = "r"\n'
        'expires = "until-fixed"\nservices = ["a"]\n',
        encoding="utf-8",
    )
    settings = load_audit_settings({"ignore_file": "ignores.toml"}, root=tmp_path, environ={}, cwd=tmp_path)
    assert [(i.id, i.services) for i in settings.ignores] == [("PYSEC-2", ("a",))]
    with pytest.raises(ConfigError, match="does not exist"):
        load_audit_settings({"ignore_file": "nope.toml"}, root=tmp_path, environ={}, cwd=tmp_path)
