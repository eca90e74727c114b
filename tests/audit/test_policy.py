from __future__ import annotations

import datetime as dt

from nox_support.audit.config import ExpiresOn, Ignore, UntilFixed
from nox_support.audit.policy import apply_policy
from nox_support.audit.scanners.interface import Vulnerability

TODAY = dt.date(2025, 3, 1)
LATER = ExpiresOn(dt.date(2025, 6, 1))


def vuln(vid: str = "PYSEC-1", package: str = "alpha", fixes: tuple[str, ...] = ("1.1",)) -> Vulnerability:
    return Vulnerability(package, "1.0", vid, ("CVE-2025-1", "GHSA-xxxx"), fixes, "pip-audit")


def ignore(
    vid: str = "PYSEC-1",
    package: str = "alpha",
    *,
    expiry: ExpiresOn | UntilFixed = LATER,
    services: tuple[str, ...] = (),
) -> Ignore:
    return Ignore(vid, package, services, "not reachable", expiry, "pyproject.toml ignore[1]")


def test_unignored_findings_count_and_carry_their_lock_line() -> None:
    result = apply_policy((vuln(),), (), service="svc", today=TODAY, lines={"alpha": 7})
    (finding,) = result.findings
    assert not finding.ignored
    assert finding.line == 7
    assert result.expired == result.unmatched == ()


def test_ignore_by_id_or_alias_case_insensitively_stays_in_the_report() -> None:
    for vid in ("PYSEC-1", "cve-2025-1", "GHSA-XXXX"):
        (finding,) = apply_policy((vuln(),), (ignore(vid),), service="svc", today=TODAY, lines={}).findings
        assert finding.ignored
        assert finding.ignore_reason == "not reachable"


def test_ignore_for_another_package_or_service_does_not_apply() -> None:
    ignores = (ignore(package="beta"), ignore(services=("other",)))
    result = apply_policy((vuln(),), ignores, service="svc", today=TODAY, lines={})
    assert not result.findings[0].ignored
    assert result.unmatched == ("PYSEC-1 (beta)",)  # the other service's ignore is out of scope here


def test_expiry_day_itself_still_ignores_the_day_after_does_not() -> None:
    expiring = ignore(expiry=ExpiresOn(TODAY))
    assert apply_policy((vuln(),), (expiring,), service="svc", today=TODAY, lines={}).findings[0].ignored
    later = apply_policy((vuln(),), (expiring,), service="svc", today=TODAY + dt.timedelta(days=1), lines={})
    assert not later.findings[0].ignored
    assert "expired on 2025-03-01" in (later.findings[0].note or "")
    assert len(later.expired) == 1
    assert later.unmatched == ()


def test_until_fixed_ignores_only_while_no_fix_exists() -> None:
    until = ignore(expiry=UntilFixed())
    unfixed = apply_policy((vuln(fixes=()),), (until,), service="svc", today=TODAY, lines={})
    assert unfixed.findings[0].ignored
    fixed = apply_policy((vuln(fixes=("1.1",)),), (until,), service="svc", today=TODAY, lines={})
    assert not fixed.findings[0].ignored
    assert "a fix exists (1.1)" in (fixed.findings[0].note or "")


def test_stale_ignores_are_reported() -> None:
    result = apply_policy((vuln(),), (ignore(), ignore("PYSEC-404")), service="svc", today=TODAY, lines={})
    assert result.unmatched == ("PYSEC-404 (alpha)",)


def test_expired_ignore_is_reported_even_when_nothing_matches() -> None:
    old = ignore("PYSEC-9", expiry=ExpiresOn(dt.date(2024, 1, 1)))
    result = apply_policy((), (old,), service="svc", today=TODAY, lines={})
    assert len(result.expired) == 1
    assert "PYSEC-9 (alpha) expired on 2024-01-01" in result.expired[0]
    assert result.unmatched == ("PYSEC-9 (alpha)",)
