"""The README's main job from a fresh clone, install included.

``.venv/bin/python -m benchmarks.fresh_clone [--ref main --ref HEAD] [--runs 3] [--cold-caches]``

For each git ref (default: ``HEAD``) and run: clone this repository into a
new directory, then time exactly what the README's first command does::

    python3 -m venv .venv && .venv/bin/pip install --require-hashes -r dev/requirements.txt \
        && .venv/bin/pip install --no-deps --no-build-isolation -e .
    NOX_SUPPORT_OSV_DB=<advisory db> .venv/bin/nox -s freshness audit

The Nox part is always cold (a fresh clone has no ``.nox``).  The machine's
pip and uv caches are used as a developer's machine would (warm after the
first run) unless ``--cold-caches`` gives each run empty ones (every wheel is
then downloaded: PyPI is needed either way, since the install resolves
against it).  Prints one line per run and the medians; the load average is
printed too, because on a shared machine it explains most of the spread.
Needs the network (PyPI) and the PyPA advisory database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO.parent / "shared" / "advisory-db"


@dataclass(frozen=True)
class Run:
    ref: str
    install: float
    nox: float
    load: float
    uv_not_found: bool

    @property
    def total(self) -> float:
        return self.install + self.nox


def timed(command: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        result = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with exit code {result.returncode}; see {log}")
    return elapsed


def one_run(ref: str, work: Path, db: Path, *, cold_caches: bool) -> Run:
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "NOX_SUPPORT_"))}
    if cold_caches:
        env["PIP_CACHE_DIR"] = str(work / "pip-cache")
        env["UV_CACHE_DIR"] = str(work / "uv-cache")
    log = work / "log.txt"
    load = os.getloadavg()[0]
    install = timed(("python3", "-m", "venv", ".venv"), cwd=clone, env=env, log=log)
    if (clone / "dev/requirements.txt").is_file():  # the README's install: the locked environment
        install += timed(
            (".venv/bin/pip", "install", "--require-hashes", "-r", "dev/requirements.txt"),
            cwd=clone,
            env=env,
            log=log,
        )
        install += timed(
            (".venv/bin/pip", "install", "--no-deps", "--no-build-isolation", "-e", "."),
            cwd=clone,
            env=env,
            log=log,
        )
    else:  # refs from before the development lock
        install += timed((".venv/bin/pip", "install", "-e", "."), cwd=clone, env=env, log=log)
    nox = timed(
        (".venv/bin/nox", "-s", "freshness", "audit"),
        cwd=clone,
        env={**env, "NOX_SUPPORT_OSV_DB": str(db)},
        log=log,
    )
    return Run(ref, install, nox, load, "uv binary not found" in log.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fresh_clone", description=__doc__)
    parser.add_argument("--ref", action="append", help="git ref to measure (repeatable; default HEAD)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="offline OSV database")
    parser.add_argument("--cold-caches", action="store_true", help="empty pip and uv caches for every run")
    args = parser.parse_args(argv)
    if not args.db.is_dir():
        sys.exit(f"no advisory database at {args.db} (--db DIR)")
    refs = args.ref or ["HEAD"]
    runs: list[Run] = []
    for index in range(args.runs):
        for ref in refs:  # interleaved, so that a noisy minute hurts every ref alike
            with tempfile.TemporaryDirectory(prefix="nox-support-fresh-") as work:
                run = one_run(ref, Path(work), args.db, cold_caches=args.cold_caches)
            runs.append(run)
            print(
                f"run {index + 1} {ref}: install {run.install:.1f} s, nox {run.nox:.1f} s, "
                f"total {run.total:.1f} s (load {run.load:.1f}"
                f"{', uv binary not found printed' if run.uv_not_found else ''})",
                flush=True,
            )
    print(f"\nmedians of {args.runs} runs ({os.cpu_count()} CPUs):")
    for ref in refs:
        mine = [r for r in runs if r.ref == ref]
        print(
            f"  {ref}: install {statistics.median(r.install for r in mine):.1f} s, "
            f"nox {statistics.median(r.nox for r in mine):.1f} s, "
            f"total {statistics.median(r.total for r in mine):.1f} s; "
            f"load {min(r.load for r in mine):.1f}-{max(r.load for r in mine):.1f}"
        )


if __name__ == "__main__":
    main()
