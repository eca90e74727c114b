"""Cold audit of N services (uv cache warm, no venvs yet): the venvs synced ahead against one by one.

``.venv/bin/python -m benchmarks.cold_audit [--services 50] [--runs 3] [--before-nox PATH] [--profile]``

One hermetic synthetic monorepo (the same generator as ``python -m benchmarks``), locked once, and
one untimed audit to warm uv's cache.  Then, run after run, ``.nox`` is removed (no venv, no cached
verdict, no parsed advisory index) and ``nox -s audit`` runs twice: the baseline with syncing ahead
switched off (``NOX_SUPPORT_AUDIT_AHEAD=0``: each session creates and syncs its own venv when its
turn comes) and nox-support's default path.  The order alternates run by run, so a noisy minute
hurts both alike; every figure is a ratio to the baseline of the same run.  Each run must end with
every service audited clean, every scan uncached, and (default path) every venv synced by the ahead
step, not by its session.  ``--before-nox`` adds a third path, the ``nox`` of another checkout's
venv (e.g. ``main``'s, from ``git archive``), which then is the baseline of every ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import synth
from benchmarks.measure import NOX, BenchmarkError, Timing, hermetic_env, machine_info, run
from benchmarks.report import seconds
from benchmarks.scenarios import (
    Bench,
    audit_env,
    audit_reports,
    expect_audit,
    make_repo,
    sample,
    wipe_nox_state,
)

AHEAD_ENV = "NOX_SUPPORT_AUDIT_AHEAD"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_audit", description=__doc__)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="runs of each path (interleaved)")
    parser.add_argument("--profile", action="store_true", help="also profile one run of each path in-process")
    parser.add_argument(
        "--before-nox",
        type=Path,
        help="also time the nox of another checkout's venv (e.g. main's) as the baseline, interleaved",
    )
    parser.add_argument(
        "--ahead",
        type=int,
        metavar="N",
        help="also time the default path with N venvs synced at once (NOX_SUPPORT_AUDIT_AHEAD=N)",
    )
    parser.add_argument("--work", type=Path, help="work directory (default: a new one under /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both paths; print a Markdown table of medians and ratios."""
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="nox-support-cold-audit-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(measure(args, work))
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(args: argparse.Namespace, work: Path) -> str:
    """Build the monorepo, warm uv's cache, then time both paths run by run."""
    packages = synth.package_pool()
    wheels = synth.write_index(packages, work / "wheels")
    db = synth.write_osv_database(packages, work / "advisory-db")
    bench = Bench(work, wheels, hermetic_env(work, wheels), args.runs, args.runs, work / "logs")
    repo = make_repo(bench, sample(synth.plan(args.services), args.services), f"n{args.services}", "uv")
    bench.nox(repo, "-s", "lock")
    env = audit_env(bench, db)
    baseline_env = {**env, AHEAD_ENV: "0"}
    _progress("warming uv's cache (untimed)")
    wipe_nox_state(repo)
    bench.nox(repo, "-s", "audit", env=env)
    paths = ("before", "baseline", "ahead") if args.before_nox else ("baseline", "ahead")
    envs = {"baseline": baseline_env, "ahead": env}
    if args.ahead is not None:
        paths = (*paths, "wider")
        envs["wider"] = {**env, AHEAD_ENV: str(args.ahead)}
    runs: dict[str, list[float]] = {path: [] for path in paths}
    for index in range(args.runs):
        for path in paths if index % 2 == 0 else paths[::-1]:
            wipe_nox_state(repo)
            _progress(f"run {index + 1}/{args.runs}: {path}")
            if path == "before":
                command = (str(args.before_nox), "--non-interactive", "-f", str(repo / "noxfile.py"))
                runs[path].append(run((*command, "-s", "audit"), cwd=repo, env=env, log=bench.log_of(repo)))
                expect_audit(repo, args.services, resynced=args.services, scanned=args.services)
                continue
            runs[path].append(bench.nox(repo, "-s", "audit", env=envs[path]))
            _check(repo, args.services, ahead=path != "baseline")
    if args.profile:
        for path in ("baseline", "ahead"):
            wipe_nox_state(repo)
            _profile(repo, baseline_env if path == "baseline" else env, work / f"{path}.prof")
    return _table(args, {path: Timing(tuple(times)) for path, times in runs.items()})


def _check(repo: Path, services: int, *, ahead: bool) -> None:
    """Every report clean and scanned afresh; with the ahead step, every venv but the first synced ahead."""
    expect_audit(repo, services, resynced=services, scanned=services)
    venvs = {name: str(report.get("venv")) for name, report in audit_reports(repo).items()}
    by_ahead = sorted(name for name, venv in venvs.items() if venv.startswith("synced ahead"))
    expected = services - 1 if ahead else 0
    if len(by_ahead) != expected:
        msg = f"expected {expected} venvs synced ahead, saw {len(by_ahead)}: {venvs}"
        raise BenchmarkError(msg)


def _profile(repo: Path, env: dict[str, str], out: Path) -> None:
    """Profile one ``nox -s audit`` in this process (Nox runs the sessions in-process)."""
    import nox.__main__  # noqa: PLC0415 - only when profiling

    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [NOX, "--non-interactive", "-f", str(repo / "noxfile.py"), "-s", "audit"]
    os.chdir(repo)
    profiler = cProfile.Profile()
    try:
        profiler.runcall(_nox_main, nox.__main__.main)
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out), stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(40)


def _nox_main(entry: object) -> None:
    with contextlib.suppress(SystemExit):
        entry()  # type: ignore[operator]


_LABELS = {
    "before": "before: `--before-nox` (each session creates and syncs its own venv, scans over HTTP)",
    "baseline": "each session creates and syncs its own venv (`NOX_SUPPORT_AUDIT_AHEAD=0`)",
    "ahead": "venvs synced ahead (default)",
    "wider": "venvs synced ahead, `--ahead` at a time",
}


def _table(args: argparse.Namespace, timings: dict[str, Timing]) -> str:
    info = machine_info()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    base = timings["before"] if "before" in timings else timings["baseline"]
    lines = [
        f"- **machine:** {info['machine']}; 1-minute load average at the end: {load:.1f}",
        f"- **runs:** {args.runs} of each path, interleaved; {args.services} services",
        "",
        "| path | median | runs | ratio to the baseline |",
        "| --- | ---: | --- | ---: |",
    ]
    for path, timing in timings.items():
        shown = ", ".join(seconds(r) for r in timing.runs)
        lines.append(
            f"| {_LABELS[path]} | {seconds(timing.median)} | {shown} | {timing.median / base.median:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
