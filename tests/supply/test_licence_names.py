"""Licences people recognise: the free-text and classifier forms real packages declare, as SPDX ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nox_support.licenses.config import parse_license_settings
from nox_support.licenses.files import detect_installed, licence_files
from nox_support.licenses.policy import PackageLicense, Violation, evaluate, offending
from nox_support.licenses.report import build_report
from nox_support.licenses.spdx import (
    ALIASES,
    Declared,
    LicenceFile,
    Unknown,
    detect,
    from_licence_text,
    library_key,
    normalise,
)
from nox_support.venv.sitemeta import DistMetadata
from tests.supply.conftest import PALLETS_LICENSE

BSD_CLASSIFIER = "License :: OSI Approved :: BSD License"
BSD_2_CLAUSE = (
    PALLETS_LICENSE.split("3.  Neither")[0] + "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS\n"
)
MIT_TEXT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    'of this software and associated documentation files (the "Software"), ...'
)


def meta(
    *, license_field: str | None = None, classifiers: tuple[str, ...] = (), files: tuple[str, ...] = ()
) -> DistMetadata:
    return DistMetadata("pkg", "1.0", None, license_field, classifiers, (), files)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        # Exactly as real packages write them in License (PyPI metadata).
        ("BSD 3-Clause License", "BSD-3-Clause"),
        ("3-Clause BSD License", "BSD-3-Clause"),
        ("BSD 2-Clause License", "BSD-2-Clause"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("Apache Software License 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("The MIT License", "MIT"),
        ("MIT license.", "MIT"),
        ("ISC License", "ISC"),
        ("MPL 2.0", "MPL-2.0"),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        ("new BSD License", "BSD-3-Clause"),
        ("PSF License", "PSF-2.0"),
        ("BSD License", None),  # which of three?
        ("BSD", None),
        ("MIT and Apache", None),
    ],
)
def test_free_text_licences_map_to_spdx_ids(declared: str, expected: str | None) -> None:
    assert normalise(declared) == expected


def test_the_library_reads_the_spellings_before_our_own_table() -> None:
    assert library_key("BSD 3-Clause License") == "BSD-3-Clause"
    assert library_key("3-Clause BSD License") == "BSD-3-Clause"
    assert library_key("Apache License, Version 2.0") == "Apache-2.0"
    # No entry of the table is something the library already knows.
    assert [alias for alias in ALIASES if library_key(alias)] == []


def test_the_bsd_classifier_with_a_bsd_3_clause_licence_file_is_bsd_3_clause() -> None:
    pallets = meta(classifiers=(BSD_CLASSIFIER,), files=("LICENSE.txt",))
    assert isinstance(detect(pallets), Unknown)  # the classifier alone cannot tell

    detected = detect(pallets, (LicenceFile("LICENSE.txt", PALLETS_LICENSE),))

    assert detected == Declared("BSD-3-Clause", "License-File", f"{BSD_CLASSIFIER} (LICENSE.txt)")


def test_licence_texts_are_told_apart_and_never_guessed() -> None:
    assert from_licence_text(PALLETS_LICENSE) == "BSD-3-Clause"
    assert from_licence_text(BSD_2_CLAUSE) == "BSD-2-Clause"
    assert from_licence_text(MIT_TEXT) == "MIT"
    assert from_licence_text(PALLETS_LICENSE + "\nAll advertising materials mentioning ...") is None
    assert from_licence_text(PALLETS_LICENSE + MIT_TEXT) is None  # two licences in one file
    assert from_licence_text("see the website") is None
    bsd = meta(license_field="BSD", classifiers=(BSD_CLASSIFIER,))
    assert detect(bsd, (LicenceFile("LICENSE", MIT_TEXT),)) == Unknown(
        "BSD", "the declared licence is not an SPDX identifier"
    )  # a file that contradicts the metadata settles nothing
    two = (LicenceFile("LICENSE", PALLETS_LICENSE), LicenceFile("COPYING", BSD_2_CLAUSE))
    assert isinstance(detect(bsd, two), Unknown)
    nothing = meta()
    assert detect(nothing, (LicenceFile("LICENSE", MIT_TEXT),)) == Declared("MIT", "License-File", "LICENSE")
    other = meta(license_field="Proprietary")  # says something else: the file is not asked
    assert isinstance(detect(other, (LicenceFile("LICENSE", MIT_TEXT),)), Unknown)


def test_a_whole_licence_text_in_license_is_recognised_when_the_classifiers_name_none() -> None:
    numpy_like = detect(meta(license_field=PALLETS_LICENSE, classifiers=(BSD_CLASSIFIER,)))
    assert isinstance(numpy_like, Declared)
    assert (numpy_like.expression, numpy_like.source) == ("BSD-3-Clause", "License")
    assert numpy_like.raw.startswith("Copyright 2007 Pallets Redistribution and use")
    assert len(numpy_like.raw) == 200  # shortened for the report
    mit = detect(meta(license_field=MIT_TEXT * 3))
    assert isinstance(mit, Declared)
    assert mit.expression == "MIT"
    # A BSD text under an MIT classifier: a classifier that names a licence comes first.
    mixed = detect(
        meta(license_field=PALLETS_LICENSE, classifiers=("License :: OSI Approved :: MIT License",))
    )
    assert isinstance(mixed, Declared)
    assert (mixed.expression, mixed.source) == ("MIT", "classifiers")
    other = detect(meta(license_field=PALLETS_LICENSE, classifiers=("License :: Other/Proprietary License",)))
    assert isinstance(other, Unknown)  # a classifier the text does not match: no guess


def test_licence_files_are_read_from_the_dist_info_only(tmp_path: Path) -> None:
    dist_info = tmp_path / "pkg-1.0.dist-info"
    (dist_info / "licenses").mkdir(parents=True)
    (dist_info / "licenses" / "LICENSE.txt").write_text(PALLETS_LICENSE, encoding="utf-8")
    (dist_info / "OLD-LICENSE").write_text(BSD_2_CLAUSE, encoding="utf-8")
    (tmp_path / "secret").write_text("Permission is hereby granted, free of charge, ...", encoding="utf-8")
    (dist_info / "LINKED").symlink_to(tmp_path / "secret")

    files = licence_files(dist_info, meta(files=("LICENSE.txt", "OLD-LICENSE", "../secret", "LINKED")))

    assert [f.name for f in files] == ["LICENSE.txt", "OLD-LICENSE"]
    pallets = meta(classifiers=(BSD_CLASSIFIER,), files=("LICENSE.txt",))
    assert detect_installed(dist_info, pallets).expression == "BSD-3-Clause"  # type: ignore[union-attr]
    # Without License-File, the usual names are looked for.
    (dist_info / "OLD-LICENSE").unlink()
    (dist_info / "LICENSE").write_text(BSD_2_CLAUSE, encoding="utf-8")
    assert detect_installed(dist_info, meta(license_field="BSD")).expression == "BSD-2-Clause"  # type: ignore[union-attr]


WITH_CLASSPATH = "GPL-2.0-only WITH Classpath-exception-2.0"


@pytest.mark.parametrize(
    ("table", "bad"),
    [
        # Denying the exact expression denies it (even though its base licence is not denied) ...
        ({"deny": [WITH_CLASSPATH]}, (WITH_CLASSPATH,)),
        ({"deny": ["GPL-2.0 WITH Classpath-exception-2.0"]}, (WITH_CLASSPATH,)),  # normalised alike
        # ... denying the base licence denies it too: an exception narrows a licence, it lifts no denial ...
        ({"deny": ["GPL-2.0-only"]}, (WITH_CLASSPATH,)),
        # ... unless the exact expression is allowed.
        ({"deny": ["GPL-2.0-only"], "allow": [WITH_CLASSPATH]}, ()),
        ({"deny": ["MIT"]}, ()),
        ({"allow": ["GPL-2.0-only"]}, ()),
        ({"allow": ["MIT"]}, (WITH_CLASSPATH,)),
    ],
)
def test_denying_an_expression_with_an_exception(table: dict[str, object], bad: tuple[str, ...]) -> None:
    assert offending(WITH_CLASSPATH, parse_license_settings(table)) == bad


def test_denying_the_exact_with_expression_leaves_the_plain_licence_alone() -> None:
    policy = parse_license_settings({"deny": [WITH_CLASSPATH]})
    assert offending("GPL-2.0-only", policy) == ()
    assert offending(f"MIT AND {WITH_CLASSPATH}", policy) == (WITH_CLASSPATH,)
    assert offending(f"MIT OR {WITH_CLASSPATH}", policy) == ()


def test_the_summary_counts_agree_with_the_list() -> None:
    unknown = (
        PackageLicense("a", "1.0", Unknown("BSD", "not SPDX")),
        PackageLicense("b", "1.0", Unknown(None, "nothing declared")),
        PackageLicense("c", "1.0", Declared("MIT", "License", "MIT License")),
    )
    today = dt.date(2026, 1, 1)
    failing = evaluate("shop", unknown, parse_license_settings({"unknown": "fail"}), today=today)
    assert [type(a) for a in failing.assessments] == [Violation, Violation, type(failing.assessments[2])]
    report = build_report("shop", "services/shop/requirements.txt", "ab" * 32, failing)
    assert report.summary_line() == "shop: 2 violations (3 packages, 2 unknown, 0 excepted)"
    passing = evaluate("shop", unknown, parse_license_settings({}), today=today)
    report = build_report("shop", "services/shop/requirements.txt", "ab" * 32, passing)
    assert report.summary_line() == "shop: compliant (3 packages, 2 unknown, 0 excepted)"
