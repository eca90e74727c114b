"""ci.yml at 300 services, emulated: the jobs a push runs and the code scanning API calls they make.

The discover outputs come from the real matrix builder for 300 services; the
code scanning jobs run for real in the emulator on 150 audit artifacts (the
audit matrix at 300 services), which enforces code scanning's limits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.ci.affected import Affected, AffectedService, Everything
from nox_support.ci.matrix import build_plan, github_outputs
from nox_support.ci.sarifpack import sarif_log
from nox_support.ci.settings import CiSettings
from tests.ci.gha import JobResult, Runner
from tests.ci.helpers import git
from tests.ci.test_matrix import facts, sessions
from tests.ci.test_workflow_drift import CI, adopt_github_folder, describe
from tests.repos import write

pytestmark = pytest.mark.slow

SERVICES = tuple(f"svc{i:03}" for i in range(300))


def push_outputs() -> dict[str, str]:
    """The discover job's outputs for a push at 300 services (every service audited and tested)."""
    every = Affected(tuple(AffectedService(name, (Everything(),)) for name in SERVICES), ())
    plan = build_plan(sessions(*SERVICES), every, facts(*SERVICES), CiSettings(), base=None)
    return github_outputs(plan)


def test_a_push_at_300_services_uploads_15_files_from_one_write_job_definition(tmp_path: Path) -> None:
    outputs = push_outputs()
    audit = json.loads(outputs["audit_matrix"])["include"]
    tests = json.loads(outputs["tests_matrix"])["include"]
    assert (len(audit), len(tests)) == (150, 150)  # GitHub's 256-job matrix limit: two per job
    # As the audit jobs leave them: one artifact per job holding reports/audit.sarif.
    origin = tmp_path / "origin"
    write(origin / "pyproject.toml", '[project]\nname = "nox-support"\nversion = "0"\n')
    adopt_github_folder(origin, source="checkout")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", "commit", "-q", "-m", "base")
    sha = git(origin, "rev-parse", "HEAD").strip()
    github = {"event_name": "push", "sha": sha, "ref": "refs/heads/main", "repository": "acme/monorepo"}
    gha = Runner(CI, origin, github, tmp_path / "jobs", {})
    for entry in audit:
        runs = [
            {"automationDetails": {"id": f"nox-support-audit/{s.split('(')[1][:-1]}/"}}
            for s in entry["sessions"]
        ]
        write(tmp_path / "artifacts" / entry["id"] / "audit.sarif", sarif_log(runs))
        gha.artifacts[f"audit-{entry['id']}"] = tmp_path / "artifacts" / entry["id"]
    needs = {"discover": JobResult("success", outputs), "audit": JobResult("success")}
    prepared = gha.run_job("code-scanning-files", needs)
    assert prepared.result == "success", describe(prepared)
    assert prepared.outputs["sarif_count"] == "15"
    upload = gha.run_job("code-scanning", {"code-scanning-files": prepared})
    assert upload.result == "success", describe(upload)
    assert len(upload.runs) == 15
    assert [len(categories) for _ref, categories in gha.code_scanning] == [20] * 15
    assert len({c for _ref, categories in gha.code_scanning for c in categories}) == 300
    uploads = [call for call in gha.api_calls if call.startswith(("upload-sarif", "sarif status"))]
    assert len(uploads) == 30  # one upload and at least one status poll per file
    # Jobs per push: discover, freshness, 150 audit, 150 tests, 1 packing, 15 uploads, the gate.
    jobs = 1 + 1 + len(audit) + len(tests) + 1 + len(upload.runs) + 1
    assert jobs == 319
    # Before: every audit job uploaded its own file (150 uploads holding security-events: write).
