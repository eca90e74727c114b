"""The results as markdown (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmarks.measure import Timing
from benchmarks.scenarios import Row

_WHOLE = 10  # ratios from here on are shown without decimals


@dataclass(frozen=True)
class Goal:
    """A target from the issue and what was measured for it."""

    text: str
    limit: float
    measured: float | None
    higher_is_better: bool = False
    unit: str = "s"

    def verdict(self) -> str:
        """``met``/``missed by ...``/``not measured``."""
        if self.measured is None:
            return "not measured"
        met = self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit
        if met:
            return "met"
        if self.higher_is_better:
            return f"missed: {self.measured:.1f}{self.unit} instead of {self.limit:g}{self.unit}"
        over = self.measured - self.limit
        return f"missed by {over:.2f} {self.unit} ({self.measured / self.limit:.1f}x the limit)"


def seconds(value: float) -> str:
    """Human seconds with three significant digits."""
    if value >= 100:  # noqa: PLR2004
        return f"{value:.0f} s"
    if value >= 10:  # noqa: PLR2004
        return f"{value:.1f} s"
    if value >= 0.1:  # noqa: PLR2004
        return f"{value:.2f} s"
    if value >= 0.001:  # noqa: PLR2004
        return f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    return f"{seconds(timing.median)} ({len(timing.runs)}x)"


def results_table(rows: Sequence[Row]) -> str:
    """One line per scenario and N, each beside its baseline."""
    lines = [
        "| # | scenario | N | nox-support: median (runs) | baseline: median (runs) | speed-up | what ran |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = "-" if row.ratio is None else f"**{row.ratio:.{0 if row.ratio >= _WHOLE else 1}f}x**"
        what = row.ours_label + (f"; baseline: {row.baseline_label}" if row.baseline_label else "")
        if row.note:
            what += f"; {row.note}"
        lines.append(
            f"| {row.scenario.split(' ', 1)[0]} | {row.scenario.split(' ', 1)[1]} | {row.n or '-'} "
            f"| {_cell(row.ours)} | {_cell(row.baseline)} | {ratio} | {what} |"
        )
    return "\n".join(lines)


def growth_table(columns: Mapping[str, Mapping[int, Timing]], *, relative_to: str | None = None) -> str:
    """Each no-op/cold cost per N, and the marginal cost of one more service.

    With *relative_to* (one of *columns*), every cell also says how many times that row's figure
    of the same N (measured in the same run) it is.
    """
    sizes = sorted({n for values in columns.values() for n in values})
    header = "| measured | " + " | ".join(f"N = {n}" for n in sizes) + " | per extra service |"
    lines = [header, "|---|" + "---:|" * (len(sizes) + 1)]
    base = columns.get(relative_to or "", {})
    for name, values in columns.items():
        cells = [_growth_cell(values.get(n), base.get(n)) for n in sizes]
        known = [n for n in sizes if n in values]
        if len(known) >= 2:  # noqa: PLR2004
            low, high = known[0], known[-1]
            marginal = (values[high].median - values[low].median) / (high - low)
            slope = seconds(max(marginal, 0.0))
        else:
            slope = "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {slope} |")
    return "\n".join(lines)


def _growth_cell(timing: Timing | None, base: Timing | None) -> str:
    if timing is None:
        return "-"
    if base is None or base.median == 0:
        return seconds(timing.median)
    ratio = timing.median / base.median
    return f"{seconds(timing.median)} ({ratio:.{0 if ratio >= _WHOLE else 2}f}x)"


def goals_table(goals: Sequence[Goal]) -> str:
    """The issue's goals, the measured figure and the verdict."""
    lines = ["| goal | measured | verdict |", "|---|---:|---|"]
    for goal in goals:
        if goal.measured is None:
            measured = "-"
        elif goal.unit == "x":
            measured = f"{goal.measured:.1f}x"
        else:
            measured = seconds(goal.measured)
        lines.append(f"| {goal.text} | {measured} | {goal.verdict()} |")
    return "\n".join(lines)


def document(  # noqa: PLR0913 - the parts of the results section
    *,
    header: Mapping[str, str],
    rows: Sequence[Row],
    growth: Mapping[str, Mapping[int, Timing]],
    goals: Sequence[Goal],
    notes: Sequence[str],
    growth_baseline: str | None = None,
) -> str:
    """The whole results section."""
    facts = "\n".join(f"- **{key}:** {value}" for key, value in header.items())
    bullet_notes = "\n".join(f"- {note}" for note in notes)
    return (
        f"{facts}\n\n### Scenarios\n\n{results_table(rows)}\n\n"
        f"### How cost grows with N\n\n"
        + (f"In brackets: times {growth_baseline} of the same N, same run.\n\n" if growth_baseline else "")
        + f"{growth_table(growth, relative_to=growth_baseline)}\n\n"
        f"### Goals of issue 5\n\n{goals_table(goals)}\n\n### Notes\n\n{bullet_notes}\n"
    )
