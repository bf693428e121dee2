"""GET /v1/market/status|quotes and /v1/alerts through API Gateway (authorizer + handlers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis

from tests.support.auth import OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote


def test_market_status_needs_a_token_and_reports_ist(gateway: Gateway) -> None:
    assert gateway.request("GET", "/v1/market/status").status == 401
    account = new_account(gateway)
    reply = gateway.request("GET", "/v1/market/status", token=account.access_token)
    assert reply.status == 200, reply.text
    assert reply.body["exchange"] == "NSE"
    assert reply.body["status"] in ("open", "closed", "pre_open")
    assert reply.body["nextOpen"].endswith("+05:30")
    assert reply.body["nextClose"].endswith("+05:30")
    assert "holiday" in reply.body


def test_quotes_come_from_the_cache_and_misses_from_the_provider(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    account = new_account(gateway)
    # Given a cached INFY quote
    cached = {
        "ltp": "1500.5",
        "open": "1490",
        "high": "1510",
        "low": "1488",
        "close": "1495",
        "change": "5.5",
        "changePct": "0.37",
        "volume": 1000,
        "ts": "2025-11-14T10:00:00+05:30",
    }
    redis_client.set("mkt:quote:NSE:INFY", json.dumps(cached), ex=5)
    # When INFY and NIFTY 50 are asked for
    reply = gateway.request(
        "GET", "/v1/market/quotes", token=account.access_token, query={"symbols": "NSE:INFY,nse:NIFTY 50"}
    )
    # Then INFY is the cached quote and NIFTY 50 came from the (simulated) provider, now cached too
    assert reply.status == 200, reply.text
    assert reply.body["NSE:INFY"] == cached
    nifty = reply.body["NSE:NIFTY 50"]
    assert set(nifty) == set(cached)
    assert isinstance(nifty["ltp"], str)
    assert redis_client.exists("mkt:quote:NSE:NIFTY 50")


def test_quotes_validation(gateway: Gateway) -> None:
    token = new_account(gateway).access_token
    for symbols in ("INFY", "NSE:", ",", ",".join(f"NSE:S{i}" for i in range(101))):
        reply = gateway.request("GET", "/v1/market/quotes", token=token, query={"symbols": symbols})
        assert reply.status == 400, (symbols[:20], reply.text)
        assert reply.error_code() == "VALIDATION_ERROR"
    assert gateway.request("GET", "/v1/market/quotes", token=token).status == 400


def _create(gateway: Gateway, token: str, **body: Any) -> Any:
    payload = {
        "symbol": "NSE:INFY",
        "condition": "above",
        "value": "1550.5",
        "channels": ["email", "push"],
        **body,
    }
    return gateway.request("POST", "/v1/alerts", token=token, json_body=payload)


def test_alert_crud(gateway: Gateway) -> None:
    token = new_account(gateway).access_token
    created = _create(gateway, token)
    assert created.status == 201, created.text
    alert = created.body
    assert alert["symbol"] == "NSE:INFY"
    assert alert["value"] == "1550.5"
    assert alert["status"] == "active"
    assert alert["repeat"] is False
    assert alert["createdAt"].endswith("+05:30")
    second = _create(gateway, token, condition="pct_change_below", value="-2.5", repeat=True).body
    listed = gateway.request("GET", "/v1/alerts", token=token, query={"limit": "1"})
    assert listed.status == 200
    assert [a["alertId"] for a in listed.body["items"]] == [second["alertId"]]  # newest first
    rest = gateway.request("GET", "/v1/alerts", token=token, query={"cursor": listed.body["nextCursor"]})
    assert [a["alertId"] for a in rest.body["items"]] == [alert["alertId"]]
    assert rest.body["nextCursor"] is None
    assert gateway.request("DELETE", f"/v1/alerts/{alert['alertId']}", token=token).status == 204
    assert gateway.request("DELETE", f"/v1/alerts/{alert['alertId']}", token=token).status == 404
    assert len(gateway.request("GET", "/v1/alerts", token=token).body["items"]) == 1


def test_alert_validation(gateway: Gateway) -> None:
    token = new_account(gateway).access_token
    bad_bodies: list[dict[str, Any]] = [
        {"symbol": "INFY"},
        {"condition": "crosses"},
        {"value": 1550.5},  # a number, not a decimal string
        {"value": "abc"},
        {"channels": ["pigeon"]},
        {"channels": []},
        {"repeat": "sometimes"},
        {"extra": 1},
    ]
    for body in bad_bodies:
        reply = _create(gateway, token, **body)
        assert reply.status == 400, (body, reply.text)
        assert reply.error_code() == "VALIDATION_ERROR"
    assert _create(gateway, token, value="0").status == 422
    assert _create(gateway, token, value="-5").status == 422
    assert _create(gateway, token, condition="pct_change_below", value="-150").status == 422
    assert gateway.request("POST", "/v1/alerts", json_body={}).status == 401


def test_another_users_alert_is_not_found(gateway: Gateway) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    alert_id = _create(gateway, owner.access_token).body["alertId"]
    assert_isolated(
        gateway,
        owner,
        intruder,
        [OwnedRoute("DELETE", "/v1/alerts/{id}")],
        alert_id,
        owner_view=lambda: gateway.request("GET", "/v1/alerts", token=owner.access_token).body,
    )
    assert gateway.request("GET", "/v1/alerts", token=intruder.access_token).body["items"] == []


def test_an_unknown_instrument_is_404_naming_it(gateway: Gateway, redis_client: redis.Redis) -> None:
    token = new_account(gateway).access_token
    # When a symbol that is not listed is asked for, alone or beside a listed one
    for symbols in ("NSE:NOSUCHSTOCK", "NSE:INFY,NSE:NOSUCHSTOCK"):
        reply = gateway.request("GET", "/v1/market/quotes", token=token, query={"symbols": symbols})
        # Then the answer is 404 naming the unknown instrument, and nothing is cached for it
        assert reply.status == 404, reply.text
        assert reply.error_code() == "NOT_FOUND"
        assert "NSE:NOSUCHSTOCK" in reply.text
        assert not redis_client.exists("mkt:quote:NSE:NOSUCHSTOCK")


def test_an_index_alias_is_quoted_as_its_index(gateway: Gateway) -> None:
    token = new_account(gateway).access_token
    # When NIFTY BANK is asked for under its index name and as BANKNIFTY, in one request and apart
    both = gateway.request(
        "GET", "/v1/market/quotes", token=token, query={"symbols": "NSE:BANKNIFTY,NSE:NIFTY BANK"}
    )
    alias = gateway.request("GET", "/v1/market/quotes", token=token, query={"symbols": "NSE:BANKNIFTY"})
    # Then every answer carries the one quote of the index, under the name asked for
    assert both.status == 200 and alias.status == 200, (both.text, alias.text)
    assert both.body["NSE:BANKNIFTY"] == both.body["NSE:NIFTY BANK"] == alias.body["NSE:BANKNIFTY"]


def test_one_stock_has_one_price_on_both_exchanges(gateway: Gateway) -> None:
    token = new_account(gateway).access_token
    reply = gateway.request("GET", "/v1/market/quotes", token=token, query={"symbols": "NSE:INFY,BSE:INFY"})
    assert reply.status == 200, reply.text
    nse, bse = Decimal(reply.body["NSE:INFY"]["ltp"]), Decimal(reply.body["BSE:INFY"]["ltp"])
    assert abs(nse - bse) <= nse / 1000


def test_a_quote_older_than_five_seconds_is_fetched_again(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    token = new_account(gateway).access_token
    # Given an INFY quote of 1.05 the feed fetched ten minutes ago (kept as the last known price)
    fetched = datetime.now(UTC) - timedelta(minutes=10)
    cache_quotes(redis_client, [Quote(symbol="NSE:INFY", ltp=Decimal("1.05"), ts=fetched)], now=fetched)
    # When INFY is asked for
    reply = gateway.request("GET", "/v1/market/quotes", token=token, query={"symbols": "NSE:INFY"})
    # Then the provider's current price is served, and cached in its place
    assert reply.status == 200, reply.text
    assert reply.body["NSE:INFY"]["ltp"] != "1.05"
    assert json.loads(str(redis_client.get("mkt:quote:NSE:INFY")))["ltp"] == reply.body["NSE:INFY"]["ltp"]
