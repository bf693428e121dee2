"""`make bench`'s machine speed, before and after the benchmarks (local/machine_speed.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local import machine_speed

_READINGS: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def machine_speed_around_the_benchmarks() -> Iterator[None]:
    _READINGS.append(machine_speed.describe("before the benchmarks"))
    yield
    _READINGS.append(machine_speed.describe("after the benchmarks"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _READINGS:
        terminalreporter.write_line(line)
