"""/v1/trades, /v1/positions and /v1/portfolio through the gateway: trades derived from the fills
entered over the API, exact P&L, annotations that survive recomputation, filters, quotes, isolation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.pagination import encode_cursor

Db = Database[dict[str, Any]]
DAY = "2025-03-03"
NEXT_DAY = "2025-03-04"


def execute(
    gateway: Gateway,
    account: Account,
    side: str,
    quantity: int,
    price: str,
    *,
    symbol: str = "INFY",
    at: str = "09:20",
    day: str = DAY,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "symbol": symbol,
        "exchange": extra.pop("exchange", "NSE"),
        "side": side,
        "quantity": quantity,
        "price": price,
        "executedAt": f"{day}T{at}:00+05:30",
        **extra,
    }
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text
    return dict(reply.body)


def get(gateway: Gateway, account: Account, path: str, **query: str) -> Reply:
    return gateway.request("GET", path, token=account.access_token, query=query)


def trades(gateway: Gateway, account: Account, **query: str) -> list[dict[str, Any]]:
    reply = get(gateway, account, "/v1/trades", **query)
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def patch(gateway: Gateway, account: Account, trade_id: str, body: dict[str, Any]) -> Reply:
    return gateway.request("PATCH", f"/v1/trades/{trade_id}", json_body=body, token=account.access_token)


def quote(cache: redis.Redis, exchange: str, symbol: str, ltp: str, close: str | None = None) -> None:
    """A quote in the market cache, written as the market-data feed writes it."""
    cached = Quote(
        symbol=f"{exchange}:{symbol}",
        ltp=Decimal(ltp),
        ts=datetime.now(UTC),
        close=Decimal(close) if close else None,
    )
    cache_quotes(cache, [cached], ttl_s=60)


# ---- derived trades ------------------------------------------------------------------------------


def test_a_round_trip_has_exact_pnl(gateway: Gateway) -> None:
    # Given a trader who buys 10 @ 100.05 and sells 10 @ 101.10 the same day, with fees
    account = new_account(gateway)
    buy = execute(gateway, account, "BUY", 10, "100.05", fees="2.5")
    sell = execute(gateway, account, "SELL", 10, "101.10", at="14:00", fees="3.1")
    # When they list their trades
    [trade] = trades(gateway, account)
    # Then one closed intraday LONG round trip with exact money
    assert trade == {
        "tradeId": trade["tradeId"],
        "accountId": "manual",
        "symbol": "INFY",
        "exchange": "NSE",
        "segment": "EQ",
        "isFno": False,
        "direction": "LONG",
        "status": "closed",
        "category": "intraday",
        "openedAt": f"{DAY}T09:20:00+05:30",
        "closedAt": f"{DAY}T14:00:00+05:30",
        "quantity": 10,
        "openQuantity": 0,
        "avgEntry": "100.05",
        "avgExit": "101.1",
        "realizedPnl": "10.5",
        "charges": "5.6",
        "netPnl": "4.9",
        "holdingDays": 0,
        "executionIds": [buy["executionId"], sell["executionId"]],
        "notes": "",
        "tags": [],
        "strategy": None,
    }
    assert get(gateway, account, f"/v1/trades/{trade['tradeId']}").body == trade


def test_a_partial_exit_leaves_the_trade_open(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    execute(gateway, account, "SELL", 4, "110.25", at="10:00", day=NEXT_DAY)
    [trade] = trades(gateway, account)
    assert trade["status"] == "open" and trade["closedAt"] is None
    assert (trade["quantity"], trade["openQuantity"]) == (10, 6)
    assert trade["realizedPnl"] == "41" and trade["avgExit"] == "110.25"


def test_scaling_in_averages_the_entry_and_fifo_realizes_oldest_first(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    execute(gateway, account, "BUY", 5, "103.33", at="09:30")
    execute(gateway, account, "SELL", 12, "105", at="11:00", day=NEXT_DAY)
    [trade] = trades(gateway, account)
    # FIFO: 10 @ 100 then 2 @ 103.33 → 50 + 3.34
    assert trade["realizedPnl"] == "53.34"
    assert trade["avgEntry"] == "101.11" and trade["openQuantity"] == 3
    execute(gateway, account, "SELL", 3, "100", at="12:00", day=NEXT_DAY)
    [closed] = trades(gateway, account)
    assert closed["status"] == "closed" and closed["realizedPnl"] == "43.35"


def test_a_sell_larger_than_the_position_flips_long_to_short(gateway: Gateway) -> None:
    # Intraday (MIS) and F&O positions can be short; equity delivery cannot (next test)
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100", product="MIS", fees="0")
    flip = execute(gateway, account, "SELL", 15, "90", at="10:00", fees="1.5", product="MIS")
    short, long = trades(gateway, account)  # newest opened first
    assert long["direction"] == "LONG" and long["status"] == "closed" and long["realizedPnl"] == "-100"
    assert long["charges"] == "1"  # the flip's fees are split 10:5 by quantity
    assert short["direction"] == "SHORT" and short["status"] == "open"
    assert short["openQuantity"] == 5 and short["avgEntry"] == "90" and short["charges"] == "0.5"
    assert short["executionIds"] == [flip["executionId"]]
    # Covering the short at 80 makes 50
    execute(gateway, account, "BUY", 5, "80", at="11:00", product="MIS")
    short, _ = trades(gateway, account)
    assert short["status"] == "closed" and short["realizedPnl"] == "50"


def test_a_delivery_sell_beyond_the_holding_is_an_unmatched_exit_not_a_short(gateway: Gateway) -> None:
    # Given 10 shares bought, and a later delivery sell of 15 (5 were bought before the journal's data)
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    execute(gateway, account, "SELL", 15, "90", day=NEXT_DAY)
    # Then the 10 close the trade and no short is opened: equity delivery shorts do not exist
    [closed] = trades(gateway, account)
    assert (closed["direction"], closed["status"], closed["realizedPnl"]) == ("LONG", "closed", "-100")
    assert trades(gateway, account, status="open") == []


def test_same_day_buys_and_sells_of_delivery_shares_net_to_an_intraday_trade(gateway: Gateway) -> None:
    # Given 10 bought and 4 sold the same day without an intraday product (as a tradebook has them)
    account = new_account(gateway)
    buy = execute(gateway, account, "BUY", 10, "100")
    execute(gateway, account, "SELL", 4, "110.25", at="10:00")
    # Then 4 are an intraday round trip (speculative for tax) and 6 stay a delivery position
    delivery, intraday = sorted(trades(gateway, account), key=lambda t: t["tradeId"])
    assert intraday["tradeId"] == delivery["tradeId"] + "_i"
    assert (intraday["category"], intraday["status"], intraday["realizedPnl"]) == ("intraday", "closed", "41")
    assert (delivery["status"], delivery["openQuantity"], delivery["realizedPnl"]) == ("open", 6, "0")
    assert delivery["executionIds"] == [buy["executionId"]]


def test_fno_trades_are_flagged(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 75, "120.5", symbol="NIFTY25MAR22500CE", exchange="NFO")
    [trade] = trades(gateway, account)
    assert trade["segment"] == "FO" and trade["isFno"] is True


# ---- annotations ---------------------------------------------------------------------------------


def test_annotations_follow_a_restructure_and_come_back_when_it_is_undone(gateway: Gateway) -> None:
    # Given a position the trader annotated
    account = new_account(gateway)
    later = execute(gateway, account, "BUY", 10, "100", day=NEXT_DAY)
    [trade] = trades(gateway, account)
    body = {"notes": "pullback entry", "tags": ["swing"], "strategy": "PB", "category": "long_term"}
    assert patch(gateway, account, trade["tradeId"], body).status == 200
    # When an earlier fill arrives: it now opens the round trip, which gets the earlier fill's id
    earlier = execute(gateway, account, "BUY", 5, "98")
    [merged] = trades(gateway, account)
    assert merged["tradeId"] != trade["tradeId"] and merged["executionIds"] == [
        earlier["executionId"],
        later["executionId"],
    ]
    # Then the annotation moved with the fill it was made on
    assert (merged["notes"], merged["tags"], merged["strategy"], merged["category"]) == (
        "pullback entry",
        ["swing"],
        "PB",
        "long_term",
    )
    # And when the earlier fill is deleted, the original trade is back with its annotation
    deleted = gateway.request(
        "DELETE", f"/v1/executions/{earlier['executionId']}", token=account.access_token
    )
    assert deleted.status == 204, deleted.text
    [restored] = trades(gateway, account)
    assert restored["tradeId"] == trade["tradeId"]
    assert (restored["notes"], restored["tags"], restored["category"]) == (
        "pullback entry",
        ["swing"],
        "long_term",
    )
    # And deleting the fill it was made on keeps it, as an orphan the trader can see
    gateway.request("DELETE", f"/v1/executions/{later['executionId']}", token=account.access_token)
    assert trades(gateway, account) == []
    quality = get(gateway, account, "/v1/data-quality").body
    assert [o["notes"] for o in quality["orphanedAnnotations"]] == ["pullback entry"]
    # And the trader re-attaches it to the trade it belongs to after all
    execute(gateway, account, "BUY", 7, "101", day=NEXT_DAY, at="10:00")
    [reentry] = trades(gateway, account)
    anchor = quality["orphanedAnnotations"][0]["anchor"]
    attached = gateway.request(
        "POST",
        f"/v1/data-quality/orphans/{anchor}/attach",
        json_body={"tradeId": reentry["tradeId"]},
        token=account.access_token,
    )
    assert attached.status == 200, attached.text
    assert (attached.body["notes"], attached.body["strategy"]) == ("pullback entry", "PB")
    assert get(gateway, account, "/v1/data-quality").body["orphanedAnnotations"] == []
    assert trades(gateway, account)[0]["notes"] == "pullback entry"


def test_annotations_survive_recomputation_and_a_category_override_sticks(gateway: Gateway) -> None:
    # Given an open trade the trader annotates, overriding its category
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    [trade] = trades(gateway, account)
    annotated = patch(
        gateway,
        account,
        trade["tradeId"],
        {
            "notes": "Breakout above\nresistance",
            "tags": ["Breakout", "breakout ", "FOMO"],
            "strategy": "ORB",
            "category": "long_term",
        },
    )
    assert annotated.status == 200, annotated.text
    assert annotated.body["tags"] == ["breakout", "fomo"] and annotated.body["category"] == "long_term"
    # When a new fill closes it the same day (automatically: intraday)
    execute(gateway, account, "SELL", 10, "101", at="15:00")
    # Then the recomputed trade keeps every annotation and the override
    after = get(gateway, account, f"/v1/trades/{trade['tradeId']}").body
    assert after["status"] == "closed" and after["realizedPnl"] == "10"
    assert after["notes"] == "Breakout above\nresistance"
    assert after["tags"] == ["breakout", "fomo"] and after["strategy"] == "ORB"
    assert after["category"] == "long_term"
    assert [t["tradeId"] for t in trades(gateway, account, category="long_term")] == [trade["tradeId"]]
    # And clearing the override brings the automatic category back
    cleared = patch(gateway, account, trade["tradeId"], {"category": None, "strategy": None})
    assert cleared.body["category"] == "intraday" and cleared.body["strategy"] is None
    assert cleared.body["notes"] == "Breakout above\nresistance"  # untouched: not sent


def test_patching_bumps_the_analytics_version(gateway: Gateway, redis_client: redis.Redis) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 1, "100")
    before = int(redis_client.get(f"analytics:version:{account.user_id}") or 0)
    assert before >= 1  # the fill bumped it
    [trade] = trades(gateway, account)
    patch(gateway, account, trade["tradeId"], {"tags": ["x"]})
    assert int(redis_client.get(f"analytics:version:{account.user_id}") or 0) == before + 1


@pytest.mark.parametrize(
    "body",
    [
        {"category": "scalp"},
        {"notes": "x" * 10_001},
        {"tags": [f"t{i}" for i in range(21)]},
        {"tags": ["x" * 41]},
        {"tags": ["   "]},
        {"tags": "breakout"},
        {"tags": ["bad\x00tag"]},
        {"strategy": "s" * 101},
        {"realizedPnl": "1000000"},
        {"status": "closed"},
    ],
)
def test_bad_annotations_are_400_and_change_nothing(gateway: Gateway, body: dict[str, Any]) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    [trade] = trades(gateway, account)
    reply = patch(gateway, account, trade["tradeId"], body)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"
    assert trades(gateway, account) == [trade]


def test_an_unknown_trade_is_404(gateway: Gateway) -> None:
    account = new_account(gateway)
    assert get(gateway, account, "/v1/trades/trd_nope").status == 404
    assert patch(gateway, account, "trd_nope", {"notes": "x"}).status == 404


# ---- filters and pages ---------------------------------------------------------------------------


@pytest.fixture
def journal(gateway: Gateway) -> Account:
    """INFY closed intraday on 3 Mar; TCS closed over two weeks (swing) opened 4 Mar, tagged;
    SBIN open from 10 Mar in another account."""
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100", symbol="INFY")
    execute(gateway, account, "SELL", 10, "101", symbol="INFY", at="10:00")
    execute(gateway, account, "BUY", 5, "4000", symbol="TCS", day="2025-03-04")
    execute(gateway, account, "SELL", 5, "4100", symbol="TCS", day="2025-03-18")
    execute(gateway, account, "BUY", 20, "700", symbol="SBIN", day="2025-03-10", accountId="zerodha-1")
    [tcs] = trades(gateway, account, symbol="TCS")
    patch(gateway, account, tcs["tradeId"], {"tags": ["Earnings"]})
    return account


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["SBIN", "TCS", "INFY"]),
        ({"status": "open"}, ["SBIN"]),
        ({"status": "closed"}, ["TCS", "INFY"]),
        ({"symbol": "tcs"}, ["TCS"]),
        ({"symbol": "WIPRO"}, []),
        ({"category": "intraday"}, ["INFY"]),
        ({"category": "swing"}, ["TCS"]),
        ({"category": "long_term"}, ["SBIN"]),  # open since 10 Mar 2025: held for more than 30 days
        ({"tag": "EARNINGS"}, ["TCS"]),
        ({"tag": "other"}, []),
        ({"accountId": "zerodha-1"}, ["SBIN"]),
        ({"from": "2025-03-04"}, ["SBIN", "TCS"]),
        ({"to": "2025-03-04"}, ["TCS", "INFY"]),
        ({"from": "2025-03-04", "to": "2025-03-04"}, ["TCS"]),
        ({"from": "2025-03-03T09:20:01"}, ["SBIN", "TCS"]),
        ({"status": "closed", "from": "2025-03-04", "tag": "earnings"}, ["TCS"]),
    ],
)
def test_trades_filter(
    gateway: Gateway, journal: Account, query: dict[str, str], expected: list[str]
) -> None:
    assert [t["symbol"] for t in trades(gateway, journal, **query)] == expected


@pytest.mark.parametrize(
    "query",
    [
        {"status": "pending"},
        {"category": "scalp"},
        {"limit": "0"},
        {"limit": "501"},
        {"from": "2025-02-30"},
        {"to": "soon"},
        {"symbol": "%%%"},
        {"tag": "  "},
        {"cursor": "!!"},
        {"cursor": encode_cursor({"k": "exe", "t": "2025-03-03T03:48:00+00:00", "id": "exe_x"})},
        {"cursor": encode_cursor({"k": "trd", "t": "yesterday", "id": "trd_x"})},
    ],
)
def test_bad_trade_queries_are_400(gateway: Gateway, query: dict[str, str]) -> None:
    account = new_account(gateway)
    reply = get(gateway, account, "/v1/trades", **query)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"


def test_a_range_ending_before_it_starts_is_422(gateway: Gateway) -> None:
    # Given bounds each valid alone / When from is after to / Then 422: well-formed, not applicable
    account = new_account(gateway)
    reply = get(gateway, account, "/v1/trades", **{"from": "2025-03-05", "to": "2025-03-01"})
    assert reply.status == 422, reply.text
    assert reply.body["error"]["message"] == "from is after to"


def test_trade_pages_cover_every_trade_once(gateway: Gateway) -> None:
    # Given 5 round trips, two opened at the same instant (two accounts)
    account = new_account(gateway)
    for at, acct in (("09:15", "a"), ("09:16", "a"), ("09:16", "b"), ("09:17", "a"), ("09:18", "a")):
        execute(gateway, account, "BUY", 1, "10", at=at, accountId=acct, symbol=f"S{at.replace(':', '')}")
    everything = trades(gateway, account)
    # When paged 2 at a time
    seen: list[str] = []
    cursor = None
    while True:
        reply = get(gateway, account, "/v1/trades", limit="2", **({"cursor": cursor} if cursor else {}))
        seen += [t["tradeId"] for t in reply.body["items"]]
        cursor = reply.body["nextCursor"]
        if not cursor:
            break
    # Then in the same order as one page, none twice
    assert seen == [t["tradeId"] for t in everything] and len(seen) == 5


# ---- positions and portfolio ---------------------------------------------------------------------


def test_a_position_without_a_cached_quote_uses_the_last_fill_and_says_so(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    execute(gateway, account, "BUY", 5, "106", at="09:40")
    execute(gateway, account, "SELL", 3, "104", at="10:00")
    reply = get(gateway, account, "/v1/positions")
    assert reply.status == 200, reply.text
    assert reply.body == {
        "items": [
            {
                "symbol": "INFY",
                "exchange": "NSE",
                "segment": "EQ",
                "accountId": "manual",
                "quantity": 12,
                "avgPrice": "102.5",  # 7 @ 100 + 5 @ 106 left after FIFO
                "lastPrice": "104",
                "lastPriceStale": True,
                "lastPriceAgeS": None,  # no quote at all
                "unrealizedPnl": "18",
                "dayChange": None,
            }
        ]
    }


def test_positions_value_longs_and_shorts_at_the_cached_quote(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    # Given a long INFY and a short SBIN, and quotes in the market cache
    account = new_account(gateway)
    execute(gateway, account, "BUY", 3, "100.10", symbol="INFY")
    execute(gateway, account, "BUY", 4, "100.20", symbol="INFY", at="09:25")
    execute(gateway, account, "SELL", 10, "800", symbol="SBIN", product="MIS")
    quote(redis_client, "NSE", "INFY", "101.05", "100")
    quote(redis_client, "NSE", "SBIN", "790.5", "795")
    # When the trader looks at their positions
    infy, sbin = get(gateway, account, "/v1/positions").body["items"]
    # Then both are valued at the live price, exactly; the short gains as the price falls
    assert infy["quantity"] == 7 and infy["avgPrice"] == "100.1571" and infy["lastPrice"] == "101.05"
    assert infy["lastPriceStale"] is False
    assert infy["unrealizedPnl"] == "6.25"  # 707.35 − 701.10, not via the rounded average
    assert infy["dayChange"] == "7.35"
    assert sbin["quantity"] == -10 and sbin["avgPrice"] == "800" and sbin["lastPrice"] == "790.5"
    assert sbin["unrealizedPnl"] == "95" and sbin["dayChange"] == "45"


def test_a_quote_without_close_has_no_day_change_and_a_broken_one_is_ignored(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 2, "50", symbol="INFY")
    execute(gateway, account, "BUY", 2, "50", symbol="TCS")
    quote(redis_client, "NSE", "INFY", "55")
    redis_client.set("mkt:quote:NSE:TCS", "{not json")
    infy, tcs = get(gateway, account, "/v1/positions").body["items"]
    assert (infy["lastPrice"], infy["lastPriceStale"], infy["dayChange"]) == ("55", False, None)
    assert infy["unrealizedPnl"] == "10"
    assert (tcs["lastPrice"], tcs["lastPriceStale"]) == ("50", True)


def test_closed_trades_are_not_positions(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 2, "50")
    execute(gateway, account, "SELL", 2, "51", at="10:00")
    assert get(gateway, account, "/v1/positions").body == {"items": []}


def test_the_portfolio_holds_equity_delivery_positions_with_exact_totals(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    # Given delivery buys of INFY (quoted) and RELIANCE (not quoted), plus positions that are not holdings:
    # an intraday (MIS) buy, an F&O buy and an equity short
    account = new_account(gateway)
    execute(gateway, account, "BUY", 3, "100.10", symbol="INFY", product="CNC")
    execute(gateway, account, "BUY", 4, "100.20", symbol="INFY", at="09:25", product="CNC")
    execute(gateway, account, "BUY", 1, "2500.5555", symbol="RELIANCE", product="CNC")
    execute(gateway, account, "BUY", 100, "900", symbol="TATAMOTORS", product="MIS")
    execute(gateway, account, "BUY", 75, "120", symbol="NIFTY25MAR22500CE", exchange="NFO")
    execute(gateway, account, "SELL", 5, "700", symbol="SBIN")
    quote(redis_client, "NSE", "INFY", "101.05", "100")
    # When they look at their portfolio
    reply = get(gateway, account, "/v1/portfolio")
    assert reply.status == 200, reply.text
    body = reply.body
    # Then only the two delivery holdings count, and the totals are exact
    assert [h["symbol"] for h in body["holdings"]] == ["INFY", "RELIANCE"]
    infy, reliance = body["holdings"]
    assert (infy["invested"], infy["currentValue"], infy["unrealizedPnl"]) == ("701.1", "707.35", "6.25")
    assert (reliance["invested"], reliance["currentValue"], reliance["lastPriceStale"]) == (
        "2500.5555",
        "2500.5555",
        True,
    )
    assert body["totalInvested"] == "3201.6555"
    assert body["totalValue"] == "3207.9055"
    assert body["unrealizedPnl"] == "6.25"
    assert body["dayChange"] is None  # RELIANCE has no cached close
    assert body["lastPriceStale"] is True


def test_an_empty_portfolio_is_zero(gateway: Gateway) -> None:
    account = new_account(gateway)
    assert get(gateway, account, "/v1/portfolio").body == {
        "holdings": [],
        "totalInvested": "0",
        "totalValue": "0",
        "unrealizedPnl": "0",
        "dayChange": "0",
        "lastPriceStale": False,
        "lastPriceAgeS": None,
    }


# ---- isolation -----------------------------------------------------------------------------------


def test_another_users_trade_is_not_found_and_unchanged(gateway: Gateway) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    execute(gateway, owner, "BUY", 10, "100")
    [trade] = trades(gateway, owner)
    assert_isolated(
        gateway,
        owner,
        intruder,
        [
            OwnedRoute("GET", "/v1/trades/{id}"),
            OwnedRoute("PATCH", "/v1/trades/{id}", {"notes": "mine now", "category": "swing", "tags": ["x"]}),
        ],
        trade["tradeId"],
        owner_view=lambda: get(gateway, owner, f"/v1/trades/{trade['tradeId']}").body,
    )


def test_lists_positions_and_portfolio_never_show_another_users_items(gateway: Gateway) -> None:
    owner, other = new_account(gateway), new_account(gateway)
    execute(gateway, owner, "BUY", 10, "100", symbol="INFY", product="CNC")
    execute(gateway, other, "BUY", 1, "50", symbol="TCS", product="CNC")
    assert [t["symbol"] for t in trades(gateway, owner)] == ["INFY"]
    assert trades(gateway, other, symbol="INFY") == []
    assert [p["symbol"] for p in get(gateway, other, "/v1/positions").body["items"]] == ["TCS"]
    assert [h["symbol"] for h in get(gateway, other, "/v1/portfolio").body["holdings"]] == ["TCS"]


@pytest.mark.parametrize("path", ["/v1/trades", "/v1/trades/trd_x", "/v1/positions", "/v1/portfolio"])
def test_trade_routes_need_a_token(gateway: Gateway, path: str) -> None:
    assert gateway.request("GET", path).status == 401


def test_an_empty_patch_changes_nothing_and_a_malformed_one_is_400(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100")
    [trade] = trades(gateway, account)
    assert patch(gateway, account, trade["tradeId"], {}).body == trade
    malformed = gateway.request(
        "PATCH", f"/v1/trades/{trade['tradeId']}", raw_body="{notes:", token=account.access_token
    )
    assert malformed.status == 400
    assert get(gateway, account, "/v1/trades/$where").status == 404
