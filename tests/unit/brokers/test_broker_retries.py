"""Retry and backoff of the Angel One, Breeze and ShareKhan clients under 429 and 5xx stubs: one
table, each broker's rate-limit and server-error replies as its docs and SDK show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import FakeClock, GateLog, fixture_bytes
from tradetrack.brokers.angelone import ORDER_BOOK_PATH, AngelOneClient
from tradetrack.brokers.base import Broker, BrokerRateLimited, BrokerUnavailable
from tradetrack.brokers.breeze import ORDERS_PATH, BreezeClient
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.brokers.sharekhan import SharekhanClient
from tradetrack.timeutil import IST

NOW = datetime(2024, 7, 15, 15, 45, tzinfo=IST)


@dataclass(frozen=True)
class Case:
    """One broker: its client on a stub, the order-book path, an empty book, its 429 and 5xx bodies."""

    make: Callable[..., Broker]
    method: str
    path: str
    empty: bytes
    rate_limited: bytes
    server_error: bytes


def _angelone(url: str, **options: Any) -> Broker:
    return AngelOneClient("key", "jwt", base_url=url, now=lambda: NOW, **options)


def _breeze(url: str, **options: Any) -> Broker:
    return BreezeClient(
        "key", "c2Vzc2lvbg==", api_secret="s", base_url=url, exchanges=("NSE",), now=lambda: NOW, **options
    )


def _sharekhan(url: str, **options: Any) -> Broker:
    return SharekhanClient("key", "1234567:token", base_url=url, now=lambda: NOW, **options)


CASES = {
    "angelone": Case(
        _angelone,
        "GET",
        ORDER_BOOK_PATH,
        fixture_bytes("angelone", "trade_book_empty.json"),
        fixture_bytes("angelone", "error_rate_limited.txt"),
        fixture_bytes("angelone", "error_internal.json"),
    ),
    "breeze": Case(
        _breeze,
        "GET",
        ORDERS_PATH,
        fixture_bytes("breeze", "error_no_data.json"),
        fixture_bytes("breeze", "error_rate_limited.json"),
        fixture_bytes("breeze", "error_server.json"),
    ),
    "sharekhan": Case(
        _sharekhan,
        "GET",
        "/skapi/services/reports/1234567",
        fixture_bytes("sharekhan", "empty.json"),
        fixture_bytes("sharekhan", "error_rate_limited.json"),
        fixture_bytes("sharekhan", "error_network.json"),
    ),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[str(request.param)]


def client(case: Case, stub: BrokerStub, clock: FakeClock, **options: Any) -> Broker:
    return case.make(stub.url, sleep=clock.sleep, clock=clock, rand=lambda: 0.5, **options)


def test_429_waits_the_retry_after_then_succeeds(case: Case, broker_stub: BrokerStub) -> None:
    # Given a rate-limit refusal asking for 2 s, then the book
    broker_stub.route(case.method, case.path, Reply(429, case.rate_limited, {"Retry-After": "2"}), case.empty)
    clock, gate = FakeClock(), GateLog()
    # When the order book is read
    assert client(case, broker_stub, clock, gate=gate).orders() == []
    # Then the client waited the broker's 2 s once, and passed the gate for both requests
    assert clock.sleeps == [2.0] and gate.classes == ["general", "general"]


def test_5xx_backs_off_exponentially_then_succeeds(case: Case, broker_stub: BrokerStub) -> None:
    # Given two server errors, then the book
    broker_stub.route(
        case.method, case.path, Reply(500, case.server_error), Reply(503, case.server_error), case.empty
    )
    clock = FakeClock()
    assert client(case, broker_stub, clock).orders() == []
    # Then the waits were full-jitter backoff (half of 0.25 s, then of 0.5 s)
    assert clock.sleeps == [0.125, 0.25] and len(broker_stub.requests) == 3


def test_retries_stop_at_the_policy_and_raise(case: Case, broker_stub: BrokerStub) -> None:
    broker_stub.route(case.method, case.path, Reply(502, case.server_error))
    clock = FakeClock()
    with pytest.raises(BrokerUnavailable):
        client(case, broker_stub, clock, retry=RetryPolicy(attempts=3)).orders()
    assert len(broker_stub.requests) == 3 and len(clock.sleeps) == 2


def test_no_wait_passes_the_deadline(case: Case, broker_stub: BrokerStub) -> None:
    # Given a refusal asking for 30 s with 5 s left before the Lambda's end
    broker_stub.route(case.method, case.path, Reply(429, case.rate_limited, {"Retry-After": "30"}))
    clock = FakeClock()
    with pytest.raises(BrokerRateLimited):
        client(case, broker_stub, clock, deadline=clock.now + 5).orders()
    # Then the client gave up at once instead of sleeping past the deadline
    assert clock.sleeps == [] and len(broker_stub.requests) == 1
