"""/v1/analytics/* through the gateway on real FerretDB and Redis: worked examples over fills entered
via the API, the cache and its invalidation, validation, isolation, and no NaN/Infinity in JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.integration.test_trades_api import execute, get, quote
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway

Db = Database[dict[str, Any]]
ROUTES = ("summary", "by-category", "by-symbol", "by-weekday", "by-hour", "timeseries", "tax-pnl")


def strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def analytics(gateway: Gateway, account: Account, route: str, **query: str) -> dict[str, Any]:
    reply = get(gateway, account, f"/v1/analytics/{route}", **query)
    assert reply.status == 200, reply.text
    return dict(strict(reply.text))


def two_trades(gateway: Gateway, account: Account) -> None:
    # A win: 10 @ 100 → 110 on Monday, ₹1 fees each side: gross 100, charges 2, net 98
    execute(gateway, account, "BUY", 10, "100", fees="1", at="09:20", day="2025-03-03")
    execute(gateway, account, "SELL", 10, "110", fees="1", at="10:20", day="2025-03-03")
    # A loss: 5 @ 200 → 190 on Wednesday: gross −50, charges 2, net −52
    execute(gateway, account, "BUY", 5, "200", fees="1", symbol="TCS", at="11:05", day="2025-03-05")
    execute(gateway, account, "SELL", 5, "190", fees="1", symbol="TCS", at="14:00", day="2025-03-05")


def test_summary_worked_example_then_cached(gateway: Gateway) -> None:
    account = new_account(gateway)
    two_trades(gateway, account)
    first = analytics(gateway, account, "summary")
    assert first["cached"] is False
    assert (first["realizedPnl"], first["charges"], first["netPnl"]) == ("50", "4", "46")
    assert (first["closedTrades"], first["wins"], first["losses"], first["breakeven"]) == (2, 1, 1, 0)
    assert first["winRate"] == 0.5 and first["profitFactor"] == pytest.approx(98 / 52)
    assert (first["expectancy"], first["avgWin"], first["avgLoss"]) == ("23", "98", "-52")
    assert (first["largestWin"], first["largestLoss"], first["chargesEstimated"]) == ("98", "-52", "0")
    # Daily series Mon 98, Tue 0, Wed −52: mean 46/3, sample variance (82.67² + 15.33² + 67.33²)/2
    # = 17404/3 → Sharpe (46/3)/√(17404/3) × √252 ≈ 3.1958;
    # drawdown ₹52, 1 trading day below the peak (Tuesday still at it)
    assert first["sharpe"] == pytest.approx((46 / 3) / (17404 / 3) ** 0.5 * 252**0.5, rel=1e-12)
    assert (first["maxDrawdown"], first["maxDrawdownDays"], first["maxDrawdownPct"]) == ("52", 1, None)
    assert first["bestDay"] == {"date": "2025-03-03", "netPnl": "98"}
    assert first["worstDay"] == {"date": "2025-03-05", "netPnl": "-52"}
    again = analytics(gateway, account, "summary")
    assert again["cached"] is True and {**again, "cached": False} == first


def test_a_new_execution_changes_the_next_summary(gateway: Gateway, mongo_db: Db) -> None:
    account = new_account(gateway)
    two_trades(gateway, account)
    assert analytics(gateway, account, "summary")["netPnl"] == "46"
    assert analytics(gateway, account, "summary")["cached"] is True
    execute(gateway, account, "BUY", 1, "50", fees="0.5", symbol="SBIN", at="09:30", day="2025-03-06")
    execute(gateway, account, "SELL", 1, "60", fees="0.5", symbol="SBIN", at="09:40", day="2025-03-06")
    after = analytics(gateway, account, "summary")
    assert after["cached"] is False and after["netPnl"] == "55" and after["closedTrades"] == 3
    snapshot = mongo_db["analytics"].find_one({"_id": account.user_id})
    assert snapshot is not None and snapshot["summary"]["netPnl"] == "55"


def test_no_trades_is_all_zeros_and_nulls(gateway: Gateway) -> None:
    account = new_account(gateway)
    for route in ROUTES:
        analytics(gateway, account, route)  # strict JSON: no NaN or Infinity anywhere
    empty = analytics(gateway, account, "summary", **{"from": "2025-03-03", "to": "2025-03-07"})
    assert (empty["netPnl"], empty["closedTrades"], empty["winRate"], empty["sharpe"]) == ("0", 0, None, None)
    assert (empty["sortino"], empty["profitFactor"], empty["bestDay"], empty["maxDrawdown"]) == (
        None,
        None,
        None,
        "0",
    )


def test_open_positions_only(gateway: Gateway, redis_client: redis.Redis) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 10, "100", symbol="WIPRO", fees="1")
    summary = analytics(gateway, account, "summary")
    assert (summary["closedTrades"], summary["openPositions"], summary["unrealizedPnl"]) == (0, 1, "0")
    quote(redis_client, "NSE", "WIPRO", "103.5")
    execute(gateway, account, "BUY", 1, "100", symbol="ITC", fees="1")  # a change: the cache moves on
    marked = analytics(gateway, account, "summary")
    assert (marked["unrealizedPnl"], marked["openPositions"], marked["sharpe"]) == ("35", 2, None)


def test_charges_are_estimated_when_fills_carry_none(gateway: Gateway) -> None:
    account = new_account(gateway)
    execute(gateway, account, "BUY", 100, "1000", at="09:20", day="2025-03-03")
    execute(gateway, account, "SELL", 100, "1010", at="10:20", day="2025-03-03")
    summary = analytics(gateway, account, "summary")
    # Hand-computed in tests/unit/test_analytics_charges_tax.py: ₹82.4814 on this intraday round trip
    # (STT ₹25.25 rounded to ₹25 per the STT Rules 2004)
    assert (summary["charges"], summary["chargesEstimated"], summary["netPnl"]) == (
        "82.4814",
        "82.4814",
        "917.5186",
    )
    tax = analytics(gateway, account, "tax-pnl", fy="2024-25")
    assert tax["speculative"] == {
        "realizedPnl": "1000", "charges": "82.4814", "netPnl": "917.5186", "turnover": "1000", "trades": 1,
    }  # fmt: skip
    assert [row["head"] for row in tax["items"]] == ["speculative"] and tax["fy"] == "2024-25"
    assert analytics(gateway, account, "tax-pnl", fy="2025-26")["items"] == []


def test_breakdowns_and_timeseries(gateway: Gateway) -> None:
    account = new_account(gateway)
    two_trades(gateway, account)
    symbols = analytics(gateway, account, "by-symbol")["items"]
    assert [(g["key"], g["netPnl"], g["closedTrades"]) for g in symbols] == [
        ("INFY", "98", 1),
        ("TCS", "-52", 1),
    ]
    weekdays = analytics(gateway, account, "by-weekday")["items"]
    assert [(g["key"], g["netPnl"]) for g in weekdays] == [("Monday", "98"), ("Wednesday", "-52")]
    hours = analytics(gateway, account, "by-hour")["items"]
    assert [(g["key"], g["winRate"]) for g in hours] == [("09:00", 1.0), ("11:00", 0.0)]
    categories = analytics(gateway, account, "by-category")["items"]
    assert [(g["key"], g["closedTrades"]) for g in categories] == [("intraday", 2)]
    days = analytics(gateway, account, "timeseries", interval="day")["items"]
    assert [(d["period"], d["netPnl"], d["cumulativePnl"], d["drawdown"], d["trades"]) for d in days] == [
        ("2025-03-03", "98", "98", "0", 1),
        ("2025-03-04", "0", "98", "0", 0),
        ("2025-03-05", "-52", "46", "52", 1),
    ]
    months = analytics(gateway, account, "timeseries", interval="month", symbol="TCS")["items"]
    assert [(m["period"], m["netPnl"]) for m in months] == [("2025-03", "-52")]
    ranged = analytics(gateway, account, "summary", **{"from": "2025-03-04", "to": "2025-03-05"})
    assert (ranged["netPnl"], ranged["closedTrades"]) == ("-52", 1)


RISK = ("sharpe", "sortino", "maxDrawdown", "maxDrawdownPct", "maxDrawdownDays", "bestDay", "worstDay")


def test_grouped_summaries_carry_each_groups_risk_and_follow_the_capital(gateway: Gateway) -> None:
    # Given INFY's win (net 98, Monday) and TCS's loss (net −52, Wednesday), no capital yet
    account = new_account(gateway)
    two_trades(gateway, account)

    # When the breakdown by symbol is read
    first = analytics(gateway, account, "by-symbol")
    infy, tcs = first["items"]

    # Then each symbol has its own series over the summary's Mon..Wed: INFY [98, 0, 0], TCS [0, 0, −52];
    # one non-zero day in three: mean x/3, sample sd |x|/√3 → Sharpe ±√252/√3 = ±√84
    assert first["cached"] is False and (infy["key"], tcs["key"]) == ("INFY", "TCS")
    assert infy["sharpe"] == pytest.approx(84**0.5, rel=1e-12) and infy["sortino"] is None
    assert (infy["maxDrawdown"], infy["maxDrawdownDays"], infy["maxDrawdownPct"]) == ("0", 0, None)
    assert infy["bestDay"] == infy["worstDay"] == {"date": "2025-03-03", "netPnl": "98"}
    # TCS: downside deviation √(52²/3) = 52/√3 too → Sortino −√84; ₹52 below Tuesday's 0, one day
    assert tcs["sharpe"] == pytest.approx(-(84**0.5), rel=1e-12)
    assert tcs["sortino"] == pytest.approx(-(84**0.5), rel=1e-12)
    assert (tcs["maxDrawdown"], tcs["maxDrawdownDays"], tcs["profitFactor"]) == ("52", 1, 0.0)
    assert infy["profitFactor"] is None  # no losses: null
    # And one category holding every trade is the summary itself
    (intraday,) = analytics(gateway, account, "by-category")["items"]
    summary = analytics(gateway, account, "summary")
    assert {f: intraday[f] for f in RISK} == {f: summary[f] for f in RISK}
    assert analytics(gateway, account, "by-symbol")["cached"] is True

    # When the user sets a capital of ₹1,000
    patched = gateway.request("PATCH", "/v1/me", token=account.access_token, json_body={"capital": "1000"})
    assert patched.status == 200

    # Then the next breakdown is recomputed with drawdown percentages: TCS 52 / 1,000
    after = analytics(gateway, account, "by-symbol")
    assert after["cached"] is False
    assert [g["maxDrawdownPct"] for g in after["items"]] == [0.0, pytest.approx(5.2)]


@pytest.mark.parametrize(
    ("route", "query"),
    [
        ("summary", {"from": "yesterday"}),
        ("summary", {"symbol": "bad!symbol"}),
        ("by-symbol", {"category": "scalp"}),
        ("timeseries", {"interval": "year"}),
        ("tax-pnl", {"fy": "2025-27"}),
        ("tax-pnl", {"fy": "x" * 40}),
    ],
)
def test_bad_input_is_400(gateway: Gateway, route: str, query: dict[str, str]) -> None:
    account = new_account(gateway)
    reply = get(gateway, account, f"/v1/analytics/{route}", **query)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"


def test_a_range_ending_before_it_starts_is_422(gateway: Gateway) -> None:
    # Given bounds each valid alone / When from is after to / Then 422: well-formed, not applicable
    account = new_account(gateway)
    reply = get(gateway, account, "/v1/analytics/summary", **{"from": "2025-03-05", "to": "2025-03-01"})
    assert reply.status == 422, reply.text
    assert reply.error_code() == "UNPROCESSABLE"


def test_analytics_never_include_another_users_trades(gateway: Gateway) -> None:
    owner, other = new_account(gateway), new_account(gateway)
    two_trades(gateway, owner)
    execute(gateway, other, "BUY", 1, "10", symbol="ONGC", fees="1")
    execute(gateway, other, "SELL", 1, "11", symbol="ONGC", fees="1")
    theirs = analytics(gateway, other, "summary")
    assert (theirs["closedTrades"], theirs["netPnl"]) == (1, "-1")
    assert [g["key"] for g in analytics(gateway, other, "by-symbol")["items"]] == ["ONGC"]
    assert all(row["symbol"] == "ONGC" for row in analytics(gateway, other, "tax-pnl", fy="2025-26")["items"])
    assert analytics(gateway, owner, "summary")["closedTrades"] == 2
    assert get(gateway, other, "/v1/analytics/summary", accountId="manual").status == 200


def test_unauthenticated_is_401(gateway: Gateway) -> None:
    assert gateway.request("GET", "/v1/analytics/summary").status == 401
