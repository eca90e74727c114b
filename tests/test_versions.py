"""Version strings that may not be PEP 440 versions."""

from __future__ import annotations

from packaging.version import Version

from nox_support.core.versions import parse_version, same_version, version_sort_key


def test_parse_version_returns_none_for_a_legacy_string() -> None:
    assert parse_version("1.0.post1") == Version("1.0.post1")
    assert parse_version("2004d") is None


def test_version_sort_key_orders_by_version_then_legacy_strings_by_text() -> None:
    versions = ["1.10", "zzz", "1.9", "2004d", "1.9.1"]
    assert sorted(versions, key=version_sort_key) == ["1.9", "1.9.1", "1.10", "2004d", "zzz"]


def test_same_version_normalises_pep440_and_compares_legacy_strings_exactly() -> None:
    assert same_version("1.0", "1.0.0")
    assert same_version("1.0RC1", "1.0rc1")
    assert not same_version("1.0", "1.1")
    assert same_version("2004d", "2004d")
    assert not same_version("2004d", "2004D")
    assert not same_version("1.0", "2004d")
