"""Timers firing the manifest's EventBridge rules at their UTC fire times (see local.cron)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from functions.manifest import FunctionSpec, Schedule
from local.cron import Rate, ScheduleExpression, next_fire, parse_expression
from local.events.scheduled import scheduled_event
from local.lambda_runtime import FunctionRuntime

log = logging.getLogger("local.schedule")


def scheduled_rules(
    functions: Iterable[FunctionSpec],
) -> list[tuple[Schedule, FunctionSpec, ScheduleExpression]]:
    """Every rule with its target and parsed expression (ValueError names a bad expression)."""
    rules = []
    for spec in functions:
        for schedule in spec.schedules:
            try:
                rules.append((schedule, spec, parse_expression(schedule.expression)))
            except ValueError as exc:
                raise ValueError(f"{spec.name}: schedule {schedule.rule}: {exc}") from exc
    return rules


class Scheduler:
    """Fires each rule; `speedup` divides rate() periods (cron keeps wall-clock time)."""

    def __init__(self, runtime: FunctionRuntime, *, speedup: float = 1.0) -> None:
        self.runtime = runtime
        self.speedup = speedup
        self.rules = scheduled_rules(runtime.functions)
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        for schedule, spec, expression in self.rules:
            self._tasks.append(asyncio.create_task(self._run(schedule, spec, expression), name=schedule.rule))
            log.info(
                "rule armed",
                extra={"rule": schedule.rule, "expression": schedule.expression, "target": spec.name},
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=5)

    async def fire(self, rule: str) -> None:
        """Fire one rule now (for tests and manual runs)."""
        for schedule, spec, _ in self.rules:
            if schedule.rule == rule:
                await self._invoke(schedule, spec, datetime.now(UTC))
                return
        raise KeyError(f"no schedule named {rule!r}")

    async def _run(self, schedule: Schedule, spec: FunctionSpec, expression: ScheduleExpression) -> None:
        if isinstance(expression, Rate):
            expression = Rate(expression.period / self.speedup)
        anchor = datetime.now(UTC)
        after = anchor
        while True:
            due = next_fire(expression, after, anchor=anchor)
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            # each firing is its own invocation: a slow one does not delay the next
            task = asyncio.create_task(self._invoke(schedule, spec, due))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
            after = max(due, datetime.now(UTC) - timedelta(microseconds=1))

    async def _invoke(self, schedule: Schedule, spec: FunctionSpec, due: datetime) -> None:
        started = time.perf_counter()
        event_id = str(uuid.uuid4())
        try:
            event = (
                {"task": schedule.task}
                if schedule.task
                else scheduled_event(schedule.rule, event_id=event_id, time=due)
            )
            await self.runtime.invoke(spec, event, event_id)
            outcome = "ok"
        except Exception:
            log.exception("scheduled invocation failed", extra={"rule": schedule.rule, "function": spec.name})
            outcome = "error"
        log.info(
            "fired %s %.1fms",
            schedule.rule,
            (time.perf_counter() - started) * 1000,
            extra={"function": spec.name, "outcome": outcome},
        )
