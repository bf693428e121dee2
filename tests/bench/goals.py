"""How a benchmark reports against its goal: the figure, the goal, met or NOT met, printed (`make
bench` runs with -rP) and kept in the benchmark's extra_info (its JSON output)."""

from __future__ import annotations

from typing import Any


def report(benchmark: Any, what: str, figure: float, unit: str, goal: str, met: bool | None) -> bool:
    """`met=None`: a figure with no goal of its own (a part of another goal, or for the record)."""
    verdict = "no goal of its own" if met is None else f"goal {goal}: {'met' if met else 'NOT met'}"
    benchmark.extra_info.update({"figure": round(figure, 3), "unit": unit, "goal": goal, "met": met})
    print(f"\n{what}: {figure:,.3f} {unit}; {verdict}")
    return bool(met)
