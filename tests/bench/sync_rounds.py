"""The sync bench's rounds (tests/bench/test_sync_bench.py): each round's stages and its servers'
CPU, and the round whose rate is the median, the one the bench reports."""

from __future__ import annotations

import statistics


class SyncRounds:
    def __init__(self, executions: int) -> None:
        self.executions = executions  # a round's
        self.stages: list[dict[str, float]] = []  # each round's stages, in seconds
        self.servers: list[dict[str, float]] = []  # each round's servers' CPU seconds

    def __len__(self) -> int:
        return len(self.stages)

    def add(self, stages: dict[str, float], servers: dict[str, float]) -> None:
        self.stages.append(stages)
        self.servers.append(servers)

    def rates(self) -> list[float]:
        """Each round's executions per second, end to end."""
        return [self.executions / stages["total"] for stages in self.stages]

    def median_rate(self) -> float:
        return statistics.median(self.rates())

    def median_round(self) -> tuple[dict[str, float], dict[str, float]]:
        """(stages, servers' CPU) of the round whose rate is the median's: of an odd number of
        rounds; else the slower middle one."""
        rates = self.rates()
        middle = sorted(range(len(rates)), key=lambda r: rates[r])[(len(rates) - 1) // 2]
        return self.stages[middle], self.servers[middle]
