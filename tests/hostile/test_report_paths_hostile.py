"""A file where ``reports/`` should be: every session that writes a report says so in one error.

Before every report went through ``outputs.write_report``, drift ended in a raw
``FileExistsError`` traceback here (conflicts, licenses and sbom the same way).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nox_support.conflicts.session import ConflictsArgs, build_report, write_reports
from nox_support.core.outputs import OutputError
from nox_support.drift.session import run_drift
from nox_support.licenses.config import LicenseSettings
from nox_support.licenses.policy import evaluate
from nox_support.licenses.report import build_report as build_licence_report
from nox_support.licenses.report import write_combined, write_service_report
from nox_support.project import Project
from tests.conflicts.spec_resolver import SpecResolver
from tests.drift.helpers import DIRECT, FakeSession, repo_with_locks

REPORTS_IN_THE_WAY = "cannot create reports/: reports: File exists"


def repo_with_a_file_for_reports(root: Path) -> Path:
    repo_with_locks(root, {"api": ("alpha\n", {"alpha": ("1.0", DIRECT)})})
    (root / "reports").write_text("not a directory\n", encoding="utf-8")
    return root


def test_drift_with_a_file_where_reports_should_be_is_one_clear_error(tmp_path: Path) -> None:
    root = repo_with_a_file_for_reports(tmp_path)

    with pytest.raises(OutputError) as info:
        run_drift(FakeSession().as_nox(), Project.load(root))

    assert info.value.message == REPORTS_IN_THE_WAY
    assert info.value.hint == "make the directory writable, or remove what is in its way"
    assert (root / "reports").read_text(encoding="utf-8") == "not a directory\n"  # left as it was


def test_conflicts_and_licences_with_a_file_where_reports_should_be_are_one_clear_error(
    tmp_path: Path,
) -> None:
    root = repo_with_a_file_for_reports(tmp_path)
    resolver = SpecResolver({"api": ("alpha",)}, {"alpha": ("1.0",)})
    report = build_report(Project.load(root), ConflictsArgs(()), resolver)
    result = evaluate("api", (), LicenseSettings(), today=dt.date(2026, 1, 1))
    licences = build_licence_report("api", "services/api/requirements.txt", "ab" * 32, result)

    for write in (
        lambda: write_reports(root, report),
        lambda: write_service_report(root, licences),
        lambda: write_combined(root, "# Licences\n"),
    ):
        with pytest.raises(OutputError) as info:
            write()
        assert info.value.message.startswith("cannot create reports/")
        assert info.value.message.endswith("/: reports: File exists")
