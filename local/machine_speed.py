"""How fast this machine runs Python right now: a fixed pure-Python loop, timed. Benchmarks print it
beside their figures, before and after, so that a figure from a slow spell of a shared VM (its
speed moves by a third for minutes at a time, with the load average unchanged and no steal time
reported) is told apart from a change of the code. Lower is faster; docs/performance.md gives the
development machine's usual figure. The loop reads the core's speed only: it fits in the CPU's
caches, so a spell that slows memory-heavy work (a cold start's imports) can pass without it
showing (seen on the development VM: the loop at its usual speed while the handlers' inits ran
30-50% slower)."""

from __future__ import annotations

import time

LOOP_ITERATIONS = 3_000_000
TIMINGS = 5


def _loop() -> int:
    total = 0
    for i in range(LOOP_ITERATIONS):
        total += i * i % 7
    return total


def loop_ms() -> float:
    """The fastest of TIMINGS runs of the loop, in milliseconds (about 1 s of CPU in all)."""
    best = float("inf")
    for _ in range(TIMINGS):
        started = time.perf_counter()
        _loop()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def describe(when: str) -> str:
    loop = f"a fixed Python loop of {LOOP_ITERATIONS:,} iterations, best of {TIMINGS}"
    return f"machine speed {when}: {loop}: {loop_ms():.1f} ms (lower is faster)"
