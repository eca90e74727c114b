"""Nothing from outside drives the CI log, and nothing is written to a special file or through a link.

Advisory ids, package names and compiler output reach the terminal only through
:mod:`nox_support.core.logsafe`: no line of it can start a GitHub workflow command (``::warning::``,
``::add-mask::``, ``::stop-commands::``), no escape sequence reaches the terminal.
``$GITHUB_STEP_SUMMARY`` pointing at a FIFO or a device is refused at once (it hung forever), and
a symlink planted at ``reports/`` itself is refused, not followed.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nox_support.audit.reports.json_report import write_service_report
from nox_support.audit.scanners.interface import ScanCompleted, Vulnerability
from nox_support.audit.session import failure_message
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ServiceReport, decide
from nox_support.core import logsafe
from nox_support.core.outputs import OutputDirError, OutputError, append_text, write_report
from tests.hostile.test_reports_hostile import context
from tests.noxrun import run_nox

INJECTED_ID = "GHSA-1\n::warning::pwned"
ROOT = Path(__file__).resolve().parent.parent.parent


def _commands(text: str) -> list[str]:
    """The lines of *text* GitHub's runner would take for a workflow command (it strips blanks first)."""
    return [line for line in text.splitlines() if line.lstrip().startswith(("::", "##["))]


def _report(vulnerability_id: str, package: str = "alpha", version: str = "1.0") -> ServiceReport:
    source = SourceInfo("offline", "/db", "offline sha256:1", None)
    vuln = Vulnerability(
        package, version, vulnerability_id, ("CVE-1\r\n::add-mask::x",), (), "pip-audit", "s"
    )
    outcome = ScanCompleted("pip-audit", "2.10", source, (vuln,))
    return decide(context(), ((outcome, False),), (), today=dt.date(2025, 1, 1))


# ---------------------------------------------------------------------------
# One neutralizer


def test_field_escapes_every_control_character_and_any_command_start() -> None:
    assert logsafe.field(INJECTED_ID) == "GHSA-1\\n::warning::pwned"
    assert logsafe.field("\x1b[31mred\x1b[0m\r\x00\x7f\x85\u2028") == (
        "\\x1b[31mred\\x1b[0m\\r\\x00\\x7f\\x85\\u2028"
    )
    assert logsafe.field("  ::stop-commands::tok") == "  \\::stop-commands::tok"
    assert logsafe.field("##[error]x") == "\\##[error]x"
    assert logsafe.field("alpha==1.0 :: fine") == "alpha==1.0 :: fine"


def test_message_keeps_its_own_lines_and_defuses_each() -> None:
    text = "audit of svc: vulnerable\n  - a\n::warning::x\n\t ::add-mask::y\r::error::z"
    assert logsafe.message(text) == (
        "audit of svc: vulnerable\n  - a\n\\::warning::x\n\t \\::add-mask::y\\r::error::z"
    )
    assert _commands(logsafe.message(text)) == []


def test_an_advisory_id_with_a_newline_stays_on_its_line_in_the_failure_message() -> None:
    message = failure_message(_report(INJECTED_ID))
    assert message == (
        "audit of svc: vulnerable\n1 known vulnerabilities:\n"
        "  - alpha==1.0: GHSA-1\\n::warning::pwned (no fix yet)"
    )
    assert _commands(message) == []


def test_a_package_name_and_version_from_a_lock_cannot_start_a_command_either() -> None:
    message = failure_message(_report("GHSA-2", package="alpha\n::add-mask::", version="1\x1b[2K"))
    assert message.splitlines()[-1] == "  - alpha\\n::add-mask::==1\\x1b[2K: GHSA-2 (no fix yet)"
    assert _commands(message) == []


NOXFILE = """
import nox

from nox_support import sessions
from nox_support.core.errors import NoxSupportError


@nox.session(venv_backend="none")
def hostile(session):
    with sessions.boundary(session):
        session.log("wheel: evil.whl\\n::add-mask::abc")
        session.warn("\\x1b[2J  ::stop-commands::tok")
        raise NoxSupportError("audit of svc: error\\n::warning file=x.py::pwned", hint="see\\r::error::y")
"""


@pytest.mark.slow
def test_nothing_a_session_logs_reaches_the_ci_log_as_a_command(tmp_path: Path) -> None:
    (tmp_path / "noxfile.py").write_text(textwrap.dedent(NOXFILE), encoding="utf-8")
    result = run_nox(
        tmp_path,
        "-s",
        "hostile",
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert _commands(output) == []
    assert "\x1b" not in output
    assert "\\::add-mask::abc" in output
    assert "nox > \\x1b[2J  ::stop-commands::tok\n" in output
    assert "\\::warning file=x.py::pwned" in output
    assert "see\\r::error::y" in output


def test_the_cli_neutralizes_what_it_prints(capsys: pytest.CaptureFixture[str]) -> None:
    logsafe.write("nox-support: services/x\n::add-mask::y\n", sys.stderr)
    logsafe.write_workflow_command("::error file=a.py,title=t::m\x1b[1m\n::warning::w", sys.stdout)
    out, err = capsys.readouterr()
    assert err == "nox-support: services/x\n\\::add-mask::y\n"
    assert out == "::error file=a.py,title=t::m\\x1b[1m\\n::warning::w\n"


# ---------------------------------------------------------------------------
# Special files and a linked reports/ directory


def _append_in_child(target: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        "from nox_support.core.outputs import OutputError, append_step_summary\n"
        "try:\n"
        "    append_step_summary('## summary\\n', sys.argv[1])\n"
        "except OutputError as exc:\n"
        "    print(exc)\n"
    )
    # A child with a timeout: before the fix opening the FIFO waited for a reader forever.
    return subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_step_summary_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    result = _append_in_child(fifo)
    assert result.stdout == (
        f"cannot append to $GITHUB_STEP_SUMMARY {fifo}: it is a FIFO (named pipe), not a regular file\n"
        "  hint: $GITHUB_STEP_SUMMARY must name a regular file (nothing was written to it)\n"
    )


def test_a_fifo_behind_a_link_is_refused_too(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "summary.md"
    link.symlink_to(fifo)
    assert _append_in_child(link).stdout.startswith(
        f"cannot append to $GITHUB_STEP_SUMMARY {link}: it is a FIFO (named pipe), not a regular file\n"
    )


def test_a_device_is_not_an_output_file() -> None:
    with pytest.raises(OutputError) as info:
        append_text(Path(os.devnull), "x\n", what="--summary")
    assert str(info.value) == (
        f"cannot append to --summary {os.devnull}: it is a character device, not a regular file\n"
        "  hint: --summary must name a regular file (nothing was written to it)"
    )


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    return victim


def test_a_symlink_planted_at_reports_itself_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    victim = _victim(tmp_path)
    (root / "reports").symlink_to(victim, target_is_directory=True)
    with pytest.raises(OutputDirError) as info:
        write_service_report(root, _report("GHSA-1"))
    assert str(info.value) == (
        "cannot write reports: reports is a symlink (reports are never written through a link)\n"
        "  hint: remove the link reports; nox-support creates the directory itself"
    )
    assert list(victim.iterdir()) == []


def test_a_symlink_planted_at_a_directory_inside_reports_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "reports").mkdir(parents=True)
    victim = _victim(tmp_path)
    (root / "reports" / "audit").symlink_to(victim, target_is_directory=True)
    with pytest.raises(OutputDirError) as info:
        write_report(root / "reports" / "audit" / "svc.json", "{}", root=root)
    assert str(info.value).startswith("cannot write reports: reports/audit is a symlink")
    assert list(victim.iterdir()) == []


# ---------------------------------------------------------------------------
# New code cannot forget: only logsafe writes to stdout/stderr itself

PACKAGE = ROOT / "nox_support"


def _direct_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name == "print" or name.startswith(("sys.stdout.", "sys.stderr.")):
            found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: {name}")
    return found


def test_only_logsafe_writes_to_stdout_or_stderr() -> None:
    writes = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _direct_writes(path)]
    assert [hit for hit in writes if not hit.startswith("nox_support/core/logsafe.py:")] == []
