"""The copied noxfile.py states its API version; an older copy is told which sessions it lacks."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from nox_support.noxfile_api import ADDED_SESSIONS, API_VERSION, api_message, sessions_of
from tests.noxrun import run_nox
from tests.repos import NOXFILE, monorepo
from tests.test_shipped_noxfile import session_names

OLD_COPY = Path(__file__).parent / "data" / "noxfile_api1.py.txt"
"""The noxfile.py shipped before the API version existed (and before ``report``), unchanged."""


def declared_api(path: Path) -> int:
    (value,) = (
        node.value.value
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == ["NOX_SUPPORT_API"]
        and isinstance(node.value, ast.Constant)
    )
    assert isinstance(value, int)
    return value


def test_the_shipped_noxfile_states_the_current_api_and_has_exactly_its_sessions() -> None:
    assert declared_api(NOXFILE) == API_VERSION == max(ADDED_SESSIONS)
    assert session_names(NOXFILE) == set(sessions_of(API_VERSION))


def test_the_old_copy_is_api_1() -> None:
    assert session_names(OLD_COPY) == set(sessions_of(1))
    assert "NOX_SUPPORT_API" not in OLD_COPY.read_text(encoding="utf-8")


def test_messages_name_what_an_older_copy_lacks_and_when_to_upgrade() -> None:
    assert api_message(API_VERSION) is None
    assert api_message(1) == (
        f"noxfile.py was written for nox-support API 1 (the installed nox-support has API {API_VERSION}); "
        "it lacks these sessions: report. Copy the noxfile.py of the installed nox-support over it "
        "(README: Adopting it) to get them"
    )
    assert api_message(API_VERSION + 1) == (
        f"noxfile.py was written for nox-support API {API_VERSION + 1}, but the installed nox-support has "
        f"API {API_VERSION}: upgrade nox-support (sessions newer than it fail when run)"
    )


def nox_list(root: Path) -> subprocess.CompletedProcess[str]:
    return run_nox(root, "-l", timeout=120)


def test_an_old_copy_still_works_and_says_once_which_sessions_it_lacks(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"}, copy_noxfile=False)
    (root / "noxfile.py").write_text(OLD_COPY.read_text(encoding="utf-8"), encoding="utf-8")
    done = nox_list(root)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("nox-support: noxfile.py was written for nox-support API 1") == 1
    assert "it lacks these sessions: report." in done.stderr
    assert "- lock(api)" in done.stdout  # the sessions it has still work
    assert "- report " not in done.stdout


def test_the_current_copy_says_nothing(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"})
    done = nox_list(root)
    assert done.returncode == 0, done.stderr
    assert "nox-support:" not in done.stderr
    assert "- report -> " in done.stdout


def test_nox_s_report_writes_the_page_from_the_noxfile(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"})
    done = run_nox(root, "-s", "report", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "audit: 1 of 1 services have no report, shown as missing (run nox -s audit)" in done.stderr
    assert "wrote reports/index.html (1 services, 0 findings, " in done.stderr
    assert (root / "reports" / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
