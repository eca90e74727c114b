"""The measured scenarios, each beside its baseline from the same run."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.measure import NOX, BenchmarkError, Timing, fresh_caches, last_output, repeat, run
from nox_support.lock import reqfile

Pins = dict[str, tuple[str | None, frozenset[str]]]


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    scenario: str
    n: int
    ours: Timing | None
    ours_label: str
    baseline: Timing | None = None
    baseline_label: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times faster than the baseline (median over median)."""
        if self.ours is None or self.baseline is None or self.ours.median == 0:
            return None
        return self.baseline.median / self.ours.median


@dataclass
class Bench:
    """Where and how one benchmark run measures."""

    work: Path
    wheels: Path
    env: dict[str, str]
    repeats: int
    cold_repeats: int
    logs: Path
    _tags: itertools.count[int] = field(default_factory=itertools.count)

    def nox(
        self, repo: Path, *args: str, env: dict[str, str] | None = None, noxfile: str = "noxfile.py"
    ) -> float:
        """Run Nox in *repo*; seconds, including Nox start-up."""
        command = (NOX, "--non-interactive", "-f", str(repo / noxfile), *args)
        return run(
            command, cwd=repo, env=env or self.env, log=self.logs / f"{repo.parent.name}-{repo.name}.log"
        )

    def cold_env(self, what: str) -> dict[str, str]:
        """Empty tool caches for one cold run."""
        return fresh_caches(self.env, self.work, f"{what}-{next(self._tags)}")

    def log_of(self, repo: Path) -> Path:
        """The log Nox runs in *repo* append to."""
        return self.logs / f"{repo.parent.name}-{repo.name}.log"


def make_repo(bench: Bench, universe: synth.Universe, name: str, compiler: str) -> Path:
    """A fresh synthetic monorepo under the work directory."""
    root = bench.work / name / "repo"
    if root.exists():
        shutil.rmtree(root)
    return synth.write_repo(universe, root, compiler=compiler)


def sample(universe: synth.Universe, k: int) -> synth.Universe:
    """The first *k* services (every size's monorepo starts with them)."""
    return replace(universe, services=universe.services[:k])


def layer_count(repo: Path) -> int:
    """How many locks the monorepo has (one per ``requirements*.in`` of a service)."""
    return len(list(repo.glob("services/*/requirements*.in")))


def mean_pins(repo: Path) -> float:
    """Average number of pins in the main locks (how big the services are)."""
    counts = [len(_pins(lock)) for lock in repo.glob("services/*/requirements.txt")]
    return sum(counts) / len(counts) if counts else 0.0


def remove_locks(repo: Path) -> None:
    """Delete every lock and Nox's state: the next lock run is cold."""
    for lock in repo.glob("services/*/requirements*.txt"):
        lock.unlink()
    shutil.rmtree(repo / ".nox", ignore_errors=True)


def expect_count(bench: Bench, repo: Path, needle: str, count: int, what: str) -> None:
    """Fail unless the last Nox run printed *needle* exactly *count* times (honesty check)."""
    seen = last_output(bench.log_of(repo)).count(needle)
    if seen != count:
        msg = f"{what}: expected {count} x {needle!r} in the last run of {repo}, saw {seen}"
        raise BenchmarkError(msg)


# ---------------------------------------------------------------------------
# Scenario 3: cold lock, and the per-service pip-tools baselines (on a sample)


@dataclass(frozen=True)
class SampleBaselines:
    """Per-service costs measured on the first k services with both compilers."""

    k: int
    layers: int
    piptools_cold: Timing
    uv_cold: Timing
    piptools_rerun: Timing
    uv_rerun: Timing
    identical: str
    piptools_repo: Path
    uv_repo: Path


def sample_baselines(bench: Bench, universe: synth.Universe, k: int) -> SampleBaselines:
    """Lock the first *k* services cold and again (``--force``) with pip-tools and with uv."""
    part = sample(universe, k)
    piptools = make_repo(bench, part, f"sample{k}-piptools", "pip-tools")
    uv = make_repo(bench, part, f"sample{k}-uv", "uv")
    layers = layer_count(uv)
    timings: dict[str, Timing] = {}
    for name, repo in (("piptools", piptools), ("uv", uv)):
        timings[f"{name}_cold"] = repeat(
            partial(_cold_lock_once, bench, repo, name),
            bench.cold_repeats,
            before=partial(remove_locks, repo),
        )
        expect_count(bench, repo, ": wrote ", layers, f"cold lock ({name})")
    for name, repo in (("piptools", piptools), ("uv", uv)):
        timings[f"{name}_rerun"] = repeat(
            partial(bench.nox, repo, "-s", "lock", "--", "--force"), bench.cold_repeats
        )
        expect_count(bench, repo, "recompiled, no change", layers, f"rerun ({name})")
    per_service = 1 / k
    return SampleBaselines(
        k=k,
        layers=layers,
        piptools_cold=timings["piptools_cold"].scaled(per_service),
        uv_cold=timings["uv_cold"].scaled(per_service),
        piptools_rerun=timings["piptools_rerun"].scaled(per_service),
        uv_rerun=timings["uv_rerun"].scaled(per_service),
        identical=compare_locks(piptools, uv),
        piptools_repo=piptools,
        uv_repo=uv,
    )


def _cold_lock_once(bench: Bench, repo: Path, what: str) -> float:
    return bench.nox(repo, "-s", "lock", env=bench.cold_env(what))


def compare_locks(left: Path, right: Path) -> str:
    """Whether every lock of *left* has the same pins and hashes as *right*'s; raises if not."""
    locks = sorted(p.relative_to(left) for p in left.glob("services/*/requirements*.txt"))
    pins = hashes = 0
    for relative in locks:
        a, b = _pins(left / relative), _pins(right / relative)
        if a != b:
            differ = sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))
            msg = f"pip-tools and uv disagree on {relative}: {', '.join(differ[:10])}"
            raise BenchmarkError(msg)
        pins += len(a)
        hashes += sum(len(h) for _, h in a.values())
    return f"identical pins and hashes in {len(locks)} locks ({pins} pins, {hashes} hashes)"


def _pins(lock: Path) -> Pins:
    entries = reqfile.parse(lock.read_text(encoding="utf-8"), path=str(lock))
    return {e.name: (e.pin, frozenset(e.hashes)) for e in entries if isinstance(e, reqfile.NamedRequirement)}


def cold_lock(bench: Bench, repo: Path) -> Timing:
    """``nox -s lock`` with no locks and empty caches (uv compiler), every service."""
    timing = repeat(
        partial(_cold_lock_once, bench, repo, "uv-full"),
        bench.cold_repeats,
        before=partial(remove_locks, repo),
    )
    expect_count(bench, repo, ": wrote ", layer_count(repo), "cold lock")
    return timing


# ---------------------------------------------------------------------------
# Scenarios 1 and 2: nothing changed


def noop_freshness(bench: Bench, repo: Path) -> Timing:
    """``nox -s freshness`` on locks that all match their inputs."""
    timing = repeat(partial(bench.nox, repo, "-s", "freshness"), bench.repeats)
    expect_count(bench, repo, f"all {layer_count(repo)} locks are fresh", 1, "freshness")
    return timing


def noop_lock(bench: Bench, repo: Path, *extra: str) -> Timing:
    """``nox [extra] -s lock`` when no input changed (every session is a no-op)."""
    timing = repeat(partial(bench.nox, repo, *extra, "-s", "lock"), bench.repeats)
    expect_count(bench, repo, "is up to date (inputs unchanged)", layer_count(repo), "no-op lock")
    return timing


def nox_startup(bench: Bench, repo: Path) -> Timing:
    """``nox -l``: Nox start-up, noxfile import and service discovery, no session."""
    return repeat(partial(bench.nox, repo, "-l"), bench.repeats)


def hashing_floor(repo: Path, repeats: int) -> Timing:
    """Read and sha256 every input file of every service in this process (the floor)."""
    files = [
        *repo.glob("services/*/requirements*.in"),
        *repo.glob("constraints/*.txt"),
        *repo.glob("libs/*/pyproject.toml"),
        *repo.glob("services/*/requirements*.txt"),
    ]

    def measure() -> float:
        start = time.perf_counter()
        for path in files:
            hashlib.sha256(path.read_bytes()).hexdigest()
        return time.perf_counter() - start

    return repeat(measure, repeats)


# ---------------------------------------------------------------------------
# Scenario 6: venv sync


@dataclass(frozen=True)
class SyncTimings:
    """Venv sync of the sample services, per service."""

    k: int
    cold: dict[str, Timing]
    noop: dict[str, Timing]
    naive: dict[str, Timing]


def venv_sync(bench: Bench, repo: Path, k: int) -> SyncTimings:
    """Cold and no-op venv syncs with each installer, and installing the lock again (through Nox too)."""
    shutil.copy(Path(__file__).with_name("noxfile_sync.py"), repo / "noxfile_sync.py")
    cold: dict[str, Timing] = {}
    noop: dict[str, Timing] = {}
    naive: dict[str, Timing] = {}
    for backend, installer in (("virtualenv", "pip"), ("uv", "uv")):
        args = ("-db", backend, "-s", "sync")
        cold[installer] = repeat(
            partial(_cold_sync_once, bench, repo, args, installer),
            bench.cold_repeats,
            before=partial(_wipe_sync_venvs, repo),
        ).scaled(1 / k)
        expect_count(bench, repo, ": Synced", k, f"cold sync ({installer})")
        noop[installer] = repeat(
            partial(bench.nox, repo, *args, noxfile="noxfile_sync.py"), bench.repeats
        ).scaled(1 / k)
        expect_count(bench, repo, ": AlreadySynced", k, f"no-op sync ({installer})")
        reinstall = ("-db", backend, "-s", "reinstall")
        bench.nox(repo, *reinstall, noxfile="noxfile_sync.py")  # first install: not measured
        naive[installer] = repeat(
            partial(bench.nox, repo, *reinstall, noxfile="noxfile_sync.py"), bench.repeats
        ).scaled(1 / k)
    return SyncTimings(k, cold, noop, naive)


def _cold_sync_once(bench: Bench, repo: Path, args: tuple[str, ...], installer: str) -> float:
    return bench.nox(repo, *args, env=bench.cold_env(f"sync-{installer}"), noxfile="noxfile_sync.py")


def _wipe_sync_venvs(repo: Path) -> None:
    for path in (repo / ".nox").glob("sync*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _named_only(lock: Path) -> str:
    """The lock without local path lines (pip cannot hash-check a directory)."""
    entries = reqfile.parse(lock.read_text(encoding="utf-8"), path=str(lock))
    return "".join(
        f"{e.text} " + " ".join(f"--hash={h}" for h in e.hashes) + "\n"
        for e in entries
        if isinstance(e, reqfile.NamedRequirement)
    )


# ---------------------------------------------------------------------------
# Subsystems that may not exist yet


def missing_module(name: str) -> str | None:
    """Why a scenario cannot run: the module it needs is absent (``None`` when present)."""
    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"not measured: {name} is not in this checkout yet"


# ---------------------------------------------------------------------------
# Scenarios 4 and 5: audit


@dataclass(frozen=True)
class AuditTimings:
    """``nox -s audit`` over one monorepo, and the naive path on a sample of it."""

    n: int
    cold: Timing
    cold_one_by_one: Timing
    """The same cold audit with ``NOX_SUPPORT_AUDIT_AHEAD=0`` (each session syncs its own venv)."""
    warm: Timing
    one_changed: Timing
    naive_k: int
    naive_per_service: Timing


def audit_env(bench: Bench, db: Path) -> dict[str, str]:
    """The hermetic environment with the offline OSV database selected."""
    return {**bench.env, "NOX_SUPPORT_OSV_DB": str(db)}


def wipe_nox_state(repo: Path) -> None:
    """Remove every venv, stamp and cached verdict: the next audit is cold."""
    shutil.rmtree(repo / ".nox", ignore_errors=True)
    shutil.rmtree(repo / "reports", ignore_errors=True)


def audit_reports(repo: Path) -> dict[str, dict[str, Any]]:
    """``reports/audit/<service>.json`` by service."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((repo / "reports" / "audit").glob("*.json"))
    }


def expect_audit(repo: Path, services: int, *, resynced: int | None, scanned: int | None) -> None:
    """Every service is clean; *resynced* venvs were synced and *scanned* scans were not cached."""
    reports = audit_reports(repo)
    statuses = {name: report.get("status") for name, report in reports.items()}
    if len(reports) != services or set(statuses.values()) != {"clean"}:
        msg = f"audit of {repo}: expected {services} clean reports, got {statuses}"
        raise BenchmarkError(msg)
    synced = sum(1 for r in reports.values() if r.get("venv") != "already synced")
    fresh_scans = sum(
        1 for r in reports.values() for scanner in r.get("scanners", []) if not scanner["cached"]
    )
    if (resynced is not None and synced != resynced) or (scanned is not None and fresh_scans != scanned):
        msg = (
            f"audit of {repo}: expected {resynced} venv syncs and {scanned} uncached scans, "
            f"saw {synced} and {fresh_scans}"
        )
        raise BenchmarkError(msg)


def audit_cold(
    bench: Bench, repo: Path, db: Path, *extra: str, times: int | None = None, ahead: bool = True
) -> Timing:
    """``nox -s audit`` with no venvs and no cached verdicts (*times* runs, default: the cold repeats).

    *ahead*: ``False`` switches off syncing the venvs ahead (``NOX_SUPPORT_AUDIT_AHEAD=0``).
    """
    layers = len(list(repo.glob("services/*/requirements.in")))
    env = audit_env(bench, db) | ({} if ahead else {"NOX_SUPPORT_AUDIT_AHEAD": "0"})
    timing = repeat(
        partial(bench.nox, repo, *extra, "-s", "audit", env=env),
        bench.cold_repeats if times is None else times,
        before=partial(wipe_nox_state, repo),
    )
    expect_audit(repo, layers, resynced=layers, scanned=layers)
    return timing


def audit_scenarios(bench: Bench, repo: Path, db: Path, naive_k: int) -> AuditTimings:
    """Cold, warm no-op and one-lock-changed audits, and the naive path on *naive_k* services."""
    services = len(list(repo.glob("services/*/requirements.in")))
    env = audit_env(bench, db)
    one_by_one = audit_cold(bench, repo, db, times=1, ahead=False)
    cold = audit_cold(bench, repo, db, times=1)  # also the set-up for the warm runs
    warm = repeat(partial(bench.nox, repo, "-s", "audit", env=env), bench.repeats)
    expect_audit(repo, services, resynced=0, scanned=0)
    changed = repeat(
        partial(bench.nox, repo, "-s", "audit", env=env),
        bench.repeats,
        before=partial(_change_one_lock, bench, repo),
    )
    expect_audit(repo, services, resynced=1, scanned=1)
    naive = repeat(partial(_naive_audit, bench, repo, db, naive_k), bench.repeats).scaled(1 / naive_k)
    return AuditTimings(services, cold, one_by_one, warm, changed, naive_k, naive)


_TOGGLED = "test31>=1.0"


def _change_one_lock(bench: Bench, repo: Path) -> None:
    """Add or remove one requirement of the first service and re-lock it (untimed)."""
    source = repo / "services" / "svc-000" / "requirements.in"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line != _TOGGLED] if _TOGGLED in lines else [*lines, _TOGGLED]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bench.nox(repo, "-s", "lock(svc-000)")


def _naive_audit(bench: Bench, repo: Path, db: Path, k: int) -> float:
    """Install each lock and run pip-audit on it, every time: the path without stamps or caches."""
    from nox_support.audit.sources.interface import OsvEndpoint  # noqa: PLC0415 - only when auditing
    from nox_support.audit.sources.offline import OfflineOsvSource  # noqa: PLC0415

    total = 0.0
    source = OfflineOsvSource(db, cache_root=bench.work / "naive-audit", timeout=30)
    with source.serve() as endpoint:
        assert isinstance(endpoint, OsvEndpoint)
        for service in sorted((repo / "services").iterdir())[:k]:
            venvs = sorted((repo / ".nox").glob(f"audit*{service.name}"))
            sites = sorted(venvs[0].glob("lib/*/site-packages")) if venvs else []
            if not sites:
                msg = f"no audit venv for {service.name} in {repo / '.nox'}"
                raise BenchmarkError(msg)
            named = service / "named-only.txt"
            named.write_text(_named_only(service / "requirements.txt"), encoding="utf-8")
            python = str(venvs[0] / "bin" / "python")
            install = (sys.executable, "-m", "pip", "--python", python, "install", "-q", "-r", named.name)
            scan: tuple[str, ...] = (
                sys.executable,
                "-m",
                "pip_audit",
                "--path",
                str(sites[-1]),
                "--progress-spinner",
                "off",
            )
            scan += ("--vulnerability-service", "osv", "--osv-url", endpoint.url, "--format", "json")
            log = bench.logs / "naive-audit.log"
            total += run(install, cwd=service, env=bench.env, log=log)
            total += run(scan, cwd=service, env=bench.env, log=log)
            named.unlink()
    return total


# ---------------------------------------------------------------------------
# Scenario 7: the CI matrix


def matrix_scenarios(bench: Bench, repo: Path) -> tuple[Timing, Timing, Timing]:
    """``python -m nox_support matrix`` (all, and --changed-since HEAD~1), and ``nox -l --json``."""
    git = ("git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid")
    log = bench.logs / "matrix.log"
    run((*git, "init", "-q"), cwd=repo, env=bench.env, log=log)
    run((*git, "add", "-A"), cwd=repo, env=bench.env, log=log)
    run((*git, "commit", "-q", "-m", "services"), cwd=repo, env=bench.env, log=log)
    with (repo / "services" / "svc-001" / "requirements.in").open("a", encoding="utf-8") as handle:
        handle.write("core00>=1.0\n")
    run((*git, "commit", "-q", "-am", "one service changed"), cwd=repo, env=bench.env, log=log)
    matrix = (sys.executable, "-m", "nox_support", "matrix", "--root", ".")
    everything = repeat(partial(run, matrix, cwd=repo, env=bench.env, log=log), bench.repeats)
    affected = repeat(
        partial(run, (*matrix, "--changed-since", "HEAD~1"), cwd=repo, env=bench.env, log=log), bench.repeats
    )
    listing = repeat(partial(run, (NOX, "-l", "--json"), cwd=repo, env=bench.env, log=log), bench.repeats)
    return everything, affected, listing


# ---------------------------------------------------------------------------
# Opt-in: the repository's own sample services against PyPI (network)


@dataclass(frozen=True)
class RealServices:
    """Cold lock and cold audit of the real sample services, per path (whole run, not per service)."""

    services: int
    piptools_lock: Timing
    pip_audit: Timing
    uv_lock: Timing
    uv_audit: Timing
    identical: str


_NETWORK_DROPS = ("PIP_NO_INDEX", "PIP_FIND_LINKS", "UV_NO_INDEX", "UV_FIND_LINKS", "UV_OFFLINE")


def real_services(bench: Bench, source: Path, db: Path) -> RealServices:
    """Lock (cold) and audit (cold) ``services/`` of *source* with each path, resolving from PyPI."""
    ignore = shutil.ignore_patterns("requirements*.txt", "*.egg-info", "__pycache__", ".pytest_cache")
    repos: dict[str, Path] = {}
    for compiler in ("pip-tools", "uv"):
        root = bench.work / f"real-{compiler}" / "repo"
        shutil.rmtree(root, ignore_errors=True)
        for part in ("services", "libs", "constraints"):
            shutil.copytree(source / part, root / part, ignore=ignore)
        shutil.copy(source / "noxfile.py", root / "noxfile.py")
        synth.set_compiler(root, compiler)
        repos[compiler] = root
    services = len(list(repos["uv"].glob("services/*/requirements.in")))
    timings: dict[str, Timing] = {}
    for compiler, backend in (("pip-tools", "virtualenv"), ("uv", "uv")):
        repo = repos[compiler]
        timings[f"{compiler}-lock"] = repeat(
            partial(_network_run, bench, repo, ("-s", "lock"), compiler, None),
            bench.cold_repeats,
            before=partial(remove_locks, repo),
        )
        timings[f"{compiler}-audit"] = repeat(
            partial(_network_run, bench, repo, ("-db", backend, "-s", "audit"), backend, db),
            bench.cold_repeats,
            before=partial(wipe_nox_state, repo),
        )
    return RealServices(
        services,
        timings["pip-tools-lock"],
        timings["pip-tools-audit"],
        timings["uv-lock"],
        timings["uv-audit"],
        compare_locks(repos["pip-tools"], repos["uv"]),
    )


def _network_run(bench: Bench, repo: Path, args: tuple[str, ...], tag: str, db: Path | None) -> float:
    """A cold Nox run that may reach PyPI (the local wheel index is not configured)."""
    env = {k: v for k, v in bench.cold_env(tag).items() if k not in _NETWORK_DROPS}
    if db is not None:
        env["NOX_SUPPORT_OSV_DB"] = str(db)
    return bench.nox(repo, *args, env=env)
