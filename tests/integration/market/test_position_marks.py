"""Unrealized P&L is current (issue #15 item 11): the feed quotes every symbol with an open position
of any user, and positions, the portfolio and the analytics summary mark them at the quote cache at
read time, cached summary or not, with stale quotes flagged with their age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.conftest import QUERY_SHAPES
from tests.integration.market.conftest import FixedQuotes
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.analytics.service import AnalyticsQuery, summary
from tradetrack.market.cache import STALE_AFTER_S, cache_quotes
from tradetrack.market.quote import Quote


def execute(gateway: Gateway, account: Account, side: str, quantity: int, price: str, **extra: Any) -> None:
    body = {
        "symbol": extra.pop("symbol", "INFY"),
        "exchange": extra.pop("exchange", "NSE"),
        "side": side,
        "quantity": quantity,
        "price": price,
        "executedAt": f"2025-03-03T{extra.pop('at', '09:20')}:00+05:30",
        "product": extra.pop("product", "CNC"),
        **extra,
    }
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text


def get(gateway: Gateway, account: Account, path: str) -> Reply:
    reply = gateway.request("GET", path, token=account.access_token)
    assert reply.status == 200, reply.text
    return reply


class Recording(FixedQuotes):
    """FixedQuotes that remembers which symbols each call asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, symbols: Any) -> dict[str, Quote]:
        self.asked.extend(symbols)
        return super().fetch(symbols)


def test_a_feed_tick_quotes_every_symbol_held_by_anyone(gateway: Gateway, make_feed: Any) -> None:
    # Given two users holding INFY (long) and SBIN (short, intraday), a closed TCS round trip, and
    # nobody subscribed to anything nor any alert
    alice, bob = new_account(gateway), new_account(gateway)
    execute(gateway, alice, "BUY", 3, "100.10")
    execute(gateway, bob, "SELL", 10, "800", symbol="SBIN", product="MIS")
    execute(gateway, bob, "BUY", 2, "3000", symbol="TCS")
    execute(gateway, bob, "SELL", 2, "3010", symbol="TCS", at="10:00")
    provider = Recording()
    provider.set("NSE:INFY", "101.05")
    provider.set("NSE:SBIN", "790.5")
    # When one feed tick runs
    result = make_feed(provider).tick()
    # Then the provider was asked for the held symbols, and only those
    assert sorted(provider.asked) == ["NSE:INFY", "NSE:SBIN"]
    assert (result.symbols, result.held, result.quotes) == (2, 2, 2)


def test_positions_portfolio_and_summary_show_the_feeds_price_and_exact_pnl(
    gateway: Gateway, make_feed: Any
) -> None:
    # Given a trader holding 7 INFY bought at 100.10 (3) and 100.20 (4), cost 701.10
    account = new_account(gateway)
    execute(gateway, account, "BUY", 3, "100.10")
    execute(gateway, account, "BUY", 4, "100.20", at="09:25")
    # And a summary read before any quote exists (now in the analytics cache): marked at the last
    # fill's price, 7 × 100.20 − 701.10, and flagged stale
    before = get(gateway, account, "/v1/analytics/summary").body
    assert (before["unrealizedPnl"], before["unrealizedStale"], before["unrealizedAgeS"]) == (
        "0.3",
        True,
        None,
    )
    # When the feed ticks with INFY at 101.05 (nobody asked for a quote)
    provider = FixedQuotes()
    provider.set("NSE:INFY", "101.05", close="100")
    make_feed(provider).tick()
    # Then the position is marked at 101.05: 707.35 − 701.10 = 6.25 exactly
    (position,) = get(gateway, account, "/v1/positions").body["items"]
    assert (position["lastPrice"], position["unrealizedPnl"]) == ("101.05", "6.25")
    assert position["lastPriceStale"] is False and 0 <= position["lastPriceAgeS"] <= 5
    # And the portfolio too
    portfolio = get(gateway, account, "/v1/portfolio").body
    assert (portfolio["totalValue"], portfolio["unrealizedPnl"]) == ("707.35", "6.25")
    assert portfolio["lastPriceStale"] is False
    # And the summary, although its realized part comes from the cache
    summary = get(gateway, account, "/v1/analytics/summary").body
    assert summary["cached"] is True
    assert (summary["unrealizedPnl"], summary["openPositions"], summary["unrealizedStale"]) == (
        "6.25",
        1,
        False,
    )
    # When the price moves to 99.9 on the next tick
    provider.set("NSE:INFY", "99.9", close="100")
    make_feed(provider).tick()
    # Then the cached summary follows: 699.30 − 701.10 = −1.80
    summary = get(gateway, account, "/v1/analytics/summary").body
    assert summary["cached"] is True and summary["unrealizedPnl"] == "-1.8"
    assert summary["realizedPnl"] == before["realizedPnl"]


def test_an_old_quote_is_used_and_flagged_with_its_age(gateway: Gateway, redis_client: redis.Redis) -> None:
    # Given a short of 10 SBIN at 800 and a quote of 790.5 fetched ten minutes ago (the feed stopped)
    account = new_account(gateway)
    execute(gateway, account, "SELL", 10, "800", symbol="SBIN", product="MIS")
    fetched = datetime.now(UTC) - timedelta(minutes=10)
    cache_quotes(redis_client, [Quote(symbol="NSE:SBIN", ltp=Decimal("790.5"), ts=fetched)], now=fetched)
    # When the trader reads positions and the summary
    (position,) = get(gateway, account, "/v1/positions").body["items"]
    summary = get(gateway, account, "/v1/analytics/summary").body
    # Then the last known price marks the short (+95), flagged stale with its age
    assert (position["lastPrice"], position["unrealizedPnl"]) == ("790.5", "95")
    assert position["lastPriceStale"] is True
    assert 600 <= position["lastPriceAgeS"] < 600 + STALE_AFTER_S
    assert (summary["unrealizedPnl"], summary["unrealizedStale"]) == ("95", True)
    assert summary["unrealizedAgeS"] >= 600


def test_a_cached_summary_reads_only_the_open_positions_again(
    gateway: Gateway, mongo_db: Database[dict[str, Any]], redis_client: redis.Redis
) -> None:
    # Given a trader with two open positions and one closed trade, and their summary in the cache
    account = new_account(gateway)
    execute(gateway, account, "BUY", 3, "100.10")
    execute(gateway, account, "BUY", 2, "3000", symbol="TCS")
    execute(gateway, account, "BUY", 1, "800", symbol="SBIN")
    execute(gateway, account, "SELL", 1, "810", symbol="SBIN", at="10:00")
    assert summary(mongo_db, redis_client, account.user_id, AnalyticsQuery()).cached is False
    # When it is read again
    with QUERY_SHAPES.window() as spent:
        again = summary(mongo_db, redis_client, account.user_id, AnalyticsQuery())
    # Then the realized part comes from the cache, and Mongo is asked only for the user's capital,
    # the aggregates' state and the pairs with an open trade (never the trades)
    assert again.cached is True and again.open_positions == 2
    assert spent.summary() == "1× find aggregate_state, 1× find pair_state, 1× find users"
    assert spent.documents() == 1 + 1 + 2
