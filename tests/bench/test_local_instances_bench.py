"""Should REST functions run in worker processes on the local stack when the stores are real servers?

The 4-user × 200-request load of tests/e2e/test_local_concurrency.py, over the suite's Redis and
FerretDB, with the functions it calls run (a) as in-process instances (the stack's default) and
(b) in two worker processes each (local.instances.ProcessInstances). Worker processes would be
worth their cost (a spawned interpreter per instance, the Mongo URL handed over) at 1.2× the
in-process throughput.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from local.background import BackgroundStack
from local.instances import ProcessInstances
from local.stack import LocalStack
from tests.bench.goals import report
from tests.e2e.test_local_concurrency import REQUESTS_PER_USER, USERS, run_concurrently, users_with_alerts
from tests.support.servers import Server
from tradetrack.cache.rate_limit import LOGIN_PER_IP, refill
from tradetrack.config import reset_settings

pytestmark = pytest.mark.bench

CALLED = ("alerts", "executions", "users", "authorizer")
PROCESSES = 2
GOAL_RATIO = 1.2


@pytest.fixture
def stack_over_servers(
    mongo_server: Server,
    redis_server: Server,
    mongo_client: Any,
    redis_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[LocalStack, str, str]]:
    if not (mongo_server.url and redis_server.url):
        pytest.skip("needs real Redis and FerretDB servers")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MONGODB_DB", name)
    monkeypatch.setenv("BCRYPT_COST", "4")  # registration is not what is measured
    reset_settings()
    stack = LocalStack(
        port=0, ws_port=0, mongo_client=mongo_client, redis_client=redis_client, schedules_enabled=False
    )
    try:
        with BackgroundStack(stack, start_timeout_s=120):
            yield stack, mongo_server.url, redis_server.url
    finally:
        mongo_client.drop_database(name)
        reset_settings()


def _requests_per_s(stack: LocalStack) -> float:
    users = users_with_alerts(stack.rest_url)
    started = time.perf_counter()
    tally = run_concurrently(stack.rest_url, users)
    elapsed = time.perf_counter() - started
    assert tally.cross_user == [] and tally.server_errors == []
    return USERS * REQUESTS_PER_USER / elapsed


def test_rest_functions_in_worker_processes_against_in_process(
    benchmark: Any, stack_over_servers: tuple[LocalStack, str, str]
) -> None:
    stack, mongo_url, redis_url = stack_over_servers
    in_process = _requests_per_s(stack)
    # Each run logs in USERS new users from 127.0.0.1, and logins are limited to 5 a minute per
    # address: the limiter, not what is measured, would refuse the second run's (cache.rate_limit).
    with redis.Redis.from_url(redis_url) as cache:
        refill(cache, LOGIN_PER_IP, "127.0.0.1")
    env = {**os.environ, "MONGODB_URI": mongo_url, "REDIS_URL": redis_url}
    for spec in stack.runtime.functions:
        if spec.name in CALLED:
            instances = ProcessInstances(spec, PROCESSES, env)
            instances.warm()
            stack.runtime.instances[spec.name] = instances
    processes = benchmark.pedantic(lambda: _requests_per_s(stack), rounds=1)
    print(
        f"\nin-process {in_process:.1f} requests/s, {PROCESSES} worker processes per function {processes:.1f}"
    )
    ratio = processes / in_process
    report(
        benchmark,
        "worker processes / in-process instances, requests/s",
        ratio,
        "×",
        f">= {GOAL_RATIO}× for REST functions to get worker processes",
        ratio >= GOAL_RATIO,
    )
