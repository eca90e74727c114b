"""The pure parts of benchmarks/noop_scale.py: the rounds' order, medians and the table."""

from __future__ import annotations

import pytest

from benchmarks.noop_scale import Measured, interleaved, table


def test_commands_are_interleaved_round_by_round() -> None:
    calls: list[str] = []

    def command(label: str, seconds: float) -> float:
        calls.append(label)
        return seconds

    measured = interleaved({"a": lambda: command("a", 1.0), "b": lambda: command("b", 2.0)}, 3)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert measured == [Measured("a", (1.0, 1.0, 1.0)), Measured("b", (2.0, 2.0, 2.0))]


def test_the_median_is_the_middle_run_not_the_mean() -> None:
    assert Measured("x", (0.1, 9.0, 0.3)).median == 0.3
    assert Measured("x", (0.1, 0.2, 0.4, 9.0)).median == pytest.approx(0.3)


def test_the_table_gives_each_median_and_its_ratio_to_the_floor() -> None:
    floor = Measured("empty Nox session", (0.15, 0.14, 0.16))
    rows = [floor, Measured("`nox -s freshness`", (0.45, 0.60, 0.42))]
    assert table(rows, floor) == (
        "| command | median | runs | x empty session |\n"
        "| --- | ---: | ---: | ---: |\n"
        "| empty Nox session | 0.150 s | 3 | 1.0x |\n"
        "| `nox -s freshness` | 0.450 s | 3 | 3.0x |"
    )
