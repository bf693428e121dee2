"""What a handler's cold start loads, in a fresh interpreter with Lambda's environment (tracing on).

Cold init is import-and-init (scripts/bench_cold_start.py times it); these tests pin down what it
must not contain: the X-Ray SDK (built on the first invocation), boto3 and botocore's clients
(loaded by the first AWS call), numpy (registered, its `__init__` deferred: loaded by the first
computation that uses it, tradetrack.coldstart),
and any network connection. Tracing itself must still work: the
first invocation builds the Tracer, and botocore and pymongo are patched as X-Ray's patch_all
would patch them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from functions.manifest import FUNCTIONS
from tests.support.fresh_interpreter import ROOT, run_fresh
from tests.support.servers import Server

# Handlers whose cold start needs no AWS client and no numpy (REST, schedules, the sync worker).
LEAN_AT_INIT = (
    "health",
    "trades",
    "executions",
    "auth",
    "authorizer",
    "notifications",
    "brokers",
    "daily_summary",
    "sync_worker",
    "reports",  # its routes need no analytics: rendering imports them (numpy) when a report is made
    "analytics",  # numpy: on the first computation (tests/integration/test_cold_start_analytics.py)
    "trade_updates",
)


NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise AssertionError("network at import time")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""


@pytest.mark.parametrize("function", LEAN_AT_INIT)
def test_cold_start_loads_no_xray_sdk_no_aws_client_and_no_numpy(function: str) -> None:
    loaded = run_fresh(
        NO_NETWORK
        + f"""
import importlib, json, sys
importlib.import_module("functions.{function}.handler")
heavy = ("aws_xray_sdk.core", "boto3", "botocore.client", "numpy._core")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
""",
        function,
    )
    assert loaded == []


# Modules a handler needs only on some paths, which its cold start must not load.
ON_FIRST_NEED = {
    # the risk check after a sync reads the journal (positions, trades) only for a user with limits
    "sync_worker": (
        "tradetrack.risk.exposure",
        "tradetrack.positions",
        "tradetrack.models.trades",
        "tradetrack.risk.models",
    ),
    # the account routes check whose an account is: paper trading's accounts, not its order machinery
    "risk": (
        "tradetrack.paper.orders",
        "tradetrack.paper.fills",
        "tradetrack.paper.placement",
        "tradetrack.risk_accounts",
    ),
}


@pytest.mark.parametrize("function", sorted(ON_FIRST_NEED))
def test_a_cold_start_loads_no_module_only_some_paths_need(function: str) -> None:
    # Given Lambda's environment and a fresh interpreter
    # When the handler is imported
    loaded = run_fresh(
        f"""
import importlib, json, sys
importlib.import_module("functions.{function}.handler")
print(json.dumps(sorted(m for m in {ON_FIRST_NEED[function]!r} if m in sys.modules)))
""",
        function,
    )
    # Then none of them is loaded: the path that needs one imports it (the risk monitor's and the
    # risk API's integration tests run those paths)
    assert loaded == []


def test_every_handler_imports_without_touching_the_network() -> None:
    modules = [spec.module for spec in FUNCTIONS]
    imported = run_fresh(
        NO_NETWORK
        + f"""
import importlib, json
for name in {modules!r}:
    importlib.import_module(name)
print(json.dumps(len({modules!r})))
""",
        "all",
    )
    assert imported == len(FUNCTIONS)


def test_first_invocation_builds_the_tracer_and_patches_aws_and_mongo_calls() -> None:
    seen = run_fresh(
        """
import json, sys
from tradetrack.observability import tracer

@tracer.capture_lambda_handler(capture_response=False)
def handler(event, context):
    return {"ok": event["n"]}

before = "aws_xray_sdk.core" in sys.modules
result = handler({"n": 1}, None)
after = "aws_xray_sdk.core" in sys.modules
import pymongo.monitoring
listeners = [type(l).__name__ for l in pymongo.monitoring._LISTENERS.command_listeners]
import boto3, botocore.client
print(json.dumps({
    "before": before, "after": after, "result": result, "listeners": listeners,
    "botocore": type(botocore.client.BaseClient.__dict__["_make_api_call"]).__name__,
}))
""",
        "traced",
    )
    assert seen["before"] is False
    assert seen["after"] is True
    assert seen["result"] == {"ok": 1}
    assert "XrayCommandListener" in seen["listeners"]
    assert seen["botocore"] == "FunctionWrapper"  # X-Ray's wrapper records each AWS call


def test_tracing_off_never_loads_the_xray_sdk() -> None:
    seen = run_fresh(
        """
import json, sys
from tradetrack.observability import traced_handler

def handler(event, context):
    return event

traced = traced_handler(handler)
traced({}, None)
print(json.dumps({"same": traced is handler, "xray": "aws_xray_sdk.core" in sys.modules}))
""",
        "health",
        {"POWERTOOLS_TRACE_DISABLED": "true"},
    )
    assert seen == {"same": True, "xray": False}


def test_a_traced_rest_function_answers_its_first_request_with_the_tracer_built_then() -> None:
    seen = run_fresh(
        """
import json, sys
from functions.docs.handler import lambda_handler
from tests.support.lambda_events import lambda_context, rest_event

before = "aws_xray_sdk.core" in sys.modules
response = lambda_handler(rest_event("GET", "/v1/openapi.json"), lambda_context("docs"))
print(json.dumps({
    "before": before, "after": "aws_xray_sdk.core" in sys.modules, "status": response["statusCode"],
    "title": json.loads(response["body"])["info"]["title"],
}))
""",
        "docs",
    )
    assert seen == {"before": False, "after": True, "status": 200, "title": "TradeTrack API"}


def test_in_lambda_the_collector_is_paused_from_import_tradetrack_until_every_handler_is_built() -> None:
    # Given Lambda's environment and a fresh interpreter
    # When tradetrack is imported, then each handler module (the collector paused again before each)
    seen = run_fresh(
        f"""
import gc, importlib, json
import tradetrack
from tradetrack import coldstart
paused_by_import = not gc.isenabled()
left_paused = []
for name in {[spec.module for spec in FUNCTIONS]!r}:
    coldstart.pause_collector()
    assert not gc.isenabled()
    importlib.import_module(name)
    if not gc.isenabled():
        left_paused.append(name)
print(json.dumps({{"paused_by_import": paused_by_import, "left_paused": left_paused,
                  "frozen": gc.get_freeze_count() > 0, "enabled": gc.isenabled()}}))
""",
        "all",
    )
    # Then importing tradetrack paused it, and building each handler's entry point resumed it,
    # with what the import made frozen (out of every later pass)
    assert seen == {"paused_by_import": True, "left_paused": [], "frozen": True, "enabled": True}


def test_outside_lambda_importing_tradetrack_leaves_the_collector_alone() -> None:
    # Given an environment without AWS_LAMBDA_FUNCTION_NAME (tests, the local stack)
    # When tradetrack and a handler are imported
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, json; import functions.health.handler; "
            "print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    # Then the collector ran throughout and nothing was frozen
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, 0]


def test_in_lambda_redis_package_init_is_skipped_and_a_first_request_uses_redis_without_it(
    mongo_server: Server, redis_server: Server
) -> None:
    if not (mongo_server.url and redis_server.url):
        pytest.skip("needs the suite's real Redis and Mongo servers (the embedded stand-ins are in-process)")
    # Given Lambda's environment, a fresh interpreter and the suite's Redis and Mongo servers
    env = {
        "MONGODB_URI": mongo_server.url,
        "REDIS_URL": redis_server.url,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # When the health handler is imported, then answers a request from an authorized caller (its
    # revocation check and rate limit run Redis commands and Lua scripts before the route pings both)
    seen = run_fresh(
        """
import json, sys, time
from functions.health.handler import lambda_handler
init = {"asyncio_client": "redis.asyncio.client" in sys.modules,
        "deferred": "__getattr__" in vars(sys.modules["redis"])}
from tests.support.lambda_events import lambda_context, rest_event
event = rest_event("GET", "/v1/health")
caller = {"userId": "u_cold", "role": "user", "issuedAt": time.time(), "jti": "j1"}
event["requestContext"]["authorizer"] = caller
response = lambda_handler(event, lambda_context("health"))
after_request = {"asyncio_client": "redis.asyncio.client" in sys.modules,
                 "deferred": "__getattr__" in vars(sys.modules["redis"])}
import redis, redis.client
from redis import Redis, StrictRedis
print(json.dumps({
    "init": init, "after_request": after_request, "status": response["statusCode"],
    "body": json.loads(response["body"]),
    "names": [Redis is redis.client.Redis, StrictRedis is redis.client.Redis, redis.Redis is Redis,
              redis.asyncio.Redis.__module__, redis.__version__],
}))
""",
        "health",
        env,
    )
    # Then init loaded neither redis's __init__ nor its asyncio client, the request succeeded
    # without them, and a later name from the package (`from redis import Redis`) still finds it
    # whole: the __init__ ran then
    assert seen["init"] == {"asyncio_client": False, "deferred": True}
    assert seen["after_request"] == {"asyncio_client": False, "deferred": True}
    assert seen["status"] == 200, seen
    assert seen["body"]["status"] == "ok"
    assert seen["names"][:4] == [True, True, True, "redis.asyncio.client"]
    assert seen["names"][4]  # redis.__version__, defined by the __init__ alone


def test_outside_lambda_redis_is_imported_whole() -> None:
    # Given an environment without AWS_LAMBDA_FUNCTION_NAME (tests, the local stack)
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    # When tradetrack and a handler are imported
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; import functions.health.handler; "
            "redis = vars(sys.modules['redis']); "
            "print(json.dumps(['__getattr__' in redis, 'redis.asyncio.client' in sys.modules]))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    # Then redis's package __init__ ran as a plain import runs it (its asyncio client included)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True]
