"""``nox -s drift``: hand-written locks across services, no installer and no resolver."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nox_support.core.errors import ConfigError, RequirementsFileError
from nox_support.core.markdown import cell_code, escape
from nox_support.core.outputs import OutputError
from nox_support.drift import render
from nox_support.drift.analysis import FitsAll, NoCommonVersion, OnlyTransitive, analyse
from nox_support.drift.collect import AuditFinding
from nox_support.drift.config import parse_drift_settings
from nox_support.drift.session import DriftArgs, DriftError, build_report, run_drift
from nox_support.lock.servicelock import ServiceLock, parse_lock
from nox_support.project import Project
from tests.drift.helpers import DIRECT, FakeSession, lock_text, repo_with_locks
from tests.noxrun import run_nox
from tests.repos import NOXFILE, write

ALL = DriftArgs(layers=False, services=())


def three_services(root: Path, pyproject: str = "") -> Path:
    return repo_with_locks(
        root,
        {
            "api": ("alpha>=1\nepsilon\n", {"alpha": ("1.0", DIRECT), "epsilon": ("0.5", DIRECT)}),
            "web": ("alpha\nepsilon\n", {"alpha": ("1.1", DIRECT), "epsilon": ("0.5", DIRECT)}),
            "worker": ("delta\n", {"alpha": ("2.0", "delta"), "delta": ("1.0", DIRECT)}),
            "legacy": ("gamma\nbeta<1.1\n", {"beta": ("1.0", DIRECT), "gamma": ("1.0", DIRECT)}),
            "modern": ("beta>=1.1\n", {"beta": ("1.1", DIRECT), "alpha": ("2.0", "beta")}),
        },
        pyproject=pyproject,
    )


def test_drift_across_services_with_convergence_verdicts(tmp_path: Path) -> None:
    report = build_report(Project.load(three_services(tmp_path)), ALL)

    assert report.locks == ("api", "legacy", "modern", "web", "worker")
    assert report.packages_locked == 5
    assert [d.name for d in report.drifts] == ["alpha", "beta"]  # epsilon is at one version
    alpha, beta = report.drifts
    assert [(g.version, [h.lock for h in g.holders]) for g in alpha.versions] == [
        ("2.0", ["modern", "worker"]),
        ("1.1", ["web"]),
        ("1.0", ["api"]),
    ]
    # 2.0 satisfies api's alpha>=1 and web's alpha; worker and modern only get alpha transitively.
    assert alpha.convergence == FitsAll("2.0", locked=True, transitive=("modern", "worker"))
    assert isinstance(beta.convergence, NoCommonVersion)
    assert [(label, r.text, r.where) for label, r in beta.convergence.requirements] == [
        ("legacy", "beta<1.1", "services/legacy/requirements.in:2"),
        ("modern", "beta>=1.1", "services/modern/requirements.in:1"),
    ]
    lines = render.summary_lines(report)
    assert lines[0] == "drift: 5 locks, 5 packages locked, 2 locked at more than one version"
    assert lines[1] == (
        "  alpha: 2.0 in modern, worker; 1.1 in web; 1.0 in api -- one version for all? yes: 2.0; "
        "only a resolve could tell for modern, worker (transitive)"
    )
    assert lines[2] == (
        "  beta: 1.1 in modern; 1.0 in legacy -- one version for all? no: legacy beta<1.1 "
        "(services/legacy/requirements.in:2); modern beta>=1.1 (services/modern/requirements.in:1)"
    )


def test_session_writes_documented_reports_and_exits_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = three_services(tmp_path)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    session = FakeSession()

    run_drift(session.as_nox(), Project.load(root))

    data = json.loads((root / "reports/drift.json").read_text())
    assert data["schema"] == "nox-support/drift"
    assert data["schema_version"] == 1
    assert data["summary"] == {"locks": 5, "packages_locked": 5, "drifting": 2, "same_version_violations": 0}
    alpha = data["packages"][0]
    assert alpha["convergence"] == {
        "verdict": "fits-all",
        "version": "2.0",
        "locked": True,
        "transitive": ["modern", "worker"],
        "requirements": [],
    }
    assert alpha["versions"][0]["locks"][1] == {"lock": "worker", "requirements": [], "via": ["delta"]}
    markdown = (root / "reports/drift.md").read_text()
    assert "| `alpha` | `2.0`: modern, worker<br>`1.1`: web<br>`1.0`: api | yes: `2.0`;" in markdown
    assert summary.read_text() == markdown + "\n"
    assert session.logs[-1] == "wrote reports/drift.json and reports/drift.md"


def test_same_version_fails_naming_versions_and_services(tmp_path: Path) -> None:
    root = three_services(
        tmp_path, pyproject='[tool.nox_support.drift]\nsame_version = ["Alpha", "epsilon"]\n'
    )

    with pytest.raises(DriftError) as info:
        run_drift(FakeSession().as_nox(), Project.load(root))

    assert str(info.value).startswith(
        "1 packages must be at one version across services but are not:\n"
        "  alpha: 2.0 in modern, worker; 1.1 in web; 1.0 in api\n"
        "  hint: align their locks"
    )
    assert (root / "reports/drift.json").is_file()  # the report is still written


def test_unknown_drift_key_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown key 'same_versions'\n  hint: did you mean 'same_version'\?"
    ):
        parse_drift_settings({"drift": {"same_versions": ["django"]}})
    with pytest.raises(ConfigError, match="same_version must be a list of package names"):
        parse_drift_settings({"drift": {"same_version": "django"}})


def test_missing_and_unparsable_locks_are_named_and_the_rest_is_reported(tmp_path: Path) -> None:
    root = three_services(tmp_path)
    (root / "services/web/requirements.txt").unlink()
    write(
        root / "services/api/requirements.txt", lock_text({"alpha": ("1.0", DIRECT)}) + "not a requirement!\n"
    )
    session = FakeSession()

    with pytest.raises(DriftError, match="drift: 2 services could not be read and are not in the report"):
        run_drift(session.as_nox(), Project.load(root))

    api, web = session.warnings
    assert api == (
        "services/api/requirements.txt:7: a line that is not a pin, a --hash line or a comment "
        "('not a requirement!') is outside the lock grammar\n  hint: regenerate the lock with nox -s lock"
    )
    assert web == (
        'services/web/requirements.txt: service web has no lock\n  hint: run nox -s "lock(web)" and commit '
        "requirements.txt"
    )
    data = json.loads((root / "reports/drift.json").read_text())
    assert data["locks"] == ["legacy", "modern", "worker"]
    assert len(data["problems"]) == 2


def test_unpinned_lock_entry_is_an_error() -> None:
    with pytest.raises(
        RequirementsFileError,
        match=r"x/requirements.txt:1: a requirement not pinned with == \('alpha>=1'\) is outside the lock gr",
    ):
        parse_lock("alpha>=1\n", path="x/requirements.txt")


def test_layers_are_read_with_the_option(tmp_path: Path) -> None:
    root = three_services(tmp_path)
    write(root / "services/api/requirements-dev.in", "pytest-stub\nalpha\n")
    write(root / "services/api/requirements-dev.txt", lock_text({"pytest-stub": ("1.0", DIRECT)}))
    project = Project.load(root)

    assert "api:dev" not in build_report(project, ALL).locks
    assert "api:dev" in build_report(project, DriftArgs(layers=True, services=())).locks


def test_via_annotations_multi_line_and_direct() -> None:
    text = (
        f"alpha==2.0 \\\n    --hash=sha256:{'0' * 64}\n    # via\n    #   beta\n    #   delta\n"
        f"beta==1.1 \\\n    --hash=sha256:{'1' * 64}\n    # via -r requirements.in\n"
    )
    alpha, beta = parse_lock(text, path="x")
    assert alpha.via == ("beta", "delta")
    assert alpha.parents == ("beta", "delta")
    assert not alpha.direct
    assert beta.direct


def test_audit_findings_mark_the_version_they_were_found_in() -> None:
    locks = [
        ServiceLock("api", "main", "a", parse_lock(lock_text({"alpha": ("1.0", DIRECT)}), path="a")),
        ServiceLock("web", "main", "b", parse_lock(lock_text({"alpha": ("2.0", DIRECT)}), path="b")),
    ]
    findings = [AuditFinding("api", "Alpha", "1.0", "GHSA-1", ignored=False)]
    (drift,) = analyse(locks, findings=findings).drifts
    assert [g.findings for g in drift.versions] == [(), (findings[0],)]
    assert drift.convergence == OnlyTransitive()
    markdown = render.to_markdown(analyse(locks, findings=findings))
    assert "| GHSA-1 in api at `1.0` |" in markdown


# --- hostile input in Markdown -----------------------------------------------------------------


def test_escape_neutralises_markup_html_and_row_breaks() -> None:
    assert escape("a|b\n| x <img src=x onerror=alert(1)> [l](http://e)") == (
        "a\\|b \\| x &lt;img src=x onerror=alert(1)&gt; \\[l\\](http://e)"
    )
    assert cell_code("x`y|z") == "``x`y\\|z``"


def test_text_from_a_hostile_lock_cannot_break_the_markdown_table(tmp_path: Path) -> None:
    root = three_services(tmp_path)
    write(root / "services/web/requirements.txt", "alpha==1 <b>bold|x\n")

    with pytest.raises(DriftError):
        run_drift(FakeSession().as_nox(), Project.load(root))

    markdown = (root / "reports/drift.md").read_text()
    assert "<b>" not in markdown
    assert "|x" not in markdown.replace("\\|x", "")
    assert "&lt;b&gt;bold\\|x" in markdown


def test_report_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    root = three_services(tmp_path / "repo")
    victim = write(tmp_path / "victim.txt", "keep me\n")
    (root / "reports").mkdir()
    (root / "reports/drift.md").symlink_to(victim)

    run_drift(FakeSession().as_nox(), Project.load(root))

    assert victim.read_text() == "keep me\n"
    assert not (root / "reports/drift.md").is_symlink()


# --- through the real noxfile ----------------------------------------------------------------


@pytest.mark.slow
def test_noxfile_sessions_exit_zero_on_drift_and_one_with_a_clear_message(tmp_path: Path) -> None:
    root = three_services(tmp_path)
    shutil.copy(NOXFILE, root / "noxfile.py")

    listed = json.loads(run_nox(root, "-l", "--json", "-t", "report").stdout)
    assert {s["session"] for s in listed} == {"drift", "conflicts"}
    ok = run_nox(root, "-s", "drift")
    assert ok.returncode == 0, ok.stderr
    assert "drift: 5 locks, 5 packages locked, 2 locked at more than one version" in ok.stderr

    (root / "services/web/requirements.txt").unlink()
    failed = run_nox(root, "-s", "drift")
    assert failed.returncode == 1
    assert (
        'services/web/requirements.txt: service web has no lock\n  hint: run nox -s "lock(web)"'
        in failed.stderr
    )
    assert "drift: 1 services could not be read and are not in the report" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_directory_as_step_summary_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = three_services(tmp_path / "repo")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    with pytest.raises(OutputError) as info:
        run_drift(FakeSession().as_nox(), Project.load(root))
    assert str(info.value) == (
        f"cannot append to $GITHUB_STEP_SUMMARY {tmp_path}: Is a directory\n"
        "  hint: $GITHUB_STEP_SUMMARY must name a writable file (nothing was written to it)"
    )
    assert (root / "reports/drift.md").is_file()  # the reports were written first


def seventy_six_services(root: Path) -> Path:
    """s01 locks python-dateutil 2.9.0.post0, the 75 others 4.0.0."""
    services = {
        f"s{n:02}": ("python-dateutil\n", {"python-dateutil": ("4.0.0" if n > 1 else "2.9.0.post0", DIRECT)})
        for n in range(1, 77)
    }
    return repo_with_locks(root, services)


def test_75_services_at_one_version_are_one_short_line_and_verbose_names_them_all(tmp_path: Path) -> None:
    report = build_report(Project.load(seventy_six_services(tmp_path)), ALL)

    lines = render.summary_lines(report)
    assert lines[1] == (
        "  python-dateutil: 4.0.0 in 75 locks: s02, s03, s04, s05, s06 and 70 more; 2.9.0.post0 in s01"
        " -- one version for all? yes: 4.0.0"
    )
    verbose = render.summary_lines(report, verbose=True)
    assert verbose[1].startswith("  python-dateutil: 4.0.0 in " + ", ".join(f"s{n:02}" for n in range(2, 77)))
    markdown = render.to_markdown(report)
    assert "s21 and 55 more (drift.json)" in markdown


def test_verbose_is_a_drift_option(tmp_path: Path) -> None:
    root = seventy_six_services(tmp_path)
    short, verbose = FakeSession(), FakeSession("--verbose")
    run_drift(short.as_nox(), Project.load(root))
    run_drift(verbose.as_nox(), Project.load(root))
    assert "and 70 more" in short.logs[1]
    assert "s76; 2.9.0.post0 in s01" in verbose.logs[1]
