"""The broker sync end to end for every broker in the registry, each against a server speaking its
wire format: scheduler → sync queue → sync worker → trade-updates queue → trade-updates worker →
executions and trades. Zerodha and the simulated broker: the simulated Kite v3 server; Upstox: a stub
replaying its documented payloads; Angel One, Breeze and ShareKhan: their stub servers
(local/broker_stubs/) over the same demo day."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from local.broker_server import SimulatedKiteServer
from local.broker_stubs.angelone import AngelOneStubServer
from local.broker_stubs.breeze import BreezeStubServer
from local.broker_stubs.common import StubBrokerServer, demo_day
from local.broker_stubs.sharekhan import SharekhanStubServer
from local.brokers import bootstrap_brokers
from local.simulated import DEMO_USER_ID, SimulatedBroker
from tests.support.broker_stub import BrokerStub
from tests.support.pipeline import Pipeline, connected_account, make_pipeline
from tests.unit.brokers.wire import fixture_bytes
from tradetrack.brokers import factory
from tradetrack.brokers.names import BROKER_NAMES
from tradetrack.brokers.registry import REGISTRY
from tradetrack.config import Settings, reset_settings
from tradetrack.timeutil import IST

Document = dict[str, Any]
USER = "S123456"
FRIDAY_AFTERNOON = datetime(2026, 11, 20, 15, 0, tzinfo=IST)  # the simulated Kite server's day


@dataclass(frozen=True)
class Served:
    """A broker's server for the test: the settings pointing at it, its app, the session token."""

    env: dict[str, str]
    app: dict[str, str]
    token: str


def _kite_like(stack: ExitStack, setting: str) -> Served:
    server = stack.enter_context(
        SimulatedKiteServer(
            SimulatedBroker(), api_key="kite-key", api_secret="kite-secret", now=lambda: FRIDAY_AFTERNOON
        )
    )
    return Served(
        {setting: server.url},
        {"apiKey": "kite-key", "apiSecret": "kite-secret"},
        server.access_token(DEMO_USER_ID),
    )


def _upstox(stack: ExitStack) -> Served:
    stub = stack.enter_context(BrokerStub())
    for path, name in (
        ("/v2/order/trades/get-trades-for-day", "trades.json"),
        ("/v2/order/retrieve-all", "orders.json"),
        ("/v2/portfolio/short-term-positions", "positions.json"),
        ("/v2/portfolio/long-term-holdings", "holdings.json"),
        ("/v2/charges/historical-trades", "historical_trades_eq.json"),  # a first sync's backfill
    ):
        stub.route("GET", path, fixture_bytes("upstox", name))
    return Served({"UPSTOX_BASE_URL": stub.url}, {"apiKey": "up-key", "apiSecret": "up-secret"}, "up-token")


def _stub(stack: ExitStack, server: StubBrokerServer, setting: str, base: Callable[[], str]) -> Served:
    """Start `server` (a new stub): `setting` is its base URL (`base()` once it listens), its app, and
    the session of the demo day's user."""
    stack.enter_context(server)
    token = server.access_token(USER)
    return Served({setting: base()}, {"apiKey": server.api_key, "apiSecret": server.api_secret}, token)


def _angelone(stack: ExitStack) -> Served:
    server = AngelOneStubServer(books={USER: demo_day()})
    return _stub(stack, server, "ANGELONE_BASE_URL", lambda: server.url)


def _breeze(stack: ExitStack) -> Served:
    server = BreezeStubServer(books={USER: demo_day()})
    return _stub(stack, server, "BREEZE_BASE_URL", lambda: server.api_url)


def _sharekhan(stack: ExitStack) -> Served:
    server = SharekhanStubServer(books={USER: demo_day()})
    served = _stub(stack, server, "SHAREKHAN_BASE_URL", lambda: server.url)
    return Served(served.env, served.app, f"{USER}:{served.token}")  # ShareKhan's session names the customer


SERVERS: dict[str, Callable[[ExitStack], Served]] = {
    "zerodha": lambda stack: _kite_like(stack, "KITE_BASE_URL"),
    "simulated": lambda stack: _kite_like(stack, "SIMULATED_BROKER_URL"),
    "upstox": _upstox,
    "angelone": _angelone,
    "breeze": _breeze,
    "sharekhan": _sharekhan,
}


def test_every_registered_broker_has_a_server_here() -> None:
    # Given the registry / Then this test runs each of its brokers (a new row must add its server)
    assert set(SERVERS) == set(REGISTRY) == set(BROKER_NAMES)


@pytest.fixture
def synced(
    request: pytest.FixtureRequest, app_env: Settings, moto_aws: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Served, Pipeline]]:
    """The pipeline's queues in moto, the broker's server running and the settings pointing at it."""
    from tradetrack.aws import aws_client

    broker = str(request.param)
    built = make_pipeline(aws_client("sqs"))
    with ExitStack() as stack:
        served = SERVERS[broker](stack)
        for name, value in {**built.env(), **served.env, "BROKER_TIMEOUT_S": "2"}.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        bootstrap_brokers({broker: served.app})
        yield broker, served, built
    reset_settings()


@pytest.mark.parametrize("synced", sorted(SERVERS), indirect=True)
def test_a_scheduled_sync_journals_the_brokers_fills(
    synced: tuple[str, Served, Pipeline], mongo_db: Database[Document]
) -> None:
    broker, served, pipeline = synced
    # Given an active account at the broker, and what its own client reads from the server
    account = connected_account(mongo_db, user_id="u1", broker=broker, access_token=served.token)
    expected = factory.session(broker, served.token).trades()
    assert expected, "the broker's server has no fills today"
    # When the schedule fires and both queues are drained
    run = pipeline.schedule(datetime.now(UTC))
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
    # Then every fill is an execution of the account, from that broker, and trades were derived
    assert run["sent"] == 1
    stored = list(mongo_db["executions"].find({"accountId": account["_id"]}))
    assert len(stored) == len(expected)
    assert {e["source"] for e in stored} == {broker}
    assert sorted((e["symbol"], e["quantity"]) for e in stored) == sorted(
        (f.symbol, f.quantity) for f in expected
    )
    assert list(mongo_db["trades"].find({"accountId": account["_id"]}))
    # And the sync log says so, with the order book read
    (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
    assert log["status"] == "success", log
    assert (log["fetched"], log["inserted"]) == (len(expected), len(expected))
    assert log["orders"]["total"] > 0
