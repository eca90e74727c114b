"""Cross-service reports: ``nox -s drift`` over 200 services, ``nox -s conflicts`` over 10 and 50.

``.venv/bin/python -m benchmarks.cross_service [--repeats N] [--keep] [--update-docs]``

Same hermetic set-up as ``python -m benchmarks`` (a generated wheel index, nothing else visible to
pip or uv). The synthetic locks never drift on their own (every specifier admits the newest
version), so every third service's lock is rewritten to older, existing versions ("locked at
another time"): drift only reads locks. For ``conflicts``, one library is capped below 2 in the
even services and required at 2 or more in the odd ones, a pydantic-1/pydantic-2 split; the
compatible case has no split. Resolves come from ``reports/conflicts.json``; the baseline is the
number of resolves a pair-by-pair check needs.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import synth
from benchmarks.measure import BenchmarkError, Timing, hermetic_env, repeat
from benchmarks.report import seconds
from benchmarks.scenarios import Bench, make_repo, nox_startup, sample

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- cross-service benchmarks: begin -->"
END = "<!-- cross-service benchmarks: end -->"
_OLDER = {"2.1": "2.0", "1.1": "1.0"}


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print the section, optionally write it into docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cross_service", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--drift-size", type=int, default=200)
    parser.add_argument("--conflict-sizes", default="10,50")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="nox-support-cross-"))
    try:
        wheels = synth.write_index(synth.package_pool(), work / "wheels")
        bench = Bench(work, wheels, hermetic_env(work, wheels), args.repeats, 1, work / "logs")
        sizes = tuple(int(s) for s in args.conflict_sizes.split(","))
        universe = synth.plan(max(args.drift_size, *sizes))
        lines = drift_rows(bench, sample(universe, args.drift_size))
        lines += [
            conflict_row(bench, sample(universe, n), split=split) for n in sizes for split in (True, False)
        ]
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    section = document(lines, args.repeats)
    print(section)
    if args.update_docs:
        update_docs(section)
    return 0


def drift_rows(bench: Bench, universe: synth.Universe) -> list[str]:
    """``nox -s drift`` (whole run) and the in-process report, against Nox's own start-up."""
    n = len(universe.services)
    repo = make_repo(bench, universe, f"drift{n}", "uv")
    bench.nox(repo, "-s", "lock")
    for index, lock in enumerate(sorted(repo.glob("services/*/requirements.txt"))):
        if index % 3 == 0:
            text = lock.read_text(encoding="utf-8")
            lock.write_text(
                re.sub(r"==(2\.1|1\.1) ", lambda m: f"=={_OLDER[m.group(1)]} ", text), encoding="utf-8"
            )
    drift = repeat(lambda: bench.nox(repo, "-s", "drift"), bench.repeats)
    startup = nox_startup(bench, repo)
    report = json.loads((repo / "reports/drift.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    in_process = repeat(lambda: _in_process_drift(repo, time.perf_counter), bench.repeats)
    cpu = repeat(lambda: _in_process_drift(repo, time.process_time), bench.repeats)
    note = f"{summary['packages_locked']} packages locked, {summary['drifting']} drifting"
    return [
        f"| `nox -s drift`, {n} services | {_cell(drift)} | `nox -l`: {_cell(startup)} | {note} |",
        f"| drift report in-process, {n} services | {_cell(in_process)} | | read, analyse, write reports |",
        f"| the same, CPU time | {_cell(cpu)} | | what a loaded machine cannot inflate |",
    ]


def _in_process_drift(repo: Path, clock: Callable[[], float]) -> float:
    from nox_support.drift.session import DriftArgs, build_report, write_reports  # noqa: PLC0415
    from nox_support.project import Project  # noqa: PLC0415

    start = clock()
    write_reports(repo, build_report(Project.load(repo), DriftArgs(layers=False, services=())))
    return clock() - start


def conflict_row(bench: Bench, universe: synth.Universe, *, split: bool) -> str:
    """``nox -s conflicts`` on N services (uv), with the resolves it ran."""
    n = len(universe.services)
    repo = make_repo(bench, universe, f"conflicts{n}{'split' if split else ''}", "uv")
    if split:
        package = next(p.name for p in universe.packages if p.tier == "lib" and "2.0" in p.versions)
        for index, directory in enumerate(sorted(repo.glob("services/*"))):
            spec = f"{package}<2" if index % 2 == 0 else f"{package}>=2"
            with (directory / "requirements.in").open("a", encoding="utf-8") as handle:
                handle.write(spec + "\n")
    bench.nox(repo, "-s", "lock")
    timing = repeat(lambda: bench.nox(repo, "-s", "conflicts"), max(1, bench.repeats // 2))
    report = json.loads((repo / "reports/conflicts.json").read_text(encoding="utf-8"))
    pairs = n * (n - 1) // 2
    what = "half the services on each side of one library's 2.0" if split else "no conflict"
    found = f"minimal conflicts: {len(report['conflicts'])}, groups: {len(report['groups'])}"
    return (
        f"| `nox -s conflicts`, {n} services, {what} | {_cell(timing)} | {pairs + 1} resolves pair by pair "
        f"| **resolves: {report['resolves']}**; {report['verdict']}, {found} |"
    )


def _cell(timing: Timing) -> str:
    return f"{seconds(timing.median)} ({seconds(min(timing.runs))}-{seconds(max(timing.runs))})"


def document(rows: list[str], repeats: int) -> str:
    """The docs section (between markers, so a re-run replaces it)."""
    return "\n".join(
        [
            BEGIN,
            "## Cross-service reports (`drift`, `conflicts`)",
            "",
            (
                "Measured with `.venv/bin/python -m benchmarks.cross_service` "
                f"(medians of {repeats} runs for drift, fewer for conflicts; min-max in brackets; "
                '`compiler = "uv"`, the hermetic synthetic monorepo).'
            ),
            "",
            "| run | time | baseline | notes |",
            "| --- | ---: | --- | --- |",
            *rows,
            END,
        ]
    )


def update_docs(section: str) -> None:
    """Replace the marked section of docs/benchmarks.md, or append it."""
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
