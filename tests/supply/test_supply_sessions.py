"""``sbom(<service>)`` and ``licenses(<service>)`` on real venvs built from local wheels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.core.errors import NoxSupportError
from nox_support.core.outputs import OutputError
from nox_support.licenses.session import LicenseViolationError, run_licenses
from nox_support.project import Project
from nox_support.sbom.session import run_sbom
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from tests.audit.conftest import FakeSession
from tests.repos import write
from tests.supply.conftest import NoneSession, licensed_lock, restamp, supply_repo, wheel_sha256, write_lock
from tests.supply.cyclonedx_schema import schema_errors

POLICY = """
[tool.nox_support.licenses]
deny = ["GPL-3.0-only"]

[[tool.nox_support.licenses.exception]]
package = "acme-common"
reason = "our own library"
"""

SHOP = {"mitpkg": "1.0", "apachepkg": "2.0", "dualpkg": "1.0"}


@pytest.fixture
def repo(tmp_path: Path, licensed_index: Path) -> Path:
    return supply_repo(tmp_path / "repo", licensed_index, {"shop": SHOP}, pyproject=POLICY)


def venvs(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / ".nox").glob("*/pyvenv.cfg"))


def audit_venv(root: Path, service: str = "shop") -> str:
    """The name Nox gives audit(<service>)'s venv under *root*/.nox (hashed when the path is long)."""
    from nox.sessions import _normalize_path  # noqa: PLC0415 - Nox's own naming, as the session gets it

    return Path(_normalize_path(str(root / ".nox"), f"audit-{service}")).name


def sbom(root: Path, service: str = "shop") -> tuple[NoneSession, dict[str, object], str]:
    session = NoneSession(root, f"sbom-{service}")
    run_sbom(session.as_nox(), Project.load(root), service)
    text = (root / "reports" / "sbom" / f"{service}.cdx.json").read_text(encoding="utf-8")
    return session, json.loads(text), text


def licenses(root: Path, service: str = "shop") -> tuple[NoneSession, dict[str, object]]:
    session = NoneSession(root, f"licenses-{service}")
    try:
        run_licenses(session.as_nox(), Project.load(root), service)
    finally:
        path = root / "reports" / "licenses" / f"{service}.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return session, data


def test_sbom_reads_the_audit_venv_and_lists_every_locked_package(repo: Path, licensed_index: Path) -> None:
    session, data, text = sbom(repo)
    assert venvs(repo) == [audit_venv(repo)]
    assert schema_errors(text) is None
    components = {c["name"]: c for c in data["components"]}  # type: ignore[attr-defined]
    assert sorted(components) == ["acme-common", "apachepkg", "dualpkg", "mitpkg"]
    for name, version in SHOP.items():
        assert components[name]["version"] == version
        assert components[name]["purl"] == f"pkg:pypi/{name}@{version}"
        assert components[name]["hashes"] == [
            {"alg": "SHA-256", "content": wheel_sha256(licensed_index, name, version)}
        ]
    assert components["mitpkg"]["licenses"] == [{"expression": "MIT"}]
    assert components["apachepkg"]["licenses"] == [{"expression": "Apache-2.0"}]
    assert components["acme-common"]["properties"] == [
        {"name": "nox-support:local-path", "value": "../../libs/common"}
    ]
    graph = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}  # type: ignore[attr-defined]
    assert graph["service:shop"] == [
        "local:acme-common@0.3.0",
        "pkg:pypi/apachepkg@2.0",
        "pkg:pypi/dualpkg@1.0",
        "pkg:pypi/mitpkg@1.0",
    ]
    assert graph["pkg:pypi/mitpkg@1.0"] == ["pkg:pypi/apachepkg@2.0"]
    assert session.logs[-1] == "shop: SBOM with 4 components -> reports/sbom/shop.cdx.json"

    # The audit session then finds its venv synced: one venv per service.
    audit_session = FakeSession(repo / ".nox" / audit_venv(repo))
    service = Project.load(repo).service("shop")
    result = venv_sync.sync_venv(audit_session.as_nox(), service, (service.main.lock,), purpose="audit")
    assert isinstance(result, venv_values.AlreadySynced)


def test_sbom_is_cached_per_lock_and_identical_on_a_rerun(repo: Path, licensed_index: Path) -> None:
    _, first, first_text = sbom(repo)
    session, _, second_text = sbom(repo)
    assert second_text == first_text
    assert session.logs[-1].endswith("(cached: lock and venv unchanged)")

    pins = {**SHOP, "bsdpkg": "0.9"}
    write_lock(repo, "shop", licensed_lock(licensed_index, pins))
    session, third, _ = sbom(repo)
    assert not session.logs[-1].endswith("(cached: lock and venv unchanged)")
    assert third["serialNumber"] != first["serialNumber"]
    assert "bsdpkg" in {c["name"] for c in third["components"]}  # type: ignore[attr-defined]


def test_source_date_epoch_fixes_the_timestamp(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _, data, _ = sbom(repo)
    assert data["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"  # type: ignore[index]


def wrong_hash(lock: Path) -> None:
    """A wrong (but well-formed) hash for the first pin: the installer must refuse it."""
    lines = lock.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if "--hash=sha256:" in line)
    lines[first] = "    --hash=sha256:" + "0" * 64
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    restamp(lock.parents[2], lock.parent.name)  # a lock nox-support wrote: the installer decides


def test_a_hand_edited_lock_is_refused_before_any_sync(repo: Path) -> None:
    lock = repo / "services" / "shop" / "requirements.txt"
    lock.write_text(lock.read_text(encoding="utf-8").replace("2.0", "2.1"), encoding="utf-8")
    with pytest.raises(
        NoxSupportError, match=r"^unusable lock: shop: services/shop/requirements\.txt was edited"
    ):
        sbom(repo)
    assert venvs(repo) == []
    assert not (repo / "reports" / "sbom" / "shop.cdx.json").exists()


def test_a_venv_that_cannot_be_synced_is_an_error_and_writes_no_sbom(repo: Path) -> None:
    wrong_hash(repo / "services" / "shop" / "requirements.txt")
    with pytest.raises(NoxSupportError, match=r"Hash mismatch for `apachepkg==2\.0`"):
        sbom(repo)
    assert not (repo / "reports" / "sbom" / "shop.cdx.json").exists()


def test_an_sbom_of_an_earlier_lock_is_removed_when_the_sync_fails(repo: Path) -> None:
    sbom(repo)
    lock = repo / "services" / "shop" / "requirements.txt"
    lock.write_text(
        lock.read_text(encoding="utf-8").replace("apachepkg==2.0", "apachepkg==9.9"), encoding="utf-8"
    )
    restamp(repo, "shop")
    with pytest.raises(NoxSupportError, match=r"apachepkg==9\.9"):
        sbom(repo)
    assert not (repo / "reports" / "sbom" / "shop.cdx.json").exists()


def test_sbom_replaces_a_planted_symlink_instead_of_writing_through_it(repo: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    target = repo / "reports" / "sbom" / "shop.cdx.json"
    target.parent.mkdir(parents=True)
    target.symlink_to(victim)
    sbom(repo)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not target.is_symlink()


def test_licenses_compliant_service_with_an_excepted_local_package(repo: Path) -> None:
    session, data = licenses(repo)
    assert data["status"] == "compliant"
    rows = {p["name"]: p for p in data["packages"]}  # type: ignore[attr-defined]
    assert rows["dualpkg"]["license"] == "MIT OR GPL-3.0-only"
    assert rows["apachepkg"]["source"] == "License"
    assert rows["acme-common"]["status"] == "excepted"
    assert rows["acme-common"]["local_path"] == "../../libs/common"
    written = "reports/licenses/shop.json, reports/licenses.md"
    assert session.logs[-1] == f"shop: compliant (4 packages, 0 unknown, 1 excepted) -> {written}"
    assert venvs(repo) == [audit_venv(repo)]


def test_licence_violations_fail_naming_service_package_version_and_licence(
    tmp_path: Path, licensed_index: Path
) -> None:
    root = supply_repo(
        tmp_path / "repo",
        licensed_index,
        {
            "shop": SHOP,
            "lab": {
                "gplpkg": "3.1",
                "bsdpkg": "0.9",
                "nolicense": "1.0",
                "mitpkg": "1.0",
                "apachepkg": "2.0",
            },
        },
        pyproject=POLICY.replace("deny =", 'unknown = "fail"\ndeny ='),
    )
    with pytest.raises(LicenseViolationError) as info:
        licenses(root, "lab")
    assert str(info.value) == (
        "licences of lab: 3 violations\n"
        "  - bsdpkg==0.9: unknown (BSD): licence unknown (the declared licence is not an SPDX identifier) "
        "and the policy fails unknown licences\n"
        "  - gplpkg==3.1: GPL-3.0-only: denied: GPL-3.0-only\n"
        "  - nolicense==1.0: unknown: licence unknown (no License-Expression, License or licence classifier) "
        "and the policy fails unknown licences\n"
        "  hint: replace the package, or add a reasoned [[tool.nox_support.licenses.exception]] "
        "(docs/supply-chain.md)"
    )
    report = json.loads((root / "reports" / "licenses" / "lab.json").read_text(encoding="utf-8"))
    assert report["status"] == "violations"

    licenses(root, "shop")
    combined = (root / "reports" / "licenses.md").read_text(encoding="utf-8")
    # The counts agree with the list: the two unknowns are two of the three violations.
    assert "- lab: 3 violations (6 packages, 2 unknown, 1 excepted)" in combined
    assert "- shop: compliant (4 packages, 0 unknown, 1 excepted)" in combined
    assert "- 2 of 2 services have a current licence report (nox -s licenses)" in combined

    write(
        root / "services" / "shop" / "requirements.txt",
        licensed_lock(licensed_index, {"mitpkg": "1.0", "apachepkg": "2.0"}),
    )
    with pytest.raises(LicenseViolationError):
        licenses(root, "lab")
    combined = (root / "reports" / "licenses.md").read_text(encoding="utf-8")
    assert '- shop: the lock changed since its licence report (run nox -s "licenses(shop)")' in combined
    assert "- 1 of 2 services have a current licence report (nox -s licenses)" in combined
    assert "## shop" not in combined


def test_without_configuration_unknowns_are_reported_and_a_bsd_licence_file_is_read(
    tmp_path: Path, licensed_index: Path
) -> None:
    root = supply_repo(
        tmp_path / "repo",
        licensed_index,
        {"lab": {"nolicense": "1.0", "palletspkg": "3.0", "bsdpkg": "0.9"}},
        common=False,
    )
    session, data = licenses(root, "lab")
    assert data["status"] == "compliant"
    rows = {p["name"]: p for p in data["packages"]}  # type: ignore[attr-defined]
    assert (rows["palletspkg"]["license"], rows["palletspkg"]["source"]) == ("BSD-3-Clause", "License-File")
    assert rows["palletspkg"]["declared"] == "License :: OSI Approved :: BSD License (LICENSE.txt)"
    assert rows["bsdpkg"]["status"] == "unknown"  # "BSD" and no licence file: which BSD is not known
    assert session.logs[-1].startswith("lab: compliant (3 packages, 2 unknown, 0 excepted)")


def test_unknown_allowed_by_policy_is_reported_not_failed(tmp_path: Path, licensed_index: Path) -> None:
    root = supply_repo(
        tmp_path / "repo",
        licensed_index,
        {"lab": {"nolicense": "1.0"}},
        pyproject='[tool.nox_support.licenses]\nunknown = "allow"\n',
        common=False,
    )
    _, data = licenses(root, "lab")
    assert data["status"] == "compliant"
    assert data["packages"] == [  # nothing hides the unknown
        {
            "name": "nolicense",
            "version": "1.0",
            "license": None,
            "source": None,
            "declared": None,
            "status": "unknown",
            "detail": "no License-Expression, License or licence classifier",
            "local_path": None,
        }
    ]


def test_a_failed_sync_fails_licenses_and_removes_the_earlier_report(repo: Path) -> None:
    licenses(repo)
    wrong_hash(repo / "services" / "shop" / "requirements.txt")
    (repo / ".nox" / audit_venv(repo) / "nox-support-sync.json").unlink()  # force a reinstall
    with pytest.raises(NoxSupportError):
        licenses(repo)
    assert not (repo / "reports" / "licenses" / "shop.json").exists()


def test_a_file_where_reports_should_be_is_one_clear_error_for_sbom_and_licenses(repo: Path) -> None:
    (repo / "reports").write_text("not a directory\n", encoding="utf-8")
    for run in (run_sbom, run_licenses):
        session = NoneSession(repo, "supply-shop")
        with pytest.raises(OutputError) as info:
            run(session.as_nox(), Project.load(repo), "shop")
        assert info.value.message.startswith("cannot create reports/")
        assert info.value.message.endswith(": reports: File exists")
    assert (repo / "reports").read_text(encoding="utf-8") == "not a directory\n"
