"""Licence detection, normalisation, policy and config: pure, no venv."""

from __future__ import annotations

import datetime as dt

import pytest

from nox_support.core.errors import ConfigError
from nox_support.licenses.config import LicenseSettings, parse_license_settings
from nox_support.licenses.policy import (
    Compliant,
    Excepted,
    PackageLicense,
    UnknownAccepted,
    Violation,
    evaluate,
    offending,
)
from nox_support.licenses.spdx import Declared, Unknown, detect, normalise
from nox_support.venv.sitemeta import DistMetadata, parse_metadata

TODAY = dt.date(2025, 3, 1)


def meta(
    *, expression: str | None = None, license_text: str | None = None, classifiers: tuple[str, ...] = ()
) -> DistMetadata:
    return DistMetadata("pkg", "1.0", expression, license_text, classifiers, ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mit", "MIT"),
        ("MIT License", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("mit and bsd-3-clause", "MIT AND BSD-3-Clause"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
        ("LicenseRef-Proprietary", "LicenseRef-Proprietary"),
        ("BSD", None),
        ("Foo bar licence", None),
        ("", None),
        ("MIT " * 100, None),
    ],
)
def test_normalise_common_spellings_to_spdx(text: str, expected: str | None) -> None:
    assert normalise(text) == expected


def test_license_expression_wins_over_license_and_classifiers() -> None:
    detected = detect(
        meta(
            expression="mit",
            license_text="Apache 2.0",
            classifiers=("License :: OSI Approved :: GNU General Public License v3 (GPLv3)",),
        )
    )
    assert detected == Declared("MIT", "License-Expression", "mit")


def test_license_field_then_classifiers() -> None:
    assert detect(meta(license_text="Apache 2.0")) == Declared("Apache-2.0", "License", "Apache 2.0")
    classifier = "License :: OSI Approved :: MIT License"
    assert detect(meta(license_text="see LICENSE", classifiers=(classifier,))) == Declared(
        "MIT", "classifiers", classifier
    )


def test_a_full_licence_text_in_license_is_not_an_identifier() -> None:
    text = "Permission is hereby granted, free of charge, to any person obtaining a copy " * 5
    detected = detect(meta(license_text=text, classifiers=("License :: OSI Approved :: MIT License",)))
    assert detected == Declared("MIT", "classifiers", "License :: OSI Approved :: MIT License")


def test_ambiguous_classifier_is_unknown_not_guessed() -> None:
    detected = detect(meta(license_text="BSD", classifiers=("License :: OSI Approved :: BSD License",)))
    assert detected == Unknown("BSD", "the declared licence is not an SPDX identifier")


def test_nothing_declared_is_unknown() -> None:
    assert detect(meta()) == Unknown(None, "no License-Expression, License or licence classifier")
    assert detect(meta(license_text="UNKNOWN")) == Unknown(
        "UNKNOWN", "the declared licence is not an SPDX identifier"
    )


def test_invalid_license_expression_is_unknown_even_with_classifiers() -> None:
    detected = detect(meta(expression="MIT-ish", classifiers=("License :: OSI Approved :: MIT License",)))
    assert detected == Unknown("MIT-ish", "License-Expression is not a valid SPDX expression")


def test_two_licence_classifiers_mean_either() -> None:
    detected = detect(
        meta(
            classifiers=(
                "License :: OSI Approved :: MIT License",
                "License :: OSI Approved :: Apache Software License",
            )
        )
    )
    assert isinstance(detected, Declared)
    assert detected.expression == "Apache-2.0 OR MIT"


def test_parse_metadata_reads_the_licence_fields() -> None:
    text = (
        "Metadata-Version: 2.4\nName: Foo_Bar\nVersion: 1.0\nLicense-Expression: MIT\n"
        "License: Apache 2.0\nClassifier: License :: OSI Approved :: MIT License\n"
        "Classifier: Programming Language :: Python\nRequires-Dist: idna>=2\n\nlong description\n"
    )
    parsed = parse_metadata(text, where="METADATA")
    assert parsed == DistMetadata(
        "foo-bar",
        "1.0",
        "MIT",
        "Apache 2.0",
        ("License :: OSI Approved :: MIT License", "Programming Language :: Python"),
        ("idna>=2",),
    )


# ---------------------------------------------------------------------------
# Policy


def settings(**table: object) -> LicenseSettings:
    return parse_license_settings(dict(table))


def package(name: str, expression: str | None, *, raw: str | None = None) -> PackageLicense:
    detected = (
        Declared(expression, "License-Expression", expression)
        if expression
        else Unknown(raw, "no License-Expression, License or licence classifier")
    )
    return PackageLicense(name, "1.0", detected)


@pytest.mark.parametrize(
    ("expression", "deny", "allow", "bad"),
    [
        ("MIT", ["GPL-3.0-only"], None, ()),
        ("GPL-3.0-only", ["GPL-3.0"], None, ("GPL-3.0-only",)),
        ("MIT OR GPL-3.0-only", ["GPL-3.0-only"], None, ()),
        ("MIT AND GPL-3.0-only", ["GPL-3.0-only"], None, ("GPL-3.0-only",)),
        ("Apache-2.0", [], ["MIT", "BSD-3-Clause"], ("Apache-2.0",)),
        ("Apache-2.0 OR MIT", [], ["MIT"], ()),
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            ["GPL-2.0-only"],
            None,
            ("GPL-2.0-only WITH Classpath-exception-2.0",),
        ),
        ("GPL-2.0-only WITH Classpath-exception-2.0", [], ["GPL-2.0-only"], ()),
        ("mit", ["MIT"], None, ("MIT",)),
    ],
)
def test_expressions_against_deny_and_allow(
    expression: str, deny: list[str], allow: list[str] | None, bad: tuple[str, ...]
) -> None:
    table: dict[str, object] = {"deny": deny}
    if allow is not None:
        table["allow"] = allow
    assert offending(normalise(expression) or expression, settings(**table)) == bad


def test_violation_names_the_denied_and_unlisted_licences() -> None:
    policy = settings(deny=["GPL-3.0-only"], allow=["MIT"])
    result = evaluate(
        "shop", (package("gplpkg", "GPL-3.0-only AND Apache-2.0"), package("ok", "MIT")), policy, today=TODAY
    )
    assert result.assessments == (
        Violation(
            package("gplpkg", "GPL-3.0-only AND Apache-2.0"),
            "denied: GPL-3.0-only; not in the allow list: Apache-2.0",
        ),
        Compliant(package("ok", "MIT")),
    )


def test_unknown_is_reported_by_default_and_fails_when_the_policy_says_so() -> None:
    unknown = package("mystery", None, raw="BSD")
    failing = evaluate("shop", (unknown,), settings(unknown="fail"), today=TODAY)
    assert failing.assessments == (
        Violation(
            unknown,
            "licence unknown (no License-Expression, License or licence classifier) "
            "and the policy fails unknown licences",
        ),
    )
    accepted = evaluate("shop", (unknown,), settings(), today=TODAY)
    assert accepted.assessments == (UnknownAccepted(unknown),)


def test_exception_needs_a_reason_and_applies_only_to_its_package_service_and_licence() -> None:
    policy = settings(
        deny=["GPL-3.0-only"],
        exception=[
            {"package": "GPLPkg", "reason": "internal tool only", "license": "GPL-3.0", "services": ["shop"]},
            {"package": "never-installed", "reason": "left over"},
        ],
    )
    gpl = package("gplpkg", "GPL-3.0-only")
    in_shop = evaluate("shop", (gpl,), policy, today=TODAY)
    assert isinstance(in_shop.assessments[0], Excepted)
    assert in_shop.assessments[0].exception.reason == "internal tool only"
    assert [e.package for e in in_shop.unused_exceptions] == ["never-installed"]
    elsewhere = evaluate("billing", (gpl,), policy, today=TODAY)
    assert isinstance(elsewhere.assessments[0], Violation)
    relicensed = evaluate("shop", (package("gplpkg", "AGPL-3.0-only"),), policy, today=TODAY)
    assert not isinstance(relicensed.assessments[0], Excepted)


WHERE = "pyproject.toml [tool.nox_support.licenses]"
NO_REASON = (
    f"{WHERE} exception[1]: 'reason' is required (a non-empty string)\n"
    '  hint: add reason = "why it is accepted"'
)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"exception": [{"package": "x"}]}, NO_REASON),
        ({"exception": [{"package": "x", "reason": "  "}]}, NO_REASON),
        (
            {"deny": ["GPLv9000"]},
            (
                f"{WHERE} deny: 'GPLv9000' is not an SPDX identifier\n"
                "  hint: use an identifier from https://spdx.org/licenses/"
            ),
        ),
        (
            {"deny": ["MIT OR GPL-3.0-only"]},
            (
                f"{WHERE} deny: 'MIT OR GPL-3.0-only' combines licences; list each identifier on its own\n"
                "  hint: for example deny = ['MIT', 'GPL-3.0-only']"
            ),
        ),
        ({"denny": []}, f"{WHERE}: unknown key 'denny'\n  hint: did you mean 'deny'?"),
        (
            {"unknown": "warn"},
            (
                f"{WHERE} unknown = 'warn' must be 'fail' or 'allow'\n"
                '  hint: unknown = "fail" fails a package whose licence cannot be determined'
            ),
        ),
    ],
)
def test_config_errors_say_what_and_how(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_license_settings(table)
    assert str(info.value) == message


def test_defaults() -> None:
    # No configuration, no failure: unknown licences are reported, denials need a policy.
    assert parse_license_settings({}) == LicenseSettings(deny=(), allow=None, unknown="allow", exceptions=())


def test_an_expired_exception_no_longer_applies_and_is_reported() -> None:
    policy = settings(
        deny=["GPL-3.0-only"],
        exception=[{"package": "gplpkg", "reason": "until we replace it", "expires": dt.date(2025, 2, 28)}],
    )
    gpl = package("gplpkg", "GPL-3.0-only")
    last_day = evaluate("shop", (gpl,), policy, today=dt.date(2025, 2, 28))
    assert isinstance(last_day.assessments[0], Excepted)
    assert last_day.expired_exceptions == ()
    after = evaluate("shop", (gpl,), policy, today=TODAY)
    assert after.assessments == (Violation(gpl, "denied: GPL-3.0-only"),)
    assert [e.origin for e in after.expired_exceptions] == [
        "pyproject.toml [tool.nox_support.licenses] exception[1]"
    ]
    assert after.unused_exceptions == ()


def test_expires_must_be_a_date() -> None:
    with pytest.raises(ConfigError) as info:
        parse_license_settings({"exception": [{"package": "x", "reason": "r", "expires": "soon"}]})
    assert str(info.value) == (
        "pyproject.toml [tool.nox_support.licenses] exception[1]: expires = 'soon' is not a date\n"
        "  hint: write expires = 2026-06-30, or leave it out for no end"
    )
    parsed = parse_license_settings({"exception": [{"package": "x", "reason": "r", "expires": "2026-06-30"}]})
    assert parsed.exceptions[0].expires == dt.date(2026, 6, 30)
