"""Attacks on the audit: an advisory database that drops records, an old snapshot, a secret URL.

Each case asserts the exact verdict or message; each failed on the code before the fix
(issue 8: a record vanished, the audit said clean, or the credential reached a report).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
from collections.abc import Callable
from pathlib import Path

import nox
import pytest

from nox_support.audit import osvdb
from nox_support.audit.cache import ScanCache, cache_key
from nox_support.audit.codec import report_to_json
from nox_support.audit.config import ENV_MAX_DB_AGE, parse_audit_settings
from nox_support.audit.reports.markdown import MarkdownReporter
from nox_support.audit.reports.sarif import SarifReporter
from nox_support.audit.scan import scan_cached as _scan
from nox_support.audit.scanners.interface import (
    AuditedPackage,
    ScanCompleted,
    ScanFailed,
    ScanOutcome,
    ScanTarget,
)
from nox_support.audit.scanners.pip_audit import scrub
from nox_support.audit.server import OsvServer
from nox_support.audit.session import AuditFailedError, run_audit, run_audit_summary
from nox_support.audit.sources.interface import SourceInfo, VulnerabilitySource
from nox_support.audit.sources.offline import DatabaseTooOldError, OfflineOsvSource
from nox_support.audit.sources.osv import OsvSource
from nox_support.audit.verdict import ReportContext, decide
from nox_support.core.errors import ConfigError
from nox_support.core.redact import redact_url
from nox_support.project import Project
from nox_support.venv.values import Stamp
from tests.audit.conftest import FakeSession, make_repo, osv_record, write_osv_db

RECORD = """\
id: TEST-1
modified: {modified}
summary: synthetic
affected:
- package:
    ecosystem: {ecosystem}
    name: alpha
  ranges:
  - type: ECOSYSTEM
    events:
{events}
{withdrawn}
"""
EVENTS = "    - introduced: '0'\n    - fixed: '1.1'"
NOW = dt.datetime.now(dt.timezone.utc)


def record_text(
    *,
    withdrawn: str = "",
    ecosystem: str = "PyPI",
    events: str = EVENTS,
    modified: str = "2024-05-01T10:00:00Z",
) -> str:
    return RECORD.format(withdrawn=withdrawn, ecosystem=ecosystem, events=events, modified=modified)


def database(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "db"
    for name, text in files.items():
        path = root / "vulns" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def matching_ids(path: Path, tmp_path: Path, version: str = "1.0") -> list[str]:
    return [m.record.id for m in osvdb.load(path, tmp_path / "cache").query("alpha", version).matches]


def refused(path: Path, tmp_path: Path) -> str:
    with pytest.raises(osvdb.DatabaseError) as info:
        osvdb.load(path, tmp_path / "cache")
    return str(info.value)


HINT = "\n  hint: fix or remove those files; an audit cannot tell without them"

# ---------------------------------------------------------------------------
# The advisory database never drops a record silently


@pytest.mark.parametrize("spelling", ["withdrawn: null", "withdrawn: ~", "withdrawn:", "withdrawn: Null"])
def test_a_yaml_null_withdrawn_is_not_withdrawn(tmp_path: Path, spelling: str) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(withdrawn=spelling)})
    assert matching_ids(path, tmp_path) == ["TEST-1"]
    assert osvdb.identify(path, tmp_path / "cache").withdrawn == 0


def test_a_json_null_withdrawn_is_not_withdrawn(tmp_path: Path) -> None:
    record = osv_record("TEST-1", "alpha", fixed="1.1")
    record["withdrawn"] = None
    path = tmp_path / "db"
    (path / "vulns").mkdir(parents=True)
    (path / "vulns" / "TEST-1.json").write_text(json.dumps(record), encoding="utf-8")
    assert matching_ids(path, tmp_path) == ["TEST-1"]


def test_a_real_withdrawn_timestamp_still_withdraws(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(withdrawn="withdrawn: 2024-06-01T00:00:00Z")})
    assert matching_ids(path, tmp_path) == []
    assert osvdb.identify(path, tmp_path / "cache").withdrawn == 1


def test_an_unparseable_withdrawn_timestamp_is_an_error(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(withdrawn="withdrawn: last tuesday")})
    assert refused(path, tmp_path) == (
        f"offline OSV database {path}: 1 unreadable record(s):\n"
        "  alpha/TEST-1.yaml: TEST-1: withdrawn = 'last tuesday' is not an RFC 3339 timestamp" + HINT
    )


@pytest.mark.parametrize("ecosystem", ["pypi", "PYPI", "Pypi"])
def test_an_ecosystem_in_another_case_is_refused_not_skipped(tmp_path: Path, ecosystem: str) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(ecosystem=ecosystem)})
    assert refused(path, tmp_path) == (
        f"offline OSV database {path}: 1 unreadable record(s):\n"
        f"  alpha/TEST-1.yaml: TEST-1: ecosystem '{ecosystem}' is not OSV's 'PyPI' "
        "(OSV ecosystem names are case-sensitive)" + HINT
    )


def test_other_ecosystems_are_counted_not_refused(tmp_path: Path) -> None:
    path = database(
        tmp_path,
        {"alpha/TEST-1.yaml": record_text(), "npm/TEST-2.yaml": record_text(ecosystem="npm")},
    )
    identity = osvdb.identify(path, tmp_path / "cache")
    assert (identity.records, identity.other_ecosystems) == (2, 1)
    assert matching_ids(path, tmp_path) == ["TEST-1"]


@pytest.mark.parametrize("name", ["TEST-1.yml", "TEST-1.YAML", "TEST-1.Yml", "TEST-1.JSON"])
def test_record_files_with_other_extensions_are_read(tmp_path: Path, name: str) -> None:
    text = record_text()
    if name.lower().endswith(".json"):
        text = json.dumps(osv_record("TEST-1", "alpha", fixed="1.1"))
    path = database(tmp_path, {f"alpha/{name}": text, "README.md": "not a record"})
    assert matching_ids(path, tmp_path) == ["TEST-1"]
    identity = osvdb.identify(path, tmp_path / "cache")
    assert (identity.records, identity.ignored_files) == (1, ("README.md",))


def test_a_symlinked_sub_directory_is_read(tmp_path: Path) -> None:
    path = database(tmp_path, {"beta/TEST-2.yaml": record_text().replace("TEST-1", "TEST-2")})
    elsewhere = tmp_path / "elsewhere" / "alpha"
    elsewhere.mkdir(parents=True)
    (elsewhere / "TEST-1.yaml").write_text(record_text(), encoding="utf-8")
    (path / "vulns" / "alpha").symlink_to(elsewhere, target_is_directory=True)
    assert sorted(matching_ids(path, tmp_path)) == ["TEST-1", "TEST-2"]
    assert osvdb.identify(path, tmp_path / "cache").records == 2


def test_a_symlink_loop_is_an_error(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text()})
    loop = path / "vulns" / "alpha" / "again"
    loop.symlink_to(path / "vulns", target_is_directory=True)
    with pytest.raises(osvdb.DatabaseError) as info:
        osvdb.load(path, tmp_path / "cache")
    assert str(info.value) == (
        f"offline OSV database {path}: {loop} is a symlink loop (it leads back to {path / 'vulns'})\n"
        "  hint: remove the link; an audit must read every record exactly once"
    )


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ("    - fixed: '1.1'", "an ECOSYSTEM range has no 'introduced' event, so where it starts is unknown"),
        (
            "    - last_affected: '1.0'",
            "an ECOSYSTEM range has no 'introduced' event, so where it starts is unknown",
        ),
    ],
    ids=["fixed-only", "last-affected-only"],
)
def test_a_range_without_introduced_is_an_error(tmp_path: Path, events: str, reason: str) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(events=events)})
    assert refused(path, tmp_path) == (
        f"offline OSV database {path}: 1 unreadable record(s):\n  alpha/TEST-1.yaml: TEST-1: {reason}" + HINT
    )


def test_an_entry_that_says_no_version_and_an_unknown_range_type_are_errors(tmp_path: Path) -> None:
    no_versions = "id: TEST-1\naffected:\n- package:\n    ecosystem: PyPI\n    name: alpha\n"
    odd_range = record_text().replace("type: ECOSYSTEM", "type: CALVER").replace("TEST-1", "TEST-2")
    path = database(tmp_path, {"alpha/TEST-1.yaml": no_versions, "alpha/TEST-2.yaml": odd_range})
    assert refused(path, tmp_path) == (
        f"offline OSV database {path}: 2 unreadable record(s):\n"
        "  alpha/TEST-1.yaml: TEST-1: the entry for alpha has neither an ECOSYSTEM range nor 'versions', "
        "so the versions it affects cannot be evaluated\n"
        "  alpha/TEST-2.yaml: TEST-2: unknown range type 'CALVER' (expected ECOSYSTEM, SEMVER or GIT)" + HINT
    )


def test_the_report_counts_what_was_read_and_what_was_not_used(tmp_path: Path) -> None:
    path = write_osv_db(
        tmp_path / "db",
        [
            osv_record("TEST-1", "alpha", fixed="1.1"),
            osv_record("TEST-2", "alpha", fixed="9", withdrawn="2024-06-01T00:00:00Z"),
        ],
    )
    (path / "vulns" / "NOTES.txt").write_text("x", encoding="utf-8")
    details = dict(OfflineOsvSource(path, cache_root=tmp_path, timeout=1).info().details)
    assert {k: details[k] for k in ("records", "withdrawn", "other ecosystems", "ignored files")} == {
        "records": "2",
        "withdrawn": "1",
        "other ecosystems": "0",
        "ignored files": "1 (NOTES.txt)",
    }


def test_a_cached_index_from_before_the_fix_is_not_reused(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(withdrawn="withdrawn: null")})
    cache = tmp_path / "cache"
    identity = osvdb.identify(path, cache)
    # An index written by the old reader, which dropped the record as withdrawn "null".
    old = {"format": 1, "records": {"alpha": []}}
    (cache / osvdb.CACHE_DIR / f"index-{identity.content}.json").write_text(json.dumps(old), encoding="utf-8")
    osvdb._identify.cache_clear()
    osvdb._load.cache_clear()
    assert matching_ids(path, tmp_path) == ["TEST-1"]


# ---------------------------------------------------------------------------
# An old database says so; max_db_age_days makes it an error, cached verdict or not


def aged_database(tmp_path: Path, days: int) -> Path:
    modified = (NOW - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return database(tmp_path, {"alpha/TEST-1.yaml": record_text(modified=modified)})


def test_an_old_database_without_a_limit_still_works_but_warns(tmp_path: Path) -> None:
    path = aged_database(tmp_path, 400)
    info = OfflineOsvSource(path, cache_root=tmp_path, timeout=1).info()
    newest = (NOW - dt.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = (
        f"offline OSV database {path} is 400 days old (newest record {newest}); update it, or set "  # noqa: S608 - a message, not SQL
        "max_db_age_days ([tool.nox_support.audit] or NOX_SUPPORT_MAX_DB_AGE_DAYS) to make an older "
        "database an error"
    )
    assert info.warnings == (expected,)
    report = decide(CONTEXT, ((ScanCompleted("pip-audit", "2.10", info, ()), False),), (), today=TODAY)
    assert report.status == "clean"
    assert report.warnings == info.warnings
    assert "**Warnings:**" in MarkdownReporter().render((report,), root=tmp_path)
    assert json.loads(report_to_json(report))["warnings"] == list(info.warnings)


def test_a_fresh_database_has_no_warning(tmp_path: Path) -> None:
    path = aged_database(tmp_path, 2)
    assert OfflineOsvSource(path, cache_root=tmp_path, timeout=1).info().warnings == ()
    assert OfflineOsvSource(path, cache_root=tmp_path, timeout=1, max_age_days=14).info().warnings == ()


def test_max_db_age_days_refuses_an_older_database(tmp_path: Path) -> None:
    path = aged_database(tmp_path, 30)
    newest = (NOW - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(DatabaseTooOldError) as info:
        OfflineOsvSource(path, cache_root=tmp_path, timeout=1, max_age_days=14).info()
    assert str(info.value) == (
        f"offline OSV database {path} is 30 days old (newest record {newest}), older than "
        "max_db_age_days = 14 allows\n  hint: update the database (for example git pull in it), or raise "
        "max_db_age_days ([tool.nox_support.audit] or NOX_SUPPORT_MAX_DB_AGE_DAYS)"
    )


def test_max_db_age_days_refuses_a_database_of_unknown_age(tmp_path: Path) -> None:
    path = database(tmp_path, {"alpha/TEST-1.yaml": record_text(modified="null")})
    with pytest.raises(
        DatabaseTooOldError, match="no record has a 'modified' timestamp, so its age is unknown"
    ):
        OfflineOsvSource(path, cache_root=tmp_path, timeout=1, max_age_days=14).info()


def test_a_record_dated_in_the_future_does_not_make_a_database_fresh(tmp_path: Path) -> None:
    path = aged_database(tmp_path, -3650)
    newest = (NOW + dt.timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(DatabaseTooOldError) as info:
        OfflineOsvSource(path, cache_root=tmp_path, timeout=1, max_age_days=14).info()
    assert str(info.value).startswith(
        f"offline OSV database {path}: its newest record is dated in the future ({newest}), "
        "so its age is unknown (max_db_age_days = 14)\n"
    )
    (warning,) = OfflineOsvSource(path, cache_root=tmp_path, timeout=1).info().warnings
    assert warning.startswith(f"offline OSV database {path}: its newest record is dated in the future")


def test_max_db_age_days_from_the_environment_wins(tmp_path: Path) -> None:
    table = {"max_db_age_days": 30}
    settings = parse_audit_settings(table, root=tmp_path, environ={ENV_MAX_DB_AGE: "7"}, cwd=tmp_path)
    assert settings.max_db_age_days == 7
    assert parse_audit_settings(table, root=tmp_path, environ={}, cwd=tmp_path).max_db_age_days == 30
    assert parse_audit_settings({}, root=tmp_path, environ={}, cwd=tmp_path).max_db_age_days is None
    with pytest.raises(ConfigError) as info:
        parse_audit_settings({"max_db_age_days": 0}, root=tmp_path, environ={}, cwd=tmp_path)
    assert str(info.value) == (
        "pyproject.toml [tool.nox_support.audit] max_db_age_days = 0 must be a positive number of days\n"
        "  hint: for example 14; leave it unset to only warn about an old database"
    )
    with pytest.raises(ConfigError, match="NOX_SUPPORT_MAX_DB_AGE_DAYS = 'soon' must be a non-negative"):
        parse_audit_settings({}, root=tmp_path, environ={ENV_MAX_DB_AGE: "soon"}, cwd=tmp_path)


class FakeScanner:
    """A scanner that must not run: the verdict comes from the cache or not at all."""

    name = "pip-audit"

    def __init__(self, source: VulnerabilitySource) -> None:
        self._source = source
        self.scans = 0

    def version(self) -> str:
        return "2.10"

    def source(self) -> VulnerabilitySource:
        return self._source

    def scan(self, target: ScanTarget) -> ScanOutcome:  # noqa: ARG002 - the Scanner interface
        self.scans += 1
        return ScanCompleted(self.name, "2.10", self._source.info(), ())


def test_a_cached_clean_verdict_does_not_outlive_max_db_age_days(tmp_path: Path) -> None:
    path = aged_database(tmp_path, 30)
    cache = ScanCache(tmp_path / "audit-cache")
    lenient = OfflineOsvSource(path, cache_root=tmp_path, timeout=1)
    clean = ScanCompleted("pip-audit", "2.10", lenient.info(), ())
    cache.put("svc", cache_key(STAMP, "pip-audit", "2.10", lenient.info()), clean)
    warnings: list[str] = []
    strict = FakeScanner(OfflineOsvSource(path, cache_root=tmp_path, timeout=1, max_age_days=14))
    outcome, cached = _scan(strict, TARGET, STAMP, cache, refresh=False, warn=warnings.append)
    assert isinstance(outcome, ScanFailed)
    assert (cached, strict.scans) == (False, 0)
    assert outcome.reason.startswith(f"offline OSV database {path} is 30 days old")
    report = decide(CONTEXT, ((outcome, cached),), (), today=TODAY)
    assert report.status == "error"


# ---------------------------------------------------------------------------
# A credential in the OSV URL never reaches a report, the cache or a message

SECRET_URL = "https://build-bot:pw-SECRET-1@osv.internal.example/v1/query?token=tok-SECRET-2"  # noqa: S105
SECRETS = ("pw-SECRET-1", "tok-SECRET-2", "build-bot")
STAMP = Stamp(
    (("requirements.txt", "aa"),), "3.11.7 /py 1:2", "3.11.7", "fp", (), (("alpha", "1.0"),), (), "uv"
)
CONTEXT = ReportContext(
    service="svc",
    lock="services/svc/requirements.txt",
    lock_sha256="ff",
    generated_at="2025-01-01T00:00:00Z",
    run="run-1",
    venv="already synced",
    not_audited=(),
    lines={},
)
TARGET = ScanTarget(
    "svc", Path("/venv/lib"), Path("/venv/bin/python"), (AuditedPackage("alpha", "1.0"),), (), Path()
)
TODAY = dt.date(2025, 1, 1)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_the_osv_url_is_redacted_and_its_identity_is_a_digest() -> None:
    info = OsvSource(SECRET_URL, timeout=1, ttl_seconds=60).info()
    assert info.location == "https://***@osv.internal.example/v1/query?token=***"
    assert info.identity.startswith("osv sha256:")
    assert_no_secret(info.identity)
    rotated = OsvSource(SECRET_URL.replace("tok-SECRET-2", "tok-NEW"), timeout=1, ttl_seconds=60).info()
    assert rotated.identity != info.identity
    assert rotated.location == info.location


def test_no_report_format_carries_the_credential(tmp_path: Path) -> None:
    info = OsvSource(SECRET_URL, timeout=1, ttl_seconds=60).info()
    crash = (
        f"pip-audit failed: ConnectionError: HTTPSConnectionPool: Max retries exceeded with url {SECRET_URL}"
    )
    # A source built by an older version kept the URL as it was: the report redacts it too.
    raw = SourceInfo("osv", SECRET_URL, "osv x", 60)
    outcomes: tuple[tuple[ScanOutcome, bool], ...] = (
        (ScanFailed("pip-audit", "2.10", info, crash), False),
        (ScanFailed("safety", "2.3", raw, f"safety: {SECRET_URL}"), False),
    )
    report = decide(CONTEXT, outcomes, (), today=TODAY)
    assert report.status == "error"
    assert report.errors[0] == (
        "pip-audit: pip-audit failed: ConnectionError: HTTPSConnectionPool: Max retries exceeded with url "
        "https://***@osv.internal.example/v1/query?token=***"
    )
    for text in (
        report_to_json(report),
        MarkdownReporter().render((report,), root=tmp_path),
        SarifReporter().render((report,), root=tmp_path),
    ):
        assert_no_secret(text)


def test_the_verdict_cache_does_not_store_the_credential(tmp_path: Path) -> None:
    info = OsvSource(SECRET_URL, timeout=1, ttl_seconds=60).info()
    cache = ScanCache(tmp_path)
    key = cache_key(STAMP, "pip-audit", "2.10", info)
    cache.put("svc", key, ScanCompleted("pip-audit", "2.10", info, ()))
    assert_no_secret((tmp_path / "svc.pip-audit.json").read_text(encoding="utf-8"))
    assert cache.get("svc", "pip-audit", key, ttl_seconds=60) is not None
    rotated = OsvSource(SECRET_URL.replace("pw-SECRET-1", "pw-NEW"), timeout=1, ttl_seconds=60).info()
    assert (
        cache.get("svc", "pip-audit", cache_key(STAMP, "pip-audit", "2.10", rotated), ttl_seconds=60) is None
    )


# ---------------------------------------------------------------------------
# Disk full while caching: the verdict stands, nothing half-written, one clear warning


class FullDiskCache(ScanCache):
    def put(self, service: str, key: str, outcome: ScanCompleted, *, now: float | None = None) -> None:  # noqa: ARG002
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_caching_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    source = OfflineOsvSource(aged_database(tmp_path, 2), cache_root=tmp_path, timeout=1)
    warnings: list[str] = []
    scanner = FakeScanner(source)
    outcome, cached = _scan(
        scanner, TARGET, STAMP, FullDiskCache(tmp_path / "c"), refresh=False, warn=warnings.append
    )
    assert isinstance(outcome, ScanCompleted)
    assert (cached, scanner.scans) == (False, 1)
    assert warnings == ["svc: pip-audit verdict not cached (No space left on device); the next run rescans"]


def test_a_full_disk_leaves_the_previous_cache_entry_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = SourceInfo("offline", "/db", "offline sha256:1", None)
    cache = ScanCache(tmp_path)
    cache.put("svc", "old-key", ScanCompleted("pip-audit", "2.10", info, ()))
    before = (tmp_path / "svc.pip-audit.json").read_bytes()

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("nox_support.core.atomic.os.fsync", full)
    with pytest.raises(OSError, match="No space left on device"):
        cache.put("svc", "new-key", ScanCompleted("pip-audit", "2.10", info, ()))
    monkeypatch.undo()
    assert (tmp_path / "svc.pip-audit.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.pip-audit.json"]


def test_scrub_masks_url_parts_quoted_without_a_scheme() -> None:
    message = (
        "ConnectionError: HTTPSConnectionPool(host='osv.internal.example', port=443): Max retries "
        "exceeded with url: /v1/query?token=tok-SECRET-2 (Caused by ...) auth pw-SECRET-1"
    )
    assert scrub(message, SECRET_URL) == (
        "ConnectionError: HTTPSConnectionPool(host='osv.internal.example', port=443): Max retries "
        "exceeded with url: /v1/query?token=*** (Caused by ...) auth ***"
    )


# ---------------------------------------------------------------------------
# End to end: real pip-audit, a loopback OSV API behind a URL with a credential


def refreshing(session: FakeSession) -> nox.Session:
    session.posargs = ["--refresh"]
    return session.as_nox()


def every_text(*directories: Path) -> list[tuple[Path, str]]:
    return [
        (path, path.read_bytes().decode("utf-8", "replace"))
        for directory in directories
        for path in directory.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]


@pytest.mark.slow
def test_end_to_end_the_osv_url_credential_reaches_no_file_log_or_message(
    tmp_path: Path, wheelhouse: Path, offline_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del offline_index
    monkeypatch.setenv("NOX_SUPPORT_VENV_TIMEOUT", "60")
    repo = make_repo(tmp_path / "repo", wheelhouse, {"svc": {"alpha": "1.0"}}, common=False)
    monkeypatch.chdir(repo)
    step = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    db = write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-1", "alpha", fixed="1.1")])
    messages: list[str] = []
    sessions: list[FakeSession] = []

    def run(body: Callable[[FakeSession], None]) -> None:
        session = FakeSession(repo / ".nox" / "audit-svc")
        sessions.append(session)
        with pytest.raises(AuditFailedError) as info:
            body(session)
        messages.append(str(info.value))

    with OsvServer(osvdb.load(db, tmp_path / "index")) as server:
        url = server.url.replace("http://", "http://build-bot:pw-SECRET-1@") + "?token=tok-SECRET-2"
        monkeypatch.setenv("NOX_SUPPORT_OSV_URL", url)
        run(lambda s: run_audit(s.as_nox(), Project.load(repo), "svc"))
        report = json.loads((repo / "reports/audit/svc.json").read_text(encoding="utf-8"))
        assert report["status"] == "vulnerable"
        assert report["source"]["location"] == redact_url(url)
        run(lambda s: run_audit(s.as_nox(), Project.load(repo), "svc"))  # from the verdict cache
        cached = json.loads((repo / "reports/audit/svc.json").read_text(encoding="utf-8"))
        assert cached["scanners"][0]["cached"] is True
    # The same URL, now unreachable: the crash text quotes the URL's path and query.
    run(lambda s: run_audit(refreshing(s), Project.load(repo), "svc"))
    assert messages[-1].startswith("audit of svc: error\ncould not tell whether the service is vulnerable:")
    assert "/v1/query?token=***" in messages[-1]
    run(lambda s: run_audit_summary(s.as_nox(), Project.load(repo)))
    texts = [(Path("message"), m) for m in messages]
    texts += [(Path("log"), line) for s in sessions for line in (*s.logs, *s.warnings)]
    texts += every_text(repo / "reports", repo / ".nox" / "nox-support", step.parent)
    leaks = [(path, secret) for path, text in texts for secret in SECRETS if secret in text]
    assert leaks == []
