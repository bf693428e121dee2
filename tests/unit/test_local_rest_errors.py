"""The local REST server answers a failing or slow function as API Gateway does (local/rest.py):
a function error, its own timeout included, is a 502; an integration past its timeout is a 504."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from functions.manifest import FunctionSpec, RestRoute
from local.lambda_runtime import FunctionRuntime
from local.rest import INTEGRATION_TIMEOUT_S, RestServer


def _slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    pause = float((event.get("queryStringParameters") or {}).get("pause", "0"))
    time.sleep(pause)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": f'{{"slept": {pause}}}',
    }


def _broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the handler failed")


def _spec(name: str, timeout_s: int) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        capability="Test",
        rest=(RestRoute("GET", f"/v1/{name}", public=True),),
        timeout_s=timeout_s,
    )


async def _get(
    integration_timeout_s: float, *paths: str, timeout_s: int = 1
) -> list[tuple[int, dict[str, Any], float]]:
    """(status, body, seconds) of GETs of `paths` sent one after another to a REST server of two
    public functions: `slow` (sleeps ?pause= s, function timeout `timeout_s`) and `broken`."""
    runtime = FunctionRuntime(
        [_spec("slow", timeout_s), _spec("broken", 10)], {"slow": _slow, "broken": _broken}
    )
    server = RestServer(runtime, integration_timeout_s=integration_timeout_s)
    answers = []
    async with TestClient(TestServer(server.app())) as client:
        for path in paths:
            started = time.perf_counter()
            reply = await client.get(path)
            answers.append((reply.status, await reply.json(), time.perf_counter() - started))
    runtime.close()
    return answers


def test_the_integration_timeout_is_api_gateways_default() -> None:
    # The CDK app sets no timeout on its Lambda integrations: the REST API's default, 29 s
    assert INTEGRATION_TIMEOUT_S == 29


def test_a_function_past_its_own_timeout_is_a_502_function_error() -> None:
    # Given a function whose timeout (1 s) is below the integration's (29 s)
    # When a request makes it run 1.5 s
    [(status, body, seconds)] = asyncio.run(_get(INTEGRATION_TIMEOUT_S, "/v1/slow?pause=1.5"))
    # Then API Gateway's answer to a Lambda function error, once the function timed out
    assert (status, body["error"]["code"]) == (502, "INTERNAL_ERROR")
    assert body["error"]["message"] == "Internal server error"
    assert 1.0 <= seconds < 1.4  # at the function timeout, not when the handler returns


def test_an_integration_past_its_timeout_is_a_504_and_the_function_runs_on() -> None:
    # Given a function of a 10 s timeout behind an integration timeout of 0.5 s
    # When a request makes it run 1.5 s, and another asks for no pause right after
    first, second = asyncio.run(_get(0.5, "/v1/slow?pause=1.5", "/v1/slow?pause=0", timeout_s=10))
    # Then the first is API Gateway's integration timeout, answered at 0.5 s, not the function's
    assert (first[0], first[1]["error"]["code"]) == (504, "UPSTREAM_TIMEOUT")
    assert first[1]["error"]["message"] == "Endpoint request timed out"
    assert 0.5 <= first[2] < 1.4  # before the handler returns, at 1.5 s
    # And the function still answers the next request
    assert (second[0], second[1]) == (200, {"slept": 0.0})


def test_a_function_that_raises_is_a_502_and_a_fast_one_its_own_answer() -> None:
    broken, fast = asyncio.run(_get(INTEGRATION_TIMEOUT_S, "/v1/broken", "/v1/slow?pause=0"))
    assert (broken[0], broken[1]["error"]["code"]) == (502, "INTERNAL_ERROR")
    assert (fast[0], fast[1]) == (200, {"slept": 0.0})
