"""Concurrent users on the local stack: every answer is the caller's own, and none is a 5xx.

Lambda runs one invocation per instance at a time; the emulator must too, or Powertools' resolver
(which keeps the current request in its `app`) answers one user's request with another's data.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from functions.manifest import function
from local.background import BackgroundStack
from local.lambda_runtime import make_context
from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tests.support.servers import Server
from tradetrack.config import reset_settings

USERS = 4
REQUESTS_PER_USER = 200
THREADS_PER_USER = 3  # each user also races itself, as a browser's parallel fetches do
ALERTS_PER_USER = 3


@dataclass
class User:
    number: int
    user_id: str
    token: str
    symbol: str  # every alert and execution of this user is on its own symbol
    alert_ids: set[str] = field(default_factory=set)
    execution_ids: set[str] = field(default_factory=set)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Tally:
    """What the users saw, counted across their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    cross_user: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def record(self, kind: str, response: requests.Response, foreign: str | None) -> None:
        with self.lock:
            self.answers[kind] += 1
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{kind} {response.status_code} {response.text[:120]}")
            if foreign is not None:
                self.cross_user.append(f"{kind}: {foreign}")


def _new_user(rest_url: str, number: int) -> User:
    user_id, token = register_and_login(rest_url, prefix=f"conc{number}", name=f"Concurrent {number}")
    return User(number, user_id, token, symbol=f"USER{number}{uuid.uuid4().hex[:4].upper()}")


def _check_me(user: User, session: requests.Session, url: str, tally: Tally, _: int) -> None:
    response = session.get(f"{url}/v1/me", headers=user.auth, timeout=30)
    foreign = None
    if response.ok and response.json().get("userId") != user.user_id:
        foreign = f"{user.user_id} got {response.json().get('userId')}"
    tally.record("GET /v1/me", response, foreign)


def _check_alerts(user: User, session: requests.Session, url: str, tally: Tally, _: int) -> None:
    response = session.get(f"{url}/v1/alerts", headers=user.auth, timeout=30)
    foreign = None
    if response.ok:
        items = response.json()["items"]
        seen = {item["alertId"] for item in items}
        if seen != user.alert_ids or any(item["symbol"] != f"NSE:{user.symbol}" for item in items):
            foreign = f"{user.user_id} listed {sorted(seen - user.alert_ids)} of others"
    tally.record("GET /v1/alerts", response, foreign)


def _post_execution(user: User, session: requests.Session, url: str, tally: Tally, step: int) -> None:
    # Given a fill only this user sends: its symbol, and a quantity that encodes user and step
    quantity = user.number * 10_000 + step + 1
    body = {
        "symbol": user.symbol,
        "exchange": "NSE",
        "side": "BUY",
        "quantity": quantity,
        "price": "100.5",
        "executedAt": f"2026-11-{2 + step % 20:02d}T09:{15 + step % 40:02d}:{step % 60:02d}",
    }
    response = session.post(f"{url}/v1/executions", json=body, headers=user.auth, timeout=30)
    foreign = None
    if response.ok:
        created = response.json()
        if (created.get("symbol"), created.get("quantity")) != (user.symbol, quantity):
            got = f"{created.get('symbol')} x{created.get('quantity')}"
            foreign = f"{user.user_id} sent {user.symbol} x{quantity}, got {got}"
        with tally.lock:
            user.execution_ids.add(created["executionId"])
    tally.record("POST /v1/executions", response, foreign)


CHECKS: tuple[Callable[[User, requests.Session, str, Tally, int], None], ...] = (
    _check_alerts,
    _post_execution,
    _check_alerts,
    _check_me,
)


def _run_user(user: User, url: str, tally: Tally, steps: range, barrier: threading.Barrier) -> None:
    with requests.Session() as session:
        barrier.wait(timeout=60)
        for step in steps:
            CHECKS[step % len(CHECKS)](user, session, url, tally, step)


def users_with_alerts(url: str) -> list[User]:
    """USERS new users, each with ALERTS_PER_USER alerts of their own on a symbol of their own."""
    users = [_new_user(url, number) for number in range(1, USERS + 1)]
    for user in users:
        for value in range(1, ALERTS_PER_USER + 1):
            created = requests.post(
                f"{url}/v1/alerts",
                json={"symbol": f"NSE:{user.symbol}", "condition": "above", "value": str(value)},
                headers=user.auth,
                timeout=30,
            )
            assert created.status_code == 201, created.text
            user.alert_ids.add(created.json()["alertId"])
    return users


def run_concurrently(url: str, users: list[User]) -> Tally:
    """Every user's REQUESTS_PER_USER requests, all users at once, over THREADS_PER_USER connections each."""
    tally = Tally()
    barrier = threading.Barrier(len(users) * THREADS_PER_USER)
    with ThreadPoolExecutor(max_workers=len(users) * THREADS_PER_USER) as pool:
        futures = [
            pool.submit(
                _run_user, user, url, tally, range(thread, REQUESTS_PER_USER, THREADS_PER_USER), barrier
            )
            for user in users
            for thread in range(THREADS_PER_USER)
        ]
        for future in futures:
            future.result()
    return tally


@pytest.fixture
def embedded_stack() -> Iterator[LocalStack]:
    """The stack as `make dev` runs it by default (embedded stores), its schedules firing meanwhile."""
    with BackgroundStack(LocalStack(port=0, ws_port=0, schedule_speedup=300)) as stack:
        yield stack


@pytest.fixture
def stack_on_servers(
    mongo_server: Server,
    redis_server: Server,
    mongo_client: Any,
    redis_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LocalStack]:
    """The local stack over the suite's Redis and FerretDB: handlers wait on real I/O concurrently."""
    if not (mongo_server.url and redis_server.url):
        pytest.skip("needs real Redis and FerretDB servers")
    name = f"conc_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MONGODB_DB", name)
    reset_settings()
    stack = LocalStack(
        port=0, ws_port=0, mongo_client=mongo_client, redis_client=redis_client, schedules_enabled=False
    )
    try:
        with BackgroundStack(stack, start_timeout_s=120):
            yield stack
    finally:
        mongo_client.drop_database(name)
        reset_settings()


# One stack at a time: a stack owns the process's tradetrack clients and environment while it runs.
@pytest.mark.parametrize("stack_fixture", ["embedded_stack", "stack_on_servers"])
def test_concurrent_users_only_ever_see_their_own_data(
    stack_fixture: str, request: pytest.FixtureRequest
) -> None:
    stack: LocalStack = request.getfixturevalue(stack_fixture)
    url = stack.rest_url
    # Given 4 users, each with alerts of their own on a symbol of their own
    users = users_with_alerts(url)
    # When they all call the API at once, 200 requests each over 3 connections each
    tally = run_concurrently(url, users)
    # Then every request was answered, none with another user's data and none with a 5xx
    assert sum(tally.answers.values()) == USERS * REQUESTS_PER_USER
    assert tally.cross_user == [], f"{len(tally.cross_user)} cross-user answers: {tally.cross_user[:5]}"
    assert tally.server_errors == [], f"{len(tally.server_errors)} 5xx: {tally.server_errors[:5]}"
    assert set(tally.statuses) <= {200, 201}, dict(tally.statuses)
    # And no execution id went to two users
    for user in users:
        for other in users:
            if other is not user:
                assert not user.execution_ids & other.execution_ids
    print(f"\nanswers {dict(tally.answers)} statuses {dict(tally.statuses)} cross-user 0, 5xx 0")


def test_a_stopped_stack_leaves_later_invocations_their_time() -> None:
    # Given a stack that ran and stopped (its stop tells running invocations no time is left)
    with BackgroundStack(LocalStack(port=0, ws_port=0, schedules_enabled=False)):
        pass
    # When a function's context is made afterwards (the next stack's, a test's that calls a handler)
    context = make_context(function("notifier"))
    # Then it has its function's time, not none: the notifier sends, the import worker imports
    assert context.get_remaining_time_in_millis() > (function("notifier").timeout_s - 5) * 1000
