"""In a Lambda container numpy's `__init__` is deferred (tradetrack.coldstart): the analytics
function's cold start leaves it unloaded, a route that needs no computation answers without it,
and the first uncached summary loads it and answers what a process that imported numpy whole does."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from tests.integration.test_analytics_api import analytics, two_trades
from tests.support.auth import new_account
from tests.support.fresh_interpreter import run_fresh
from tests.support.gateway import Gateway
from tests.support.servers import Server

FIRST_REQUESTS = """
import json, sys, time
from functions.analytics.handler import lambda_handler
from tests.support.lambda_events import lambda_context, rest_event
seen = {"init": "numpy._core" in sys.modules, "deferred": "__getattr__" in vars(sys.modules["numpy"])}
caller = {"userId": USER, "role": "user", "issuedAt": time.time(), "jti": "j-cold"}
def ask(path):
    event = rest_event("GET", path)
    event["requestContext"]["authorizer"] = caller
    return lambda_handler(event, lambda_context("analytics"))
fmv = ask("/v1/analytics/fmv")
seen["fmv"] = [fmv["statusCode"], "numpy._core" in sys.modules]
summary = ask("/v1/analytics/summary")
seen["summary"] = [summary["statusCode"], "numpy._core" in sys.modules, json.loads(summary["body"])]
import numpy as np, numpy.typing
hook = vars(np).get("__getattr__")
seen["whole"] = [np.__version__ == np.version.version, hook and hook.__module__]
print(json.dumps(seen))
"""


def test_in_lambda_numpy_loads_on_the_first_computation_and_the_summary_is_unchanged(
    gateway: Gateway, mongo_db: Database[dict[str, Any]], mongo_server: Server, redis_server: Server
) -> None:
    if not (mongo_server.url and redis_server.url):
        pytest.skip("needs the suite's real Redis and Mongo servers (the embedded stand-ins are in-process)")
    # Given a trader with two closed trades and their summary from this (non-Lambda) process
    account = new_account(gateway)
    two_trades(gateway, account)
    expected = analytics(gateway, account, "summary")
    # When a fresh interpreter in Lambda's environment, on a Redis database of its own (no cached
    # answer), imports the analytics function, then answers GET /v1/analytics/fmv and the summary
    env = {
        "MONGODB_URI": mongo_server.url,
        "MONGODB_DB": mongo_db.name,
        "REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/9",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    seen = run_fresh(f"USER = {account.user_id!r}\n" + FIRST_REQUESTS, "analytics", env)
    # Then init left numpy deferred, the FMV list answered without loading it, the summary loaded
    # it and equals the other process's figures, and numpy is whole afterwards (its own __getattr__)
    assert (seen["init"], seen["deferred"]) == (False, True)
    assert seen["fmv"] == [200, False]
    status, loaded, body = seen["summary"]
    assert (status, loaded) == (200, True)
    assert body["cached"] is False
    same = ("cached", "computedAt")
    assert {**body, **{key: expected[key] for key in same}} == expected
    assert seen["whole"] == [True, "numpy"]
