"""Run the benchmarks: ``.venv/bin/python -m benchmarks [--quick] [--update-docs]``.

Everything happens in a throw-away directory (removed afterwards unless
``--keep``) over a generated local wheel index and a generated offline OSV
database; pip, pip-tools, uv and pip-audit see nothing else.  Results go to
``benchmarks/results/`` (not committed) and, with ``--update-docs``, into
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import synth
from benchmarks.measure import BenchmarkError, Timing, hermetic_env, machine_info
from benchmarks.report import Goal, document, seconds
from benchmarks.scenarios import (
    AuditTimings,
    Bench,
    RealServices,
    Row,
    SyncTimings,
    audit_cold,
    audit_scenarios,
    cold_lock,
    hashing_floor,
    layer_count,
    make_repo,
    matrix_scenarios,
    mean_pins,
    noop_freshness,
    noop_lock,
    nox_startup,
    real_services,
    sample,
    sample_baselines,
    venv_sync,
)

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
FRESHNESS = "`nox -s freshness` (nothing changed)"
NOOP_LOCK = "`nox -s lock` (nothing changed)"
STARTUP = "`nox -l` (Nox start-up + noxfile + discovery)"
FLOOR = "read + sha256 every input and lock, in-process (floor)"
COLD_LOCK = "`nox -s lock`, cold, compiler = uv"
WARM_AUDIT = "`nox -s audit`, warm, nothing changed"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options; ``--quick`` changes the defaults."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N = 10, 50; fewer runs, smaller samples")
    parser.add_argument("--sizes", type=_sizes, help="monorepo sizes (default 10,50,200)")
    parser.add_argument("--repeats", type=int, help="runs of warm scenarios (default 5)")
    parser.add_argument("--cold-repeats", type=int, help="runs of cold scenarios (default 3)")
    parser.add_argument("--sample", type=int, help="services in the pip-tools sample (default 6)")
    parser.add_argument("--sync-sample", type=int, help="services in the venv sync scenario (default 4)")
    parser.add_argument("--parallel-sizes", type=_sizes, help="sizes also run with nox -j 2 (default 10,50)")
    parser.add_argument("--audit-sizes", type=_sizes, help="sizes also audited (default 10,50)")
    parser.add_argument(
        "--naive-audit-sample", type=int, help="services in the naive audit baseline (default 5)"
    )
    parser.add_argument("--matrix-size", type=int, help="services in the matrix scenario (default 500)")
    parser.add_argument(
        "--network",
        action="store_true",
        help="also lock and audit this repository's sample services cold, resolving from PyPI (not hermetic)",
    )
    parser.add_argument("--work", type=Path, help="work directory (default: a new one under /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--update-docs", action="store_true", help=f"write the results into {DOCS.name}")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "sizes": (10, 50) if quick else (10, 50, 200),
        "repeats": 3 if quick else 5,
        "cold_repeats": 1 if quick else 3,
        "sample": 3 if quick else 6,
        "sync_sample": 2 if quick else 4,
        "parallel_sizes": (10,) if quick else (10, 50),
        "audit_sizes": (10,) if quick else (10, 50),
        "naive_audit_sample": 2 if quick else 5,
        "matrix_size": 200 if quick else 500,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario and write the report; exit 1 when a measured command failed."""
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="nox-support-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        text = Run(args, work).all()
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = text.replace("{elapsed}", f"{time.monotonic() - started:.0f} s")
    out = REPO / "benchmarks" / "results" / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {out}", file=sys.stderr)
    if args.update_docs:
        _update_docs(text)
    return 0


@dataclass
class Run:
    """One benchmark run: the scenarios in order, collecting rows, growth and goals."""

    args: argparse.Namespace
    work: Path
    rows: list[Row] = field(default_factory=list)
    growth: dict[str, dict[int, Timing]] = field(default_factory=dict)
    parallel: dict[int, tuple[Timing, Timing, Timing]] = field(default_factory=dict)
    audits: dict[int, AuditTimings] = field(default_factory=dict)
    pins: dict[int, float] = field(default_factory=dict)
    real: RealServices | None = None
    end_to_end: tuple[Timing, Timing] | None = None
    sync: SyncTimings | None = None

    def all(self) -> str:
        """Every scenario, then the report."""
        wheels = synth.write_index(synth.package_pool(), self.work / "wheels")
        self.db = synth.write_osv_database(synth.package_pool(), self.work / "advisory-db")
        env = hermetic_env(self.work, wheels)
        self.bench = Bench(
            self.work, wheels, env, self.args.repeats, self.args.cold_repeats, self.work / "logs"
        )
        sizes = (*self.args.sizes, self.args.sample, self.args.sync_sample, self.args.matrix_size)
        self.universe = synth.plan(max(sizes))
        _progress(f"sample of {self.args.sample} services: pip-tools and uv, cold and --force, then audit")
        self.base = sample_baselines(self.bench, self.universe, self.args.sample)
        self.sample_end_to_end()
        if self.args.network:
            self.real_services()
        for n in self.args.sizes:
            self.size(n)
        self.parallel_rows()
        self.venv_sync()
        self.matrix()
        return document(
            header=self.header(),
            rows=self.rows,
            growth=self.growth,
            goals=self.goals(),
            notes=self.notes(),
            growth_baseline=STARTUP,
        )

    # -- scenarios 1, 2, 3 (and 4, 5) per size ------------------------------------------------

    def size(self, n: int) -> None:
        """Every scenario that runs on the N-service monorepo."""
        _progress(f"N = {n}")
        bench, base = self.bench, self.base
        repo = make_repo(bench, sample(self.universe, n), f"n{n}", "uv")
        cold = cold_lock(bench, repo)
        self.pins[n] = mean_pins(repo)
        fresh = noop_freshness(bench, repo)
        noop = noop_lock(bench, repo)
        for name, timing in (
            (FRESHNESS, fresh),
            (NOOP_LOCK, noop),
            (STARTUP, nox_startup(bench, repo)),
            (FLOOR, hashing_floor(repo, max(self.args.repeats, 5))),
            (COLD_LOCK, cold),
        ):
            self.growth.setdefault(name, {})[n] = timing
        per = f"per service on the first {base.k} services"
        rerun = f"pip-compile again on every service: {_s(base.piptools_rerun)} {per}, x {n}"
        naive = base.piptools_rerun.scaled(n)
        self.rows += [
            Row(
                "1 freshness, nothing changed",
                n,
                fresh,
                f"`nox -s freshness` ({layer_count(repo)} locks)",
                naive,
                rerun,
            ),
            Row("2 lock, nothing changed", n, noop, f"`nox -s lock` ({n} sessions)", naive, rerun),
            Row(
                "3 lock, cold (no locks, empty caches)",
                n,
                cold,
                "`nox -s lock`, compiler = uv",
                base.piptools_cold.scaled(n),
                f"compiler = pip-tools: {_s(base.piptools_cold)} {per}, x {n}",
            ),
        ]
        if n in self.args.parallel_sizes:
            _progress(f"N = {n}: nox -j 2")
            self.parallel[n] = (
                noop,
                noop_lock(bench, repo, "-j", "2"),
                noop_lock(bench, repo, "-j", "2", "--allow-parallel"),
            )
        if n in self.args.audit_sizes:
            _progress(f"N = {n}: audit")
            self.audit(n, repo)

    def audit(self, n: int, repo: Path) -> None:
        """Scenarios 4 and 5 on the N-service monorepo."""
        k = min(self.args.naive_audit_sample, n)
        result = audit_scenarios(self.bench, repo, self.db, k)
        self.audits[n] = result
        self.growth.setdefault(WARM_AUDIT, {})[n] = result.warm
        naive = result.naive_per_service.scaled(n)
        label = (
            f"pip install -r lock + pip-audit, every service, every time: "
            f"{_s(result.naive_per_service)} per service on {k} services, x {n}"
        )
        self.rows += [
            Row(
                "4 audit, warm, nothing changed",
                n,
                result.warm,
                "`nox -s audit` (stamps + cached verdicts)",
                naive,
                label,
            ),
            Row(
                "5 audit after one service's lock changed",
                n,
                result.one_changed,
                "`nox -s audit`: one venv re-synced and re-scanned",
                naive,
                label,
                f"warm no-op: {_s(result.warm)}; only the changed service pays "
                f"{_s(Timing((result.one_changed.median - result.warm.median,)))} more",
            ),
            Row(
                "4 audit, cold (uv cache warm, no venvs; 1 run)",
                n,
                result.cold,
                "`nox -s audit`: create, sync and scan every venv; the venvs synced ahead",
                result.cold_one_by_one,
                "the same, each session syncing its own venv (`NOX_SUPPORT_AUDIT_AHEAD=0`)",
            ),
        ]
        if n == min(self.args.audit_sizes):
            _progress(f"N = {n}: audit with nox -j 2 --allow-parallel")
            env = {**self.bench.env, "NOX_SUPPORT_OSV_DB": str(self.db)}
            warm_parallel = Timing(
                tuple(
                    self.bench.nox(repo, "-j", "2", "--allow-parallel", "-s", "audit", env=env)
                    for _ in range(self.args.repeats)
                )
            )
            cold_parallel = audit_cold(self.bench, repo, self.db, "-j", "2", "--allow-parallel")
            self.rows += [
                Row(
                    "P `nox -j 2 --allow-parallel`, warm audit",
                    n,
                    warm_parallel,
                    "parallel",
                    result.warm,
                    "sequential",
                ),
                Row(
                    "P `nox -j 2 --allow-parallel`, cold audit",
                    n,
                    cold_parallel,
                    "parallel",
                    result.cold,
                    "sequential",
                ),
            ]

    # -- the uv path against the pip-tools path, end to end ----------------------------------

    def sample_end_to_end(self) -> None:
        """Cold audit (venv + sync + scan) of the sample with each path, after its cold lock."""
        base = self.base
        pip_audit = audit_cold(self.bench, base.piptools_repo, self.db, "-db", "virtualenv").scaled(
            1 / base.k
        )
        uv_audit = audit_cold(self.bench, base.uv_repo, self.db, "-db", "uv").scaled(1 / base.k)
        slow = Timing(tuple(a + b for a, b in zip(base.piptools_cold.runs, pip_audit.runs, strict=False)))
        fast = Timing(tuple(a + b for a, b in zip(base.uv_cold.runs, uv_audit.runs, strict=False)))
        self.end_to_end = (slow, fast)
        self.rows += [
            Row(
                "3 lock, cold: same services, per service",
                base.k,
                base.uv_cold,
                "compiler = uv",
                base.piptools_cold,
                "compiler = pip-tools",
                base.identical,
            ),
            Row(
                "E cold audit (venv + sync + scan), per service",
                base.k,
                uv_audit,
                "uv backend: uv venv + uv pip sync + pip-audit",
                pip_audit,
                "virtualenv backend: virtualenv + pip + pip-audit",
            ),
            Row(
                "E cold lock + sync + audit, per service",
                base.k,
                fast,
                "compiler = uv, uv backend",
                slow,
                "compiler = pip-tools, virtualenv backend",
            ),
        ]

    def real_services(self) -> None:
        """Opt-in: the repository's own services, cold, from PyPI."""
        _progress("the repository's sample services, cold, from PyPI")
        real = self.real = real_services(self.bench, REPO, self.db)
        n = real.services
        self.rows += [
            Row(
                "R sample services from PyPI: lock, cold",
                n,
                real.uv_lock,
                "compiler = uv",
                real.piptools_lock,
                "compiler = pip-tools",
                real.identical,
            ),
            Row(
                "R sample services from PyPI: audit, cold",
                n,
                real.uv_audit,
                "uv backend",
                real.pip_audit,
                "virtualenv backend",
            ),
            Row(
                "R sample services from PyPI: lock + sync + audit, cold",
                n,
                Timing(tuple(a + b for a, b in zip(real.uv_lock.runs, real.uv_audit.runs, strict=True))),
                "uv path",
                Timing(
                    tuple(a + b for a, b in zip(real.piptools_lock.runs, real.pip_audit.runs, strict=True))
                ),
                "pip-tools path",
            ),
        ]

    def parallel_rows(self) -> None:
        """``nox -j 2`` beside the sequential run of the same no-op sessions."""
        for n, (sequential, plain, allowed) in self.parallel.items():
            self.rows += [
                Row("P `nox -j 2`, no-op lock", n, plain, "`nox -j 2 -s lock`", sequential, "`nox -s lock`"),
                Row(
                    "P `nox -j 2 --allow-parallel`, no-op lock",
                    n,
                    allowed,
                    "`nox -j 2 --allow-parallel -s lock`",
                    sequential,
                    "`nox -s lock`",
                ),
            ]

    # -- scenarios 6 and 7 -------------------------------------------------------------------

    def venv_sync(self) -> None:
        """Scenario 6 on its own small monorepo."""
        k = self.args.sync_sample
        _progress(f"venv sync of {k} services")
        repo = make_repo(self.bench, sample(self.universe, k), "sync", "uv")
        self.bench.nox(repo, "-s", "lock")
        sync = self.sync = venv_sync(self.bench, repo, k)
        self.rows += [
            Row(
                "6 venv sync, cold, per service",
                k,
                sync.cold["uv"],
                "uv venv + `uv pip sync` (uv backend)",
                sync.cold["pip"],
                "virtualenv + pip (virtualenv backend)",
            ),
            Row(
                "6 venv sync, no-op, per service",
                k,
                sync.noop["uv"],
                "stamp check, uv backend",
                sync.naive["uv"],
                "a session that installs the lock again (`session.install`, uv backend)",
            ),
            Row(
                "6 venv sync, no-op, per service",
                k,
                sync.noop["pip"],
                "stamp check, virtualenv backend",
                sync.naive["pip"],
                "a session that installs the lock again (`session.install`, pip)",
            ),
        ]

    def matrix(self) -> None:
        """Scenario 7."""
        n = self.args.matrix_size
        _progress(f"matrix of {n} services")
        repo = make_repo(self.bench, sample(self.universe, n), f"matrix{n}", "uv")
        everything, affected, listing = matrix_scenarios(self.bench, repo)
        self.rows += [
            Row(
                "7 matrix, every service",
                n,
                everything,
                "`python -m nox_support matrix`",
                listing,
                "`nox -l --json` alone",
            ),
            Row(
                "7 matrix, affected services",
                n,
                affected,
                "`python -m nox_support matrix --changed-since HEAD~1` (1 service changed)",
                listing,
                "`nox -l --json` alone",
            ),
        ]

    # -- report ------------------------------------------------------------------------------

    def goals(self) -> list[Goal]:
        """The issue's goals against the figures of this run."""
        big = max(self.args.sizes)
        goals = [
            Goal(
                f"`freshness` on {big} services: under 1 s wall, incl. Nox start-up",
                1.0,
                self.growth[FRESHNESS][big].median,
            ),
            Goal(
                f"no-op `lock` on {big} services: under 1 s wall, incl. Nox start-up",
                1.0,
                self.growth[NOOP_LOCK][big].median,
            ),
        ]
        audit50 = self.audits.get(50)
        goals.append(
            Goal(
                "warm no-op `audit` on 50 services: under 2 s wall",
                2.0,
                audit50.warm.median if audit50 else None,
            )
        )
        if self.end_to_end is not None:
            slow, fast = self.end_to_end
            goals.append(
                Goal(
                    "cold lock + sync + audit, synthetic services: uv path at least 8x faster than pip-tools",
                    8.0,
                    slow.median / fast.median,
                    higher_is_better=True,
                    unit="x",
                )
            )
        if self.real is not None:
            real = self.real
            slow_real = real.piptools_lock.median + real.pip_audit.median
            fast_real = real.uv_lock.median + real.uv_audit.median
            goals.append(
                Goal(
                    f"cold lock + sync + audit, {real.services} sample services (PyPI): uv path >= 8x faster",
                    8.0,
                    slow_real / fast_real,
                    higher_is_better=True,
                    unit="x",
                )
            )
        for n, (sequential, plain, _) in self.parallel.items():
            goals.append(
                Goal(
                    f"`nox -j 2 -s lock`, no-op, {n} services: not slower than sequential ({_s(sequential)})",
                    sequential.median * 1.1,
                    plain.median,
                )
            )
        return goals

    def notes(self) -> list[str]:
        """What the reader must know to trust the figures."""
        base = self.base
        extra: list[str] = []
        if self.sync is not None:
            slow = base.piptools_cold.median + self.sync.cold["pip"].median
            fast = base.uv_cold.median + self.sync.cold["uv"].median
            extra.append(
                f"Without the vulnerability scan (pip-audit does the same work in both paths), cold lock + "
                f"sync per service is {_s(Timing((fast,)))} with uv against {_s(Timing((slow,)))} with "
                f"pip-tools and pip: {slow / fast:.0f}x."
            )
        return [
            *extra,
            (
                f"pip-tools baselines and the naive audit are measured on the first {base.k} (audit: "
                f"{self.args.naive_audit_sample}) services of the same synthetic monorepo (every size starts "
                "with the same services) and multiplied by N, as each row says. Cold pip-compile on 200 "
                "services would take over 10 minutes per run."
            ),
            f"Compiler parity on that sample: {base.identical}.",
            (
                f"Service size: the sample's main locks hold {mean_pins(base.uv_repo):.0f} pins on average; "
                + ", ".join(f"N = {n}: {pins:.0f}" for n, pins in self.pins.items())
                + "."
            ),
            (
                "Cold runs start with no locks and empty pip, pip-tools and uv caches; wheels come from a "
                "local directory, so no figure includes network time (a real index makes pip-compile slower)."
            ),
            (
                "The offline OSV database is synthetic (one to three records per package, none affecting the "
                "locked versions, plus 2000 records for unused packages), so every audit is clean."
            ),
            "The 'goal' for `nox -j 2` allows 10 % noise over the sequential median.",
            "Medians of the stated number of runs; the machine is small and shared (runs vary 10-30 %).",
        ]

    def header(self) -> dict[str, str]:
        """Date, commit, command and machine."""
        commit = subprocess.run(  # noqa: PLW1510 - a missing git only blanks the field
            ("git", "-C", str(REPO), "describe", "--always", "--dirty"), capture_output=True, text=True
        ).stdout.strip()
        command = "python -m benchmarks" + ("" if not sys.argv[1:] else " " + " ".join(sys.argv[1:]))
        return {
            "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "nox-support": commit or "unknown",
            "command": f"`{command}` (took {{elapsed}})",
            **machine_info(),
            "runs": f"{self.args.repeats} per warm scenario, {self.args.cold_repeats} per cold scenario",
        }


def _s(timing: Timing) -> str:
    return seconds(timing.median)


def _update_docs(text: str) -> None:
    current = DOCS.read_text(encoding="utf-8")
    if BEGIN not in current or END not in current:
        print(f"{DOCS} has no {BEGIN} ... {END} block; not updated", file=sys.stderr)
        return
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOCS.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")
    print(f"updated {DOCS}", file=sys.stderr)


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
