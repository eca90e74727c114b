"""Licence report rendering and the SBOM document: pure, hostile inputs included."""

from __future__ import annotations

import datetime as dt
import json

from nox_support.core.markdown import escape
from nox_support.licenses.config import parse_license_settings
from nox_support.licenses.policy import PackageLicense, evaluate
from nox_support.licenses.report import LicenseReport, build_report, render_markdown
from nox_support.licenses.spdx import Declared, Unknown
from nox_support.sbom.build import SbomInput, SbomPackage, build_document, edges, serial_number
from tests.supply.cyclonedx_schema import schema_errors


def report_for(*packages: PackageLicense, **policy: object) -> LicenseReport:
    result = evaluate("shop", packages, parse_license_settings(dict(policy)), today=dt.date(2025, 1, 1))
    return build_report("shop", "services/shop/requirements.txt", "ab" * 32, result)


def test_markdown_escapes_html_links_and_table_breaks_from_metadata() -> None:
    hostile = "<img src=x onerror=alert(1)> | [click](javascript:alert(1)) **bold** `code`\nnew line"
    report = report_for(PackageLicense("evil", "1.0", Unknown(hostile, "not SPDX")), unknown="allow")
    markdown = render_markdown((report,), ())
    row = next(line for line in markdown.splitlines() if line.startswith("| evil"))
    assert row == (
        "| evil | 1.0 | unknown (&lt;img src=x onerror=alert(1)&gt; \\| \\[click\\](javascript:alert(1)) "
        "\\*\\*bold\\*\\* \\`code\\` new line) | unknown | not SPDX |"
    )
    assert "<img" not in markdown
    assert row.count(" | ") == 4  # the cell did not split the table row


def test_escape_is_idempotent_for_plain_identifiers() -> None:
    assert escape("Apache-2.0 OR MIT") == "Apache-2.0 OR MIT"
    assert escape("a & b") == "a &amp; b"


def test_credentials_in_a_license_field_never_reach_the_reports() -> None:
    declared = "see https://deploy:s3cr3t-token@git.example.com/acme/LICENSE"
    report = report_for(PackageLicense("leaky", "1.0", Unknown(declared, "not SPDX")), unknown="allow")
    text = report.to_json() + render_markdown((report,), ())
    assert "s3cr3t-token" not in text
    assert "deploy:" not in text
    assert report.rows[0].declared is not None
    assert "git.example.com/acme/LICENSE" in report.rows[0].declared


def test_json_report_round_trips_and_has_no_timestamp() -> None:
    report = report_for(
        PackageLicense("a", "1.0", Declared("MIT", "License", "MIT License")),
        PackageLicense("b", "2.0", Declared("GPL-3.0-only", "classifiers", "GPLv3"), "../../libs/b"),
        deny=["GPL-3.0-only"],
    )
    assert LicenseReport.from_json(report.to_json()) == report
    data = json.loads(report.to_json())
    assert data["status"] == "violations"
    assert [p["status"] for p in data["packages"]] == ["compliant", "violation"]
    assert data["packages"][1]["local_path"] == "../../libs/b"
    assert report.summary_line() == "shop: 1 violation (2 packages, 0 unknown, 0 excepted)"


# ---------------------------------------------------------------------------
# SBOM document


def sbom_input(**changes: object) -> SbomInput:
    base = SbomInput(
        service="shop",
        lock="services/shop/requirements.txt",
        lock_sha256="cd" * 32,
        python_version="3.11.7",
        direct=("mitpkg", "acme-common"),
        packages=(
            SbomPackage("mitpkg", "1.0", ("aa" * 32,), ("apachepkg>=1",), "MIT"),
            SbomPackage("apachepkg", "2.0", ("bb" * 32, "cc" * 32), (), "Apache-2.0"),
            SbomPackage("acme-common", "0.3.0", (), ("mitpkg",), None, "../../libs/common"),
        ),
        serial=serial_number("shop", "key-1"),
        timestamp=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        tool_version="0.1.0",
    )
    return SbomInput(**{**base.__dict__, **changes})


def test_document_validates_against_cyclonedx_1_6_and_describes_the_service() -> None:
    document = build_document(sbom_input())
    assert schema_errors(document) is None
    data = json.loads(document)
    assert data["specVersion"] == "1.6"
    assert data["metadata"]["component"]["bom-ref"] == "service:shop"
    assert data["metadata"]["timestamp"] == "2024-01-02T03:04:05+00:00"
    components = {c["name"]: c for c in data["components"]}
    assert components["apachepkg"]["purl"] == "pkg:pypi/apachepkg@2.0"
    assert sorted(h["content"] for h in components["apachepkg"]["hashes"]) == ["bb" * 32, "cc" * 32]
    assert components["mitpkg"]["licenses"] == [{"expression": "MIT"}]
    local = components["acme-common"]
    assert "purl" not in local
    assert "hashes" not in local
    assert local["properties"] == [{"name": "nox-support:local-path", "value": "../../libs/common"}]
    graph = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}
    assert graph == {
        "service:shop": ["local:acme-common@0.3.0", "pkg:pypi/mitpkg@1.0"],
        "local:acme-common@0.3.0": ["pkg:pypi/mitpkg@1.0"],
        "pkg:pypi/mitpkg@1.0": ["pkg:pypi/apachepkg@2.0"],
        "pkg:pypi/apachepkg@2.0": [],
    }


def test_same_input_same_bytes_and_serial_follows_the_key() -> None:
    assert build_document(sbom_input()) == build_document(sbom_input())
    assert serial_number("shop", "key-1") == serial_number("shop", "key-1")
    assert serial_number("shop", "key-1") != serial_number("shop", "key-2")
    assert serial_number("shop", "key-1") != serial_number("billing", "key-1")


def test_edges_follow_markers_for_the_venv_python_and_skip_extras() -> None:
    requires = ('mitpkg; python_version < "3"', 'bsdpkg; extra == "bsd"', "apachepkg>=1", "absent")
    installed = frozenset({"mitpkg", "bsdpkg", "apachepkg"})
    assert edges(requires, "3.11.7", installed) == ("apachepkg",)
    assert edges(('mitpkg; python_version < "3.12"',), "3.11.7", installed) == ("mitpkg",)
    assert edges(('mitpkg; python_version < "3.12"',), "3.12.1", installed) == ()
