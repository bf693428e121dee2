"""The machine speed reading benchmarks print beside their figures."""

from __future__ import annotations

import re

import pytest

from local import machine_speed


def test_the_reading_names_the_loop_and_its_best_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a short loop
    monkeypatch.setattr(machine_speed, "LOOP_ITERATIONS", 20_000)
    # When the machine's speed is read
    line = machine_speed.describe("before the benchmarks")
    # Then it says when, which loop, and the best of its timings in ms
    found = re.fullmatch(
        r"machine speed before the benchmarks: a fixed Python loop of 20,000 iterations, best of 5: "
        r"(\d+\.\d) ms \(lower is faster\)",
        line,
    )
    assert found is not None, line
    assert 0 < float(found[1]) < 1_000


def test_more_work_reads_slower(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the same loop at two sizes, 20x apart
    monkeypatch.setattr(machine_speed, "LOOP_ITERATIONS", 10_000)
    small = machine_speed.loop_ms()
    monkeypatch.setattr(machine_speed, "LOOP_ITERATIONS", 200_000)
    # When the larger is read
    large = machine_speed.loop_ms()
    # Then it takes longer: the reading is the loop's time
    assert large > small * 3
