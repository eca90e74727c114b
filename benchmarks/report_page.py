"""The monorepo page at scale: ``reports/index.html`` for N services x M packages in headless Chromium.

``.venv/bin/python -m benchmarks.report_page [--services 300] [--packages 100] [--repeats 5] [--keep]``

A generated monorepo (``tests/report/scenes.py``: stamped locks, the real ``drift`` report, audit,
licence and JUnit reports for every service) gets ``nox -s report``'s body; Chromium (Debian's
``chromium``, as in the tests) then opens the page from disk.  Figures: the page's size, the time
``report`` takes to read the reports and write the page, and the page's load time as the browser
measured it (``performance.now()`` when the first render is laid out, written by the page into
``<html data-render-ms>``), beside the same figure for a 3-service page measured in the same run.
The tests assert only that every row rendered; timings live here.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import Timing, machine_info, repeat
from benchmarks.report import seconds
from nox_support.project import Project
from nox_support.report.session import run_report
from tests.fakes import RecordingSession
from tests.report import scenes
from tests.report.browser import dump_dom, render_ms


def build(root: Path) -> float:
    """Seconds ``report`` takes to read *root*'s reports and write the page."""
    start = time.perf_counter()
    run_report(RecordingSession().as_nox(), Project.load(root))
    return time.perf_counter() - start


def load(page: Path) -> tuple[Timing, Timing]:
    """(the page's own load time, the whole Chromium process) of one run."""
    start = time.perf_counter()
    dom = dump_dom(page)
    wall = time.perf_counter() - start
    return Timing((render_ms(dom) / 1000,)), Timing((wall,))


def loads(page: Path, times: int) -> tuple[Timing, Timing]:
    """:func:`load` *times* times."""
    runs = [load(page) for _ in range(times)]
    return Timing(tuple(r[0].runs[0] for r in runs)), Timing(tuple(r[1].runs[0] for r in runs))


def _row(label: str, timing: Timing, baseline: Timing) -> str:
    ratio = timing.median / baseline.median
    return f"| {label} | {seconds(timing.median)} | {seconds(baseline.median)} | {ratio:.1f}x |"


def main(argv: list[str] | None = None) -> int:
    """Measure, print a Markdown section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_page", description=__doc__)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="nox-support-report-page-"))
    try:
        big = scenes.generated(work / "big", args.services, args.packages)
        small = scenes.sample(work / "small")
        written = repeat(lambda: build(big), args.repeats)
        build(small)
        page, baseline = big / "reports" / "index.html", small / "reports" / "index.html"
        page_load, chromium = loads(page, args.repeats)
        base_load, base_chromium = loads(baseline, args.repeats)
        size, base_size = page.stat().st_size, baseline.stat().st_size
    finally:
        if args.keep:
            sys.stderr.write(f"kept {work}\n")
        else:
            shutil.rmtree(work, ignore_errors=True)
    info = machine_info()
    lines = [
        f"## Report page: {args.services} services x {args.packages} packages",
        "",
        f"{info['machine']}; {info['python']}; medians of {args.repeats} runs.",
        "",
        "| figure | this page | 3-service sample page (same run) | ratio |",
        "|---|---:|---:|---:|",
        _row("page load in Chromium (`performance.now()` at first layout)", page_load, base_load),
        _row("whole headless Chromium run (start, load, dump, exit)", chromium, base_chromium),
        f"| `nox -s report` body (reads reports, checks locks) | {seconds(written.median)} | - | - |",
        f"| page size | {size / 1024:.0f} KiB | {base_size / 1024:.0f} KiB | {size / base_size:.0f}x |",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
