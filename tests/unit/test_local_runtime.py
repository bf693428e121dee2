"""The local stack's Lambda runtime: one invocation per instance, scale-out, timeouts, cold starts."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from functions.manifest import FunctionSpec
from local.events.rest import rest_event
from local.lambda_runtime import FunctionRuntime, FunctionTimeout

# A handler module that notices when two invocations run in it at once, and counts its loads.
HANDLER = """
import time

LOADS = __import__("builtins").__dict__.setdefault("_runtime_test_loads", [])
LOADS.append(__name__)
running = 0
overlaps = 0


def lambda_handler(event, context):
    global running, overlaps
    running += 1
    if running > 1:
        overlaps += 1
    time.sleep(event["sleep_s"])
    running -= 1
    return {"overlaps": overlaps, "module": __name__, "requestId": context.aws_request_id}
"""


class ModuleSpec(FunctionSpec):
    """A function whose handler module is the test's own, not one under functions/."""

    @property
    def module(self) -> str:
        return f"runtime_test_{self.name}"


@pytest.fixture
def loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the handler modules loaded (one per cold start), for functions slow, capped."""
    for name in ("slow", "capped", "timing"):
        (tmp_path / f"runtime_test_{name}.py").write_text(textwrap.dedent(HANDLER))
    monkeypatch.syspath_prepend(str(tmp_path))
    record: list[str] = __import__("builtins").__dict__.setdefault("_runtime_test_loads", [])
    record.clear()
    yield record
    record.clear()
    for name in [name for name in sys.modules if name.startswith("runtime_test_")]:
        del sys.modules[name]


async def _invoke_all(runtime: FunctionRuntime, spec: FunctionSpec, sleeps: list[float]) -> list[Any]:
    return await asyncio.gather(*(runtime.invoke(spec, {"sleep_s": s}) for s in sleeps))


def test_concurrent_invocations_scale_out_and_never_share_an_instance(loads: list[str]) -> None:
    # Given a function of up to 4 instances
    spec = ModuleSpec(name="slow", capability="Test")
    runtime = FunctionRuntime([spec], max_instances=4)
    # When 12 invocations arrive at once
    results = asyncio.run(_invoke_all(runtime, spec, [0.1] * 12))
    # Then no instance ran two at once, and the function scaled out to its 4 instances (4 cold starts)
    assert [result["overlaps"] for result in results] == [0] * 12
    assert len({result["module"] for result in results}) == 4
    assert len(loads) == 4
    assert len({result["requestId"] for result in results}) == 12


def test_reserved_concurrency_caps_the_instances(loads: list[str]) -> None:
    # Given a function whose reserved concurrency is 2
    spec = ModuleSpec(name="capped", capability="Test", reserved_concurrency=2)
    runtime = FunctionRuntime([spec], max_instances=8)
    # When 6 invocations of 0.1 s arrive at once
    started = time.perf_counter()
    results = asyncio.run(_invoke_all(runtime, spec, [0.1] * 6))
    elapsed = time.perf_counter() - started
    # Then they ran on 2 instances, two at a time (3 rounds), none overlapping in an instance
    assert {result["module"] for result in results} == set(loads) and len(loads) == 2
    assert [result["overlaps"] for result in results] == [0] * 6
    assert elapsed >= 0.3


def test_a_timed_out_instance_is_replaced_and_busy_until_its_handler_returns(loads: list[str]) -> None:
    spec = ModuleSpec(name="timing", capability="Test", timeout_s=1)
    runtime = FunctionRuntime([spec], max_instances=4)

    async def scenario() -> tuple[BaseException | Any, Any, Any]:
        # Given an invocation that runs past the function's 1 s timeout
        slow = asyncio.create_task(runtime.invoke(spec, {"sleep_s": 1.6}))
        await asyncio.sleep(0.1)
        # When another invocation arrives while it still runs, and a third after it timed out
        during = await runtime.invoke(spec, {"sleep_s": 0.0})
        outcome: BaseException | Any
        try:
            outcome = await slow
        except FunctionTimeout as exc:
            outcome = exc
        await asyncio.sleep(0.8)  # the timed-out handler returns meanwhile
        after = await asyncio.gather(*(runtime.invoke(spec, {"sleep_s": 0.2}) for _ in range(2)))
        return outcome, during, after

    outcome, during, after = asyncio.run(scenario())
    # Then the first fails with FunctionTimeout, the second ran on another instance, not overlapping
    assert isinstance(outcome, FunctionTimeout)
    assert during["overlaps"] == 0
    # And the timed-out instance was dropped: two later invocations at once needed a new cold start
    assert [result["overlaps"] for result in after] == [0, 0]
    assert len(loads) == 3


def test_the_cold_start_is_not_counted_in_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a module whose import takes 1.5 s and a function timeout of 1 s
    (tmp_path / "runtime_test_coldstart.py").write_text(
        "import time\ntime.sleep(1.5)\n\ndef lambda_handler(event, context):\n    return 'ok'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = ModuleSpec(name="coldstart", capability="Test", timeout_s=1)
    try:
        # When it is invoked for the first time, Then it answers
        assert asyncio.run(FunctionRuntime([spec]).invoke(spec, {})) == "ok"
    finally:
        sys.modules.pop("runtime_test_coldstart", None)


def _resolver_handler(pause_s: float) -> Any:
    app = APIGatewayRestResolver()

    @app.get("/v1/whoami/<name>")
    def whoami(name: str) -> dict[str, str]:
        time.sleep(pause_s)  # another function's request arrives meanwhile
        return {"path": name, "event": app.current_event.path}

    return app.resolve


def test_concurrent_resolvers_of_two_functions_each_see_their_own_request() -> None:
    # Given two functions built on Powertools' resolver (which keeps the request in a class attribute)
    first, second = (
        FunctionSpec(name="first", capability="Test"),
        FunctionSpec(name="second", capability="Test"),
    )
    runtime = FunctionRuntime(
        [first, second], overrides={"first": _resolver_handler(0.2), "second": _resolver_handler(0.0)}
    )

    def event(name: str) -> dict[str, Any]:
        path = f"/v1/whoami/{name}"
        return rest_event(method="GET", path=path, resource="/v1/whoami/{name}", request_id=name, epoch_ms=0)

    async def both() -> list[Any]:
        slow = asyncio.create_task(runtime.invoke(first, event("alice")))
        await asyncio.sleep(0.05)
        return [await runtime.invoke(second, event("bob")), await slow]

    # When both run at once
    bob, alice = asyncio.run(both())
    # Then each answered its own request
    assert (bob["statusCode"], alice["statusCode"]) == (200, 200)
    assert '"event":"/v1/whoami/bob"' in bob["body"].replace(" ", "")
    assert '"event":"/v1/whoami/alice"' in alice["body"].replace(" ", "")


def test_closing_the_runtime_lets_a_running_invocation_finish(loads: list[str]) -> None:
    spec = ModuleSpec(name="slow", capability="Test")
    runtime = FunctionRuntime([spec])

    async def scenario() -> Any:
        # Given an invocation under way
        running = asyncio.create_task(runtime.invoke(spec, {"sleep_s": 0.3}))
        await asyncio.sleep(0.1)
        # When the runtime closes (the stack stops)
        runtime.close()
        # Then the invocation still answers, and a later one is served too
        first = await running
        return first, await runtime.invoke(spec, {"sleep_s": 0.0})

    first, later = asyncio.run(scenario())
    assert first["overlaps"] == later["overlaps"] == 0
    assert first["requestId"] != later["requestId"]
