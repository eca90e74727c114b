"""Attacks on the reports and the files nox-support writes for CI.

HTML, links, table pipes and backticks in advisory text; a symlink planted at a report's
path; an audit that aborted before its verdict next to an earlier clean report; output
paths that are directories, missing or full.  Each case asserts the exact verdict or
message, and each failed on the code before the fix.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
from pathlib import Path

import pytest

from nox_support.__main__ import main
from nox_support.audit.reports.json_report import service_report_path, write_service_report
from nox_support.audit.reports.markdown import MarkdownReporter
from nox_support.audit.scanners.interface import LocalPackage, ScanCompleted, Vulnerability
from nox_support.audit.session import RUN_ID, AuditFailedError, run_audit, run_audit_summary
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, ServiceReport, decide
from nox_support.ci import discover
from nox_support.ci.affected import Affected, AffectedService, OwnFile, RemovedService
from nox_support.ci.lockdiff import LockChanged, PackageChange, markdown
from nox_support.ci.matrix import Plan, ServiceFacts, build_plan, summary_markdown
from nox_support.ci.noxlist import NoxSession
from nox_support.ci.settings import CiSettings
from nox_support.core.markdown import code, escape
from nox_support.core.outputs import OutputError, append_text
from nox_support.project import Project
from tests.fakes import RecordingSession
from tests.repos import monorepo, write

HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_ALIAS = "[click me](https://evil.example/)"
HOSTILE_VERSION = "1.0|injected cell"
HOSTILE_SUMMARY = "`rm -rf /` <script>alert(1)</script>"


class Session(RecordingSession):
    """The parts of ``nox.Session`` the audit and summary bodies use (no venv)."""


def context(service: str = "svc", run: str = RUN_ID, lock_sha256: str = "") -> ReportContext:
    return ReportContext(
        service=service,
        lock=f"services/{service}/requirements.txt",
        lock_sha256=lock_sha256,
        generated_at="2025-01-01T00:00:00Z",
        run=run,
        venv="already synced",
        not_audited=(LocalPackage("acme-common", "0.3.0", "../`x`|<b>"),),
        lines={},
    )


def hostile_report(run: str = RUN_ID) -> ServiceReport:
    source = SourceInfo("offline", "/db", "offline sha256:1", None)
    vuln = Vulnerability(
        "alpha", HOSTILE_VERSION, HOSTILE_ID, (HOSTILE_ALIAS,), ("1.1`",), "pip-audit", HOSTILE_SUMMARY
    )
    outcome = ScanCompleted("pip-audit", "2.10", source, (vuln,), problems=("a | b <i>x</i>",))
    import datetime as dt  # noqa: PLC0415

    return decide(context(run=run), ((outcome, False),), (), today=dt.date(2025, 1, 1))


# ---------------------------------------------------------------------------
# Markdown: outside text is shown, never rendered


def test_escape_neutralises_html_links_pipes_and_backticks() -> None:
    assert escape(HOSTILE_ID) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape(HOSTILE_ALIAS) == "\\[click me\\](https://evil.example/)"
    assert escape(HOSTILE_VERSION) == "1.0\\|injected cell"
    assert escape(HOSTILE_SUMMARY) == "\\`rm -rf /\\` &lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape("# heading\nnext line") == "\\# heading next line"
    assert escape("1. item") == "1\\. item"
    assert escape("test_more.py __init__.py") == "test_more.py \\_\\_init\\_\\_.py"
    assert escape("https://u:pw@host/x?token=t") == "https://\\*\\*\\*@host/x?token=\\*\\*\\*"
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"


def test_the_audit_markdown_escapes_every_outside_cell(tmp_path: Path) -> None:
    text = MarkdownReporter().render((hostile_report(),), root=tmp_path)
    assert (
        "| alpha | 1.0\\|injected cell | &lt;img src=x onerror=alert(1)&gt; "
        "| \\[click me\\](https://evil.example/) | 1.1\\` | pip-audit | **vulnerable** |"
    ) in text
    assert "- pip-audit: a \\| b &lt;i&gt;x&lt;/i&gt;" in text
    assert "Not audited (local path packages): acme-common (../\\`x\\`\\|&lt;b&gt;)" in text
    for raw in ("<img", "<script", "<b>", "<i>"):
        assert raw not in text
    assert re.search(r"(?<!\\)(\]\(|`rm)", text) is None  # no live link or code span


def test_the_matrix_and_lock_diff_summaries_escape_file_names() -> None:
    nox_sessions = tuple(
        NoxSession(f"{kind}(a)", kind, "3.11", "a") for kind in ("audit", "tests", "lock_diff")
    )
    affected = Affected(
        (AffectedService("a", (OwnFile("services/a/<img src=x>`|[l](u)"),)),),
        (RemovedService("services/`old` <b>", None),),
    )
    facts = {"a": ServiceFacts("a", "3.11", ("services/a/requirements.txt",), "d", has_tests=True)}
    plan = build_plan(nox_sessions, affected, facts, CiSettings(), base=None)
    text = summary_markdown(plan)
    assert "| a | services/a/&lt;img src=x&gt;\\`\\|\\[l\\](u) changed |" in text
    assert "Removed service directory ``services/`old` <b>``." in text
    diff = LockChanged(
        "services/a/requirements.txt", (PackageChange("evil", "changed", "1.0", "@ https://x/[a](b)<img>"),)
    )
    assert "| evil | changed | 1.0 | @ https://x/\\[a\\](b)&lt;img&gt; |" in markdown("a", "main", (diff,))


# ---------------------------------------------------------------------------
# Reports are written atomically, never through a planted symlink


def project(tmp_path: Path, *services: str, pyproject: str = "") -> Project:
    root = monorepo(tmp_path / "repo", dict.fromkeys(services, "alpha\n"), pyproject=pyproject)
    return Project.load(root)


def test_a_symlink_planted_at_the_markdown_report_is_replaced_not_followed(tmp_path: Path) -> None:
    proj = project(tmp_path, "svc")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (proj.root / "reports").mkdir()
    for name in ("audit.md", "audit.sarif"):
        (proj.root / "reports" / name).symlink_to(victim)
    write_service_report(proj.root, hostile_report())
    with pytest.raises(AuditFailedError, match="1 of 1 services are not clean: svc"):
        run_audit_summary(Session().as_nox(), proj)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    for name in ("audit.md", "audit.sarif"):
        path = proj.root / "reports" / name
        assert not path.is_symlink()
        assert path.read_text(encoding="utf-8").strip()


def test_a_symlink_planted_next_to_the_json_report_is_not_written_through(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    path = service_report_path(root, "svc")
    path.parent.mkdir(parents=True)
    # The name the old writer used for its temporary file, and the report's own path.
    path.with_name(f".{path.name}.tmp").symlink_to(victim)
    write_service_report(root, hostile_report())
    assert victim.read_text(encoding="utf-8") == "precious\n"
    path.unlink()
    path.symlink_to(victim)
    write_service_report(root, hostile_report())
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not path.is_symlink()
    assert json.loads(path.read_text(encoding="utf-8"))["service"] == "svc"


def test_a_read_only_report_directory_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "repo" / "reports"
    reports.mkdir(parents=True)
    # reports/ (and its .gitignore) existed before it turned read-only
    (reports / ".gitignore").write_text("*\n", encoding="utf-8")
    real_open = Path.open

    def read_only(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if reports in self.parents and set(mode) & set("wax+"):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", read_only)
    with pytest.raises(OutputError) as info:
        write_service_report(tmp_path / "repo", hostile_report())
    assert str(info.value) == (
        "cannot write reports/audit/svc.json: Permission denied\n"
        "  hint: make reports/audit writable, then run again"
    )
    assert [p.name for p in (reports / "audit").iterdir()] == []


# ---------------------------------------------------------------------------
# audit_summary never reuses an earlier run's report for a service that aborted


def test_an_aborted_audit_is_an_error_not_an_earlier_clean_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = project(tmp_path, "svc", pyproject="[tool.nox_support.audit]\nsource = 'nowhere'\n")
    earlier = decide(context(run="an-earlier-run"), (), (), today=__import__("datetime").date(2025, 1, 1))
    clean_earlier = ServiceReport(**{**earlier.__dict__, "status": "clean", "errors": ()})
    write_service_report(proj.root, clean_earlier)
    session = Session()
    with pytest.raises(Exception, match="source = 'nowhere' is not an audit source"):
        run_audit(session.as_nox(), proj, "svc")
    summary = Session()
    with pytest.raises(AuditFailedError) as info:
        run_audit_summary(summary.as_nox(), proj)
    assert str(info.value) == "audit: 1 of 1 services are not clean: svc\n  hint: see reports/audit.md"
    assert summary.logs[0] == "svc: error (0 vulnerable, 0 ignored, 1 errors, 0 not audited)"
    text = (proj.root / "reports" / "audit.md").read_text(encoding="utf-8")
    assert "- audit(svc) started in this run but stopped before its verdict (see its session log)" in text
    # Run alone later (another process, another run id), the summary still says why.
    monkeypatch.setattr("nox_support.audit.session.RUN_ID", "a-later-run")
    later = Session()
    with pytest.raises(AuditFailedError, match="1 of 1 services are not clean: svc"):
        run_audit_summary(later.as_nox(), proj)
    assert later.logs[0] == "svc: error (0 vulnerable, 0 ignored, 1 errors, 0 not audited)"


def test_a_concurrent_run_rewriting_the_report_does_not_stand_for_this_run(tmp_path: Path) -> None:
    proj = project(tmp_path, "svc", pyproject="[tool.nox_support.audit]\nsource = 'nowhere'\n")
    with pytest.raises(Exception, match="source = 'nowhere' is not an audit source"):
        run_audit(Session().as_nox(), proj, "svc")  # this run: svc stands as an error
    # Another nox process in the same checkout then writes its own clean verdict for svc.
    theirs = decide(context(run="another-process"), (), (), today=dt.date(2025, 1, 1))
    write_service_report(proj.root, ServiceReport(**{**theirs.__dict__, "status": "clean", "errors": ()}))
    summary = Session()
    with pytest.raises(AuditFailedError, match="1 of 1 services are not clean: svc"):
        run_audit_summary(summary.as_nox(), proj)
    assert summary.logs[0] == "svc: error (0 vulnerable, 0 ignored, 1 errors, 0 not audited)"


# ---------------------------------------------------------------------------
# Bad CI output paths: one clear error, no traceback, nothing half-written


def test_a_directory_as_step_summary_is_a_clear_error_after_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = project(tmp_path, "svc")
    clean = ServiceReport(**{**hostile_report().__dict__, "status": "clean", "findings": (), "errors": ()})
    write_service_report(proj.root, clean)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    with pytest.raises(OutputError) as info:
        run_audit_summary(Session().as_nox(), proj)
    assert str(info.value) == (
        f"cannot append to $GITHUB_STEP_SUMMARY {tmp_path}: Is a directory\n"
        "  hint: $GITHUB_STEP_SUMMARY must name a writable file (nothing was written to it)"
    )
    assert (proj.root / "reports" / "audit.md").is_file()


def test_a_missing_directory_for_the_step_summary_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "summary.md"
    with pytest.raises(OutputError) as info:
        append_text(target, "x", what="$GITHUB_STEP_SUMMARY")
    assert str(info.value) == (
        f"cannot append to $GITHUB_STEP_SUMMARY {target}: No such file or directory\n"
        "  hint: $GITHUB_STEP_SUMMARY must name a writable file (nothing was written to it)"
    )


def test_a_full_disk_while_appending_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    real_write = os.write

    def half_then_full(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 4:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("nox_support.core.outputs.os.write", half_then_full)
    with pytest.raises(OutputError, match="No space left on device"):
        append_text(target, "## a long section\n" * 20, what="--summary")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "earlier step\n"


def fixed_plan() -> Plan:
    nox_sessions = tuple(
        NoxSession(f"{kind}(a)", kind, "3.11", "a") for kind in ("audit", "tests", "lock_diff")
    )
    facts = {"a": ServiceFacts("a", "3.11", ("services/a/requirements.txt",), "d", has_tests=True)}
    return build_plan(nox_sessions, Affected((), ()), facts, CiSettings(), base=None)


@pytest.mark.parametrize("option", ["--github-output", "--summary"])
def test_matrix_output_paths_that_are_directories_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    monkeypatch.setattr(discover, "plan", lambda _request: fixed_plan())
    assert main(["matrix", "--root", str(tmp_path), option, str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"nox-support: error: cannot append to {option} {tmp_path}: Is a directory\n"
        f"  hint: {option} must name a writable file (nothing was written to it)\n"
    )
    assert "Traceback" not in err


def test_matrix_writes_its_outputs_when_the_paths_are_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover, "plan", lambda _request: fixed_plan())
    out, summary = tmp_path / "out", tmp_path / "summary.md"
    write(summary, "earlier\n")
    assert (
        main(["matrix", "--root", str(tmp_path), "--github-output", str(out), "--summary", str(summary)]) == 0
    )
    assert "audit_count=0\n" in out.read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8").startswith("earlier\n## nox-support: job matrix")
