"""reports/audit.md says why an ignore no longer applies, and which ignores matched nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nox_support.audit.config import ExpiresOn, Ignore, UntilFixed
from nox_support.audit.reports.markdown import MarkdownReporter
from nox_support.audit.scanners.interface import ScanCompleted, Vulnerability
from nox_support.audit.sources.interface import SourceInfo
from nox_support.audit.verdict import ReportContext, decide

WHERE = "pyproject.toml [tool.nox_support.audit]"
CONTEXT = ReportContext(
    service="shop",
    lock="services/shop/requirements.txt",
    lock_sha256="ff",
    generated_at="2025-01-01T00:00:00Z",
    run="run-1",
    venv="already synced",
    not_audited=(),
    lines={},
)


def test_an_expired_ignore_and_a_stale_one_are_shown_with_the_finding() -> None:
    found = Vulnerability("alpha", "1.0", "PYSEC-2099-1", ("CVE-2099-1",), ("1.1",), "pip-audit")
    ignores = (
        Ignore(
            "PYSEC-2099-1",
            "alpha",
            (),
            "until the upgrade",
            ExpiresOn(dt.date(2024, 12, 31)),
            f"{WHERE} ignore[1]",
        ),
        Ignore("GHSA-old", "beta", (), "no longer needed", UntilFixed(), f"{WHERE} ignore[2]"),
    )
    outcome = ScanCompleted(
        "pip-audit", "2.10", SourceInfo("offline", "/db", "offline sha256:abc", None), (found,)
    )
    report = decide(CONTEXT, ((outcome, False),), ignores, today=dt.date(2025, 1, 1))
    assert report.status == "vulnerable"

    markdown = MarkdownReporter().render((report,), root=Path("/repo"))
    where = r"pyproject.toml \[tool.nox_support.audit\] ignore\[1\]"
    assert (
        "| alpha | 1.0 | PYSEC-2099-1 | CVE-2099-1 | 1.1 | pip-audit "
        f"| **vulnerable** (ignore expired on 2024-12-31 ({where})) |\n"
    ) in markdown
    assert (
        "Expired ignores:\n\n"
        f"- ignore of PYSEC-2099-1 (alpha) expired on 2024-12-31 ({where}); it no longer ignores anything\n"
    ) in markdown
    assert markdown.endswith("Ignores that matched nothing (stale): GHSA-old (beta)\n")
