from __future__ import annotations

import pytest

from nox_support.audit import osv
from tests.audit.conftest import osv_record


def record(**kwargs: object) -> osv.Record:
    return osv.parse_record(osv_record("TEST-1", "Alpha_Pkg", **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "affected"),
    [("0.9", True), ("1.0", True), ("1.4.9", True), ("1.5", False), ("2.0", False)],
)
def test_introduced_fixed(version: str, *, affected: bool) -> None:
    result = osv.match(record(fixed="1.5"), "alpha-pkg", version)
    assert isinstance(result, osv.Match) is affected


@pytest.mark.parametrize(
    ("version", "affected"), [("1.0", False), ("1.2", True), ("1.3", True), ("1.3.1", False)]
)
def test_introduced_last_affected(version: str, *, affected: bool) -> None:
    result = osv.match(record(introduced="1.2", last_affected="1.3"), "alpha-pkg", version)
    assert isinstance(result, osv.Match) is affected


def test_several_ranges_and_reintroduction() -> None:
    data = osv_record("TEST-2", "alpha")
    data["affected"][0]["ranges"] = [
        {
            "type": "ECOSYSTEM",
            "events": [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.3"}],
        }
    ]
    rec = osv.parse_record(data)
    verdicts = {
        v: isinstance(osv.match(rec, "alpha", v), osv.Match) for v in ("0.5", "1.0", "1.7", "2.1", "2.3")
    }
    assert verdicts == {"0.5": False, "1.0": True, "1.7": False, "2.1": True, "2.3": False}
    match = osv.match(rec, "alpha", "2.1")
    assert isinstance(match, osv.Match)
    assert match.fixed == ("1.5", "2.3")


def test_explicit_versions_match_without_ranges_and_by_pep440_equality() -> None:
    data = osv_record("TEST-3", "alpha")
    data["affected"][0]["ranges"] = [{"type": "GIT", "repo": "x", "events": [{"introduced": "0"}]}]
    data["affected"][0]["versions"] = ["1.10", "2.0.0"]
    rec = osv.parse_record(data)
    assert isinstance(osv.match(rec, "alpha", "1.10"), osv.Match)
    assert isinstance(osv.match(rec, "alpha", "2.0"), osv.Match)
    assert osv.match(rec, "alpha", "1.1") is None


def test_withdrawn_records_never_match() -> None:
    assert osv.match(record(fixed="9", withdrawn="2024-01-01T00:00:00Z"), "alpha-pkg", "1.0") is None


def test_other_packages_and_ecosystems_do_not_match() -> None:
    data = osv_record("TEST-4", "alpha", fixed="2")
    data["affected"].append({"package": {"ecosystem": "npm", "name": "beta"}, "ranges": []})
    rec = osv.parse_record(data)
    assert osv.match(rec, "beta", "1.0") is None
    assert rec.packages() == frozenset({"alpha"})


def test_unevaluable_range_is_indeterminate_not_clean() -> None:
    data = osv_record("TEST-5", "alpha", fixed="not a version!")
    result = osv.match(osv.parse_record(data), "alpha", "1.0")
    assert isinstance(result, osv.Indeterminate)
    assert "PEP 440" in result.reason


def test_installed_version_outside_pep440_is_indeterminate() -> None:
    assert isinstance(osv.match(record(fixed="2"), "alpha-pkg", "1.0-custom-build!x"), osv.Indeterminate)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"affected": []},
        {"id": "X", "affected": {}},
        {
            "id": "X",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [{"type": "ECOSYSTEM"}]}],
        },
        {
            "id": "X",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "a"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}],
                }
            ],
        },
    ],
)
def test_malformed_records_are_rejected(data: object) -> None:
    with pytest.raises(osv.RecordError):
        osv.parse_record(data)


def test_served_record_folds_ranges_under_the_canonical_name_for_pip_audit() -> None:
    data = osv_record("TEST-6", "Alpha_Pkg", fixed="1.5", aliases=("CVE-1",))
    data["affected"].append(
        {
            "package": {"ecosystem": "PyPI", "name": "alpha.pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2"}, {"fixed": "2.1"}]}],
        }
    )
    served = osv.served_record(osv.parse_record(data), "ALPHA-pkg")
    assert served["id"] == "TEST-6"
    assert served["aliases"] == ["CVE-1"]
    (affected,) = served["affected"]
    assert affected["package"] == {"ecosystem": "PyPI", "name": "alpha-pkg"}
    fixed = [e["fixed"] for r in affected["ranges"] for e in r["events"] if "fixed" in e]
    assert fixed == ["1.5", "2.1"]


def test_json_round_trip_is_lossless() -> None:
    rec = record(fixed="1.5", versions=("1.0",), aliases=("CVE-2",))
    assert osv.record_from_json(osv.record_to_json(rec)) == rec
