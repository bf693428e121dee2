from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.brokers import bootstrap_brokers
from tests.support.broker_stub import BrokerStub
from tests.support.pipeline import KITE_APP, UPSTOX_APP, Pipeline, make_pipeline
from tradetrack.config import Settings, reset_settings


@pytest.fixture
def kite() -> Iterator[BrokerStub]:
    with BrokerStub() as stub:
        yield stub


@pytest.fixture
def pipeline(
    app_env: Settings, moto_aws: None, monkeypatch: pytest.MonkeyPatch, kite: BrokerStub
) -> Iterator[Pipeline]:
    """Queues, KMS key and broker apps in moto; Kite is the stub; handlers read this test's stores."""
    from tradetrack.aws import aws_client

    built = make_pipeline(aws_client("sqs"))
    # One stub serves both brokers' paths (Kite /trades..., Upstox /v2/...).
    stubbed = {"KITE_BASE_URL": kite.url, "UPSTOX_BASE_URL": kite.url, "BROKER_TIMEOUT_S": "1"}
    for name, value in {**built.env(), **stubbed}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    bootstrap_brokers({"zerodha": KITE_APP, "upstox": UPSTOX_APP})
    yield built
    reset_settings()


def kite_fixture(name: str, broker: str = "kite") -> bytes:
    from pathlib import Path

    return (Path(__file__).parents[2] / "fixtures" / "brokers" / broker / name).read_bytes()


KITE_DAY = {"/trades": "trades.json", "/orders": "orders.json", "/portfolio/positions": "positions.json"}


UPSTOX_DAY = {
    "/v2/order/trades/get-trades-for-day": "trades.json",
    "/v2/order/retrieve-all": "orders.json",
    "/v2/portfolio/short-term-positions": "positions.json",
}


def serve_upstox_day(stub: BrokerStub, *, history: bool = False, holdings: bool = False) -> None:
    """The documented Upstox payloads for a day (its fills, orders and short-term positions);
    `history`: the historical trades a first sync backfills; `holdings`: the long-term holdings
    (without, those paths are not served)."""
    paths = dict(UPSTOX_DAY)
    if history:
        paths["/v2/charges/historical-trades"] = "historical_trades_eq.json"
    if holdings:
        paths["/v2/portfolio/long-term-holdings"] = "holdings.json"
    for path, name in paths.items():
        stub.route("GET", path, kite_fixture(name, "upstox"))


def serve_kite_day(kite: BrokerStub, overrides: dict[str, tuple[Any, ...]] | None = None) -> None:
    """The documented Kite payloads for a day (4 fills, 10 orders, 3 net positions); `overrides`
    replaces a path's replies (served in order, the last repeating)."""
    for path, name in KITE_DAY.items():
        replies = (overrides or {}).get(path) or (kite_fixture(name),)
        kite.route("GET", path, *replies)
