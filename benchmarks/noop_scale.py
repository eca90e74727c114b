"""No-op at scale: ``nox -s freshness`` with nothing changed, against an empty Nox session.

``.venv/bin/python -m benchmarks.noop_scale --repo DIR [--runs 5] [--compare SRC]``
``.venv/bin/python -m benchmarks.noop_scale --make 1000 [--work DIR] [--runs 5]``

Times, interleaved and each in its own process with a hermetic environment: an empty Nox
session (a noxfile with one ``venv_backend="none"`` session doing nothing: the floor of any
``nox`` command), ``nox -l`` and ``nox -s freshness`` in the monorepo (taking what earlier runs
proved from the freshness cache; with ``--no-cache``, reading every lock; and a first run, with
an empty cache), then prints the medians as a Markdown table with each one's ratio to the empty
session.  ``--compare SRC`` also runs
the last two with the nox-support sources at SRC first on ``PYTHONPATH`` (a checkout of another
commit), in the same rounds.  ``--make N`` builds and cold-locks a synthetic monorepo of N
services first (:mod:`benchmarks.synth`; minutes at 1,000), under ``--work`` (kept).

A repository given with ``--repo`` is expected where ``--make`` puts one, ``WORK/nN/repo``, its
wheel index in ``WORK/wheels``: the tool caches and index settings come from ``WORK`` (nothing is
written there; Nox's output goes to ``<tmp>/logs/noop_scale.log``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks import synth
from benchmarks.measure import NOX, hermetic_env, run
from benchmarks.scenarios import Bench, cold_lock, layer_count, make_repo, sample

EMPTY_NOXFILE = '''import nox


@nox.session(venv_backend="none")
def empty(session: nox.Session) -> None:
    """Nothing: the floor of every nox command."""
'''


@dataclass(frozen=True)
class Measured:
    """One command's wall-clock seconds over the rounds."""

    label: str
    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median round."""
        return statistics.median(self.runs)


def table(rows: list[Measured], floor: Measured) -> str:
    """The Markdown table of *rows*, each with its ratio to *floor*'s median (pure)."""
    lines = ["| command | median | runs | x empty session |", "| --- | ---: | ---: | ---: |"]
    for row in rows:
        ratio = row.median / floor.median if floor.median else float("inf")
        lines.append(f"| {row.label} | {row.median:.3f} s | {len(row.runs)} | {ratio:.1f}x |")
    return "\n".join(lines)


def interleaved(commands: Mapping[str, Callable[[], float]], rounds: int) -> list[Measured]:
    """Each command once per round, in order, *rounds* times (noise hits them alike)."""
    runs: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(rounds):
        for label, command in commands.items():
            runs[label].append(command())
    return [Measured(label, tuple(times)) for label, times in runs.items()]


def main() -> int:
    """Measure, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.noop_scale", description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", type=Path, help="a locked monorepo (WORK/nN/repo)")
    where.add_argument("--make", type=int, metavar="N", help="build and lock a synthetic one of N services")
    parser.add_argument("--work", type=Path, help="with --make: where (default: a new temporary directory)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", type=Path, metavar="SRC", help="nox-support sources to compare with")
    args = parser.parse_args()
    if args.make is not None:
        work = (args.work or Path(tempfile.mkdtemp(prefix="noop-scale-"))).resolve()
        repo = _make(work, args.make)
    else:
        repo = args.repo.resolve()
        work = repo.parent.parent
    env = hermetic_env(work, work / "wheels")
    # A given repository's directory is left as it is: Nox's output goes to the temporary directory.
    log = (work if args.make is not None else Path(tempfile.gettempdir())) / "logs" / "noop_scale.log"
    with tempfile.TemporaryDirectory(prefix="noop-scale-empty-") as temporary:
        empty = Path(temporary)
        (empty / "noxfile.py").write_text(EMPTY_NOXFILE, encoding="utf-8")

        def nox(cwd: Path, *nox_args: str, extra: dict[str, str] | None = None) -> float:
            return run((NOX, "--non-interactive", *nox_args), cwd=cwd, env={**env, **(extra or {})}, log=log)

        commands: dict[str, Callable[[], float]] = {
            "empty Nox session": partial(nox, empty, "-s", "empty"),
            "`nox -l`": partial(nox, repo, "-l"),
            "`nox -s freshness`": partial(nox, repo, "-s", "freshness"),
            "`nox -s freshness -- --no-cache`": partial(nox, repo, "-s", "freshness", "--", "--no-cache"),
            "`nox -s freshness`, first run (empty cache)": lambda: nox(
                repo, "-s", "freshness", extra={"XDG_CACHE_HOME": tempfile.mkdtemp(dir=temporary)}
            ),
        }
        if args.compare is not None:
            source = {"PYTHONPATH": str(args.compare.resolve())}
            commands[f"`nox -l` ({args.compare})"] = partial(nox, repo, "-l", extra=source)
            commands[f"`nox -s freshness` ({args.compare})"] = partial(
                nox, repo, "-s", "freshness", extra=source
            )
        for command in commands.values():  # warm the bytecode and the file cache, untimed
            command()
        measured = interleaved(commands, args.runs)
    print(f"{layer_count(repo)} locks in {repo}; medians of {args.runs} interleaved runs\n")
    print(table(measured, measured[0]))
    return 0


def _make(work: Path, services: int) -> Path:
    wheels = synth.write_index(synth.package_pool(), work / "wheels")
    bench = Bench(work, wheels, hermetic_env(work, wheels), 1, 1, work / "logs")
    repo = make_repo(bench, sample(synth.plan(services), services), f"n{services}", "uv")
    cold_lock(bench, repo)
    return repo


if __name__ == "__main__":
    raise SystemExit(main())
