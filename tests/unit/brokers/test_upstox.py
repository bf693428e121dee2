"""UpstoxClient against a stub serving Upstox API v2's documented sample responses.

The fixtures are the samples of upstox.com/developer/api-documentation (get-order-book,
get-trade-history, get-positions, get-holdings, get-token, get-historical-trades, the
response-structure and error-codes pages). Masked values ("******") are replaced by test values;
the order book's second sample, cut short on the page, is completed in the same shape; the FO, COM
and CD historical-trade samples follow the EQ one (the page shows EQ only) with the Upstox CSV
import's contracts; a short BANKNIFTY position is added to show a signed quantity.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import FakeClock, GateLog, fixture_bytes, fixture_json
from tradetrack.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerLogin,
    BrokerPermissionError,
    BrokerRateLimited,
    BrokerUnavailable,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.brokers.upstox import UpstoxClient, exchange_of, financial_years, plain_symbol
from tradetrack.timeutil import IST

NOW = datetime(2024, 7, 15, 10, 0, tzinfo=IST)
HISTORY = "/v2/charges/historical-trades"


def upstox(stub: BrokerStub, fake_clock: FakeClock | None = None, **kwargs: Any) -> UpstoxClient:
    """A client on the stub whose retry waits are recorded, not slept (jitter fixed at half)."""
    fake = fake_clock or FakeClock()
    token = kwargs.pop("access_token", "bearer-tok")
    options: dict[str, Any] = {
        "api_key": "client-id",
        "api_secret": "client-secret",
        "redirect_uri": "https://app.example.com/v1/brokers/upstox/callback",
        "base_url": stub.url,
        "sleep": fake.sleep,
        "clock": fake,
        "now": lambda: NOW,
        "rand": lambda: 0.5,
    }
    options.update(kwargs)
    return UpstoxClient(token, **options)


def empty_page() -> dict[str, Any]:
    page = {"page_number": 1, "page_size": 100, "total_records": 0, "total_pages": 0}
    return {"status": "success", "data": [], "errors": None, "meta_data": {"page": page}}


def test_upstox_client_is_a_broker_and_a_login() -> None:
    client = UpstoxClient("t")
    broker: Broker = client
    login: BrokerLogin = client
    assert broker.name == login.name == "upstox"


def test_requests_carry_the_bearer_token_and_accept_json(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/v2/order/retrieve-all", {"status": "success", "data": []})
    upstox(broker_stub).orders()
    (request,) = broker_stub.requests
    assert request.headers["Authorization"] == "Bearer bearer-tok"
    assert request.headers["Accept"] == "application/json"


# -- the documented samples, parsed by the method that fetches each -------------------------------


def test_order_book(broker_stub: BrokerStub) -> None:
    # Given the documented order book
    broker_stub.route("GET", "/v2/order/retrieve-all", fixture_bytes("upstox", "orders.json"))
    # When read
    fconsumer, sbin_fut, sbin = upstox(broker_stub).orders()
    # Then statuses read as Kite writes them, exchanges are ours, prices exact, times IST
    assert (fconsumer.order_id, fconsumer.status, fconsumer.symbol, fconsumer.exchange) == (
        "231019025057849",
        "COMPLETE",
        "FCONSUMER",
        "BSE",
    )
    assert (fconsumer.side, fconsumer.quantity, fconsumer.filled_quantity) == ("BUY", 1, 1)
    assert fconsumer.average_price == Decimal("0.8") and fconsumer.product == "D"
    assert fconsumer.placed_at == datetime(2023, 10, 19, 9, 23, 23, tzinfo=IST)
    assert (sbin_fut.status, sbin_fut.exchange, sbin_fut.side, sbin_fut.average_price) == (
        "REJECTED",
        "NFO",
        "SELL",
        None,
    )
    assert sbin_fut.status_message == "You need to add Rs. 138385.27 in your account to place this trade."
    # And an equity's series suffix is dropped: SBIN-EQ is SBIN on NSE
    assert (sbin.symbol, sbin.exchange, sbin.average_price) == ("SBIN", "NSE", Decimal("570.95"))


def test_trades_for_the_day(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/v2/order/trades/get-trades-for-day", fixture_bytes("upstox", "trades.json"))
    (fill,) = upstox(broker_stub).trades()
    assert (fill.trade_id, fill.order_id, fill.symbol, fill.exchange) == (
        "50091502",
        "221013001021539",
        "GMRINFRA",
        "NSE",
    )
    assert (fill.side, fill.quantity, fill.price, fill.product) == ("BUY", 1, Decimal("299.4"), "D")
    # "03-Aug-2017 15:03:42" is the exchange's time, IST
    assert fill.executed_at == datetime(2017, 8, 3, 15, 3, 42, tzinfo=IST)


def test_short_term_positions_are_signed(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/v2/portfolio/short-term-positions", fixture_bytes("upstox", "positions.json"))
    option, fconsumer, short = upstox(broker_stub).positions()
    assert (option.symbol, option.exchange, option.product, option.quantity) == (
        "BANKNIFTY23OCT38000PE",
        "NFO",
        "D",
        15,
    )
    assert (option.average_price, option.last_price) == (Decimal("2.65"), Decimal("1.75"))
    assert (fconsumer.exchange, fconsumer.average_price, fconsumer.last_price) == (
        "BSE",
        None,
        Decimal("0.81"),
    )
    assert (short.quantity, short.product, short.average_price) == (-15, "I", Decimal("275.0"))


def test_long_term_holdings(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/v2/portfolio/long-term-holdings", fixture_bytes("upstox", "holdings.json"))
    yes, relinfra = upstox(broker_stub).holdings()
    assert (yes.symbol, yes.exchange, yes.quantity, yes.isin) == ("YESBANK", "NSE", 36, "INE528G01035")
    assert (yes.average_price, yes.last_price) == (Decimal("18.75"), Decimal("17.05"))
    assert relinfra.average_price == Decimal("192.55")


# -- historical trades -----------------------------------------------------------------------------


def test_historical_trades_cover_every_segment(broker_stub: BrokerStub) -> None:
    # Given one financial year's trades, one segment after another
    broker_stub.route(
        "GET",
        HISTORY,
        fixture_bytes("upstox", "historical_trades_eq.json"),
        fixture_bytes("upstox", "historical_trades_fo.json"),
        fixture_bytes("upstox", "historical_trades_com.json"),
        fixture_bytes("upstox", "historical_trades_cd.json"),
    )
    # When April to June 2024 is read
    fills = upstox(broker_stub).historical_trades(date(2024, 4, 1), date(2024, 6, 30))
    # Then EQ, FO, COM and CD were each asked for the range
    assert [
        (r.query["segment"], r.query["start_date"], r.query["end_date"]) for r in broker_stub.requests
    ] == [
        (["EQ"], ["2024-04-01"], ["2024-06-30"]),
        (["FO"], ["2024-04-01"], ["2024-06-30"]),
        (["COM"], ["2024-04-01"], ["2024-06-30"]),
        (["CD"], ["2024-04-01"], ["2024-06-30"]),
    ]
    assert broker_stub.requests[0].query["page_number"] == ["1"]
    # And each row is a fill on our exchange with the contract named as the CSV import names it
    assert [(f.trade_id, f.symbol, f.exchange, f.segment) for f in fills] == [
        ("75217259", "RELIANCE", "NSE", "EQ"),
        ("90000011", "BANKNIFTY 10APR2024 48000 CE", "NFO", "FO"),
        ("90000020", "NIFTY 25APR2024 FUT", "NFO", "FO"),
        ("70000000", "GOLDPETAL 28JUN2024 FUT", "MCX", "COM"),
        ("40000000", "USDINR 26JUN2024 FUT", "CDS", "CDS"),
    ]
    reliance = fills[0]
    assert (reliance.side, reliance.quantity, reliance.price) == ("BUY", 1, Decimal("2252.35"))
    assert reliance.executed_at == datetime(2023, 3, 28, tzinfo=IST)  # the history has no time of day
    assert (reliance.fees, reliance.order_id) == (Decimal(0), "")
    assert fills[2].side == "SELL" and fills[2].price == Decimal("22500.05")
    assert fills[4].price == Decimal("83.255") and fills[4].quantity == 1000


def test_historical_trades_fetch_every_page(broker_stub: BrokerStub) -> None:
    # Given 5 EQ trades served 2 a page (3 pages), nothing elsewhere
    row = fixture_json("upstox", "historical_trades_eq.json")["data"][0]

    def page(number: int, ids: list[str]) -> dict[str, Any]:
        meta = {"page_number": number, "page_size": 2, "total_records": 5, "total_pages": 3}
        return {
            "status": "success",
            "data": [{**row, "trade_id": i} for i in ids],
            "meta_data": {"page": meta},
        }

    broker_stub.route("GET", HISTORY, page(1, ["1", "2"]), page(2, ["3", "4"]), page(3, ["5"]), empty_page())
    # When the range is read
    fills = upstox(broker_stub, page_size=2).historical_trades(date(2024, 5, 1), date(2024, 5, 31))
    # Then pages 1..3 of EQ were fetched, then page 1 of each other segment
    asked = [
        (r.query["segment"][0], r.query["page_number"][0], r.query["page_size"][0])
        for r in broker_stub.requests
    ]
    assert asked == [
        ("EQ", "1", "2"),
        ("EQ", "2", "2"),
        ("EQ", "3", "2"),
        ("FO", "1", "2"),
        ("COM", "1", "2"),
        ("CD", "1", "2"),
    ]
    assert [f.trade_id for f in fills] == ["1", "2", "3", "4", "5"]


def test_without_page_metadata_a_short_page_is_the_last(broker_stub: BrokerStub) -> None:
    row = fixture_json("upstox", "historical_trades_eq.json")["data"][0]
    full = {"status": "success", "data": [{**row, "trade_id": "a"}, {**row, "trade_id": "b"}]}
    short = {"status": "success", "data": [{**row, "trade_id": "c"}]}
    broker_stub.route("GET", HISTORY, full, short, {"status": "success", "data": None})
    fills = upstox(broker_stub, page_size=2).historical_trades(date(2024, 5, 1), date(2024, 5, 31))
    assert [f.trade_id for f in fills] == ["a", "b", "c"]
    assert len(broker_stub.requests) == 5  # EQ: 2 pages; FO, COM, CD: 1 each


def test_historical_trades_are_asked_one_financial_year_at_a_time(broker_stub: BrokerStub) -> None:
    # Given no trades anywhere
    broker_stub.route("GET", HISTORY, empty_page())
    # When March 2023 to a date after today (15 July 2024) is read
    upstox(broker_stub).historical_trades(date(2023, 3, 1), date(2024, 12, 31))
    # Then the range was cut at each 31 March and at today, each piece asked for all four segments
    ranges = [(r.query["start_date"][0], r.query["end_date"][0]) for r in broker_stub.requests]
    assert (
        ranges
        == [("2023-03-01", "2023-03-31")] * 4
        + [("2023-04-01", "2024-03-31")] * 4
        + [("2024-04-01", "2024-07-15")] * 4
    )


def test_history_starts_at_the_oldest_financial_year_upstox_keeps(broker_stub: BrokerStub) -> None:
    # Given a range from 2015 / When read in July 2024 (FY 2024-25)
    broker_stub.route("GET", HISTORY, empty_page())
    upstox(broker_stub).historical_trades(date(2015, 1, 1), date(2021, 12, 31))
    # Then nothing before FY 2021-22 (three years back) was asked
    assert {(r.query["start_date"][0], r.query["end_date"][0]) for r in broker_stub.requests} == {
        ("2021-04-01", "2021-12-31")
    }


def test_a_refused_oldest_year_is_skipped_but_a_refused_recent_one_is_raised(broker_stub: BrokerStub) -> None:
    # Given Upstox refusing FY 2021-22 (not among its last three) and then answering
    refused = Reply(400, fixture_bytes("upstox", "error_invalid_input.json"))
    broker_stub.route("GET", HISTORY, refused, refused, refused, refused, empty_page())
    # When April 2021 to May 2022 is read / Then the old year is skipped and FY 2022-23 asked
    assert upstox(broker_stub).historical_trades(date(2021, 4, 1), date(2022, 5, 31)) == []
    assert [r.query["start_date"][0] for r in broker_stub.requests] == ["2021-04-01"] * 4 + ["2022-04-01"] * 4
    # And a refusal for a year Upstox surely keeps is the caller's error
    broker_stub.route("GET", HISTORY, refused)
    with pytest.raises(BrokerInputError):
        upstox(broker_stub).historical_trades(date(2024, 4, 1), date(2024, 5, 31))


def test_financial_years() -> None:
    assert list(financial_years(date(2023, 1, 10), date(2024, 4, 2))) == [
        (date(2023, 1, 10), date(2023, 3, 31)),
        (date(2023, 4, 1), date(2024, 3, 31)),
        (date(2024, 4, 1), date(2024, 4, 2)),
    ]
    assert list(financial_years(date(2024, 5, 1), date(2024, 4, 1))) == []


# -- login -----------------------------------------------------------------------------------------


def test_login_url_is_the_authorization_dialog() -> None:
    client = UpstoxClient(api_key="client-id", redirect_uri="https://app.example.com/cb?x=1")
    assert client.login_url("st8") == (
        "https://api.upstox.com/v2/login/authorization/dialog?response_type=code&client_id=client-id"
        "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1&state=st8"
    )


@pytest.mark.parametrize(
    ("now", "expires"),
    [
        (datetime(2024, 7, 15, 20, 0, tzinfo=IST), datetime(2024, 7, 16, 3, 30, tzinfo=IST)),
        (datetime(2024, 7, 16, 2, 30, tzinfo=IST), datetime(2024, 7, 16, 3, 30, tzinfo=IST)),
    ],
)
def test_complete_login_exchanges_the_code(broker_stub: BrokerStub, now: datetime, expires: datetime) -> None:
    # Given the documented token reply and a client without a token yet
    broker_stub.route("POST", "/v2/login/authorization/token", fixture_bytes("upstox", "token.json"))
    broker_stub.route("GET", "/v2/portfolio/long-term-holdings", {"status": "success", "data": []})
    client = upstox(broker_stub, access_token="", now=lambda: now)
    # When the redirect's code is completed
    grant = client.complete_login({"code": "mk404x", "state": "XX56849"})
    # Then the form is the documented one, sent without a bearer token
    (request,) = broker_stub.requests
    assert request.form() == {
        "code": "mk404x",
        "client_id": "client-id",
        "client_secret": "client-secret",
        "redirect_uri": "https://app.example.com/v1/brokers/upstox/callback",
        "grant_type": "authorization_code",
    }
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json" and "authorization" not in request.headers
    # And the token is the user's until the next 03:30 IST
    assert (grant.broker_user_id, grant.user_name) == ("7BCK42", "Asha Rao")
    assert grant.access_token.startswith("eyJ0eXAi") and grant.expires_at == expires
    client.holdings()
    assert broker_stub.requests[1].headers["Authorization"] == f"Bearer {grant.access_token}"


def test_a_token_reply_in_the_standard_envelope_is_read_too(broker_stub: BrokerStub) -> None:
    body = {"status": "success", "data": fixture_json("upstox", "token.json")}
    broker_stub.route("POST", "/v2/login/authorization/token", body)
    assert upstox(broker_stub).complete_login({"code": "c"}).broker_user_id == "7BCK42"


def test_a_redirect_without_a_code_is_an_input_error(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerInputError):
        upstox(broker_stub).complete_login({"state": "s", "error": "access_denied"})
    assert broker_stub.requests == []


def test_an_invalid_code_is_an_auth_error(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "POST",
        "/v2/login/authorization/token",
        Reply(401, fixture_bytes("upstox", "error_invalid_credentials.json")),
    )
    with pytest.raises(BrokerAuthError) as caught:
        upstox(broker_stub).complete_login({"code": "used-twice"})
    assert caught.value.error_type == "UDAPI100016"


def test_logout(broker_stub: BrokerStub) -> None:
    broker_stub.route("DELETE", "/v2/logout", fixture_bytes("upstox", "logout.json"))
    upstox(broker_stub).logout()
    (request,) = broker_stub.requests
    assert request.headers["Authorization"] == "Bearer bearer-tok"


# -- errors and retries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected", "error_type"),
    [
        (401, "error_invalid_token.json", BrokerAuthError, "UDAPI100050"),
        (401, "error_snake_case.json", BrokerAuthError, "UDAPI100050"),
        (401, "error_invalid_credentials.json", BrokerAuthError, "UDAPI100016"),
        (429, "error_rate_limited.json", BrokerRateLimited, "UDAPI10005"),
        (400, "error_invalid_input.json", BrokerInputError, "UDAPI100038"),
        (403, "error_extended_token.json", BrokerPermissionError, "UDAPI100067"),
        (500, "error_server.json", BrokerUnavailable, "UDAPI100500"),
        (401, None, BrokerAuthError, "Unauthorized"),
        (403, None, BrokerPermissionError, "Forbidden"),
        (400, None, BrokerInputError, "BadRequest"),
        (503, None, BrokerUnavailable, "ServerError"),
        (404, None, BrokerError, "UpstoxError"),
    ],
)
def test_upstox_errors_map_to_broker_errors(
    broker_stub: BrokerStub, status: int, body: str | None, expected: type[BrokerError], error_type: str
) -> None:
    # Given Upstox answering with an error (its envelope, or only an HTTP status)
    payload = fixture_bytes("upstox", body) if body else b"<html>error</html>"
    broker_stub.route("GET", "/v2/portfolio/long-term-holdings", Reply(status, payload))
    # When holdings are read (no retries)
    with pytest.raises(BrokerError) as caught:
        upstox(broker_stub, retry=RetryPolicy(attempts=1)).holdings()
    # Then the error is the mapped class, keeping Upstox's code and the status
    assert type(caught.value) is expected
    assert (caught.value.error_type, caught.value.status) == (error_type, status)


def test_the_too_many_requests_code_is_rate_limited_whatever_the_status(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET", "/v2/order/retrieve-all", Reply(200, fixture_bytes("upstox", "error_rate_limited.json"))
    )
    with pytest.raises(BrokerRateLimited):
        upstox(broker_stub, retry=RetryPolicy(attempts=1)).orders()


def test_429_waits_the_retry_after_then_succeeds(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET",
        "/v2/order/trades/get-trades-for-day",
        Reply(429, fixture_bytes("upstox", "error_rate_limited.json"), {"Retry-After": "2"}),
        fixture_bytes("upstox", "trades.json"),
    )
    clock = FakeClock()
    gate = GateLog()
    assert len(upstox(broker_stub, clock, gate=gate).trades()) == 1
    assert clock.sleeps == [2.0] and gate.classes == ["general", "general"]


def test_a_5xx_then_success(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET",
        "/v2/portfolio/long-term-holdings",
        Reply(500, fixture_bytes("upstox", "error_server.json")),
        fixture_bytes("upstox", "holdings.json"),
    )
    clock = FakeClock()
    assert len(upstox(broker_stub, clock).holdings()) == 2
    assert clock.sleeps == [0.125]


def test_a_timeout_is_retried(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET",
        "/v2/portfolio/long-term-holdings",
        Reply(200, {"status": "success", "data": []}, delay_s=2.0),
        {"status": "success", "data": []},
    )
    assert upstox(broker_stub, timeout_s=0.2).holdings() == []
    assert len(broker_stub.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"status": "success", "data": {"x": 1}}',
        b'{"status": "success", "data": [{"exchange": "NSE"}]}',
        b'{"status": "success", "data": [{"exchange": "NSE", "trading_symbol": "A", "quantity": 1.5}]}',
        b'{"data": []}',
    ],
)
def test_malformed_success_bodies_are_unavailable(broker_stub: BrokerStub, body: bytes) -> None:
    broker_stub.route("GET", "/v2/portfolio/long-term-holdings", Reply(200, body))
    with pytest.raises(BrokerUnavailable, match="malformed"):
        upstox(broker_stub, retry=RetryPolicy(attempts=1)).holdings()


# -- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "exchange", "expected"),
    [
        ("INFY-EQ", "NSE", "INFY"),
        ("GMRINFRA-BE", "NSE", "GMRINFRA"),
        ("bajaj-auto", "NSE", "BAJAJ-AUTO"),
        ("M&M", "NSE", "M&M"),
        ("SBIN23OCTFUT", "NFO", "SBIN23OCTFUT"),
    ],
)
def test_plain_symbol(symbol: str, exchange: str, expected: str) -> None:
    assert plain_symbol(symbol, exchange) == expected


@pytest.mark.parametrize(
    ("exchange", "segment", "key", "expected"),
    [
        ("NSE", None, "NSE_EQ|INE009A01021", "NSE"),
        ("NFO", None, "NSE_FO|52618", "NFO"),
        ("NSE", None, "NSE_FO|52618", "NFO"),
        ("BSE", None, "BSE_FO|1", "BFO"),
        ("NSE", None, "NCD_FO|1150", "CDS"),
        ("BSE", None, "BCD_FO|1", "BCD"),
        ("MCX", None, "MCX_FO|58424839", "MCX"),
        ("NSE", "FO", None, "NFO"),
        ("NSE", "CD", None, "CDS"),
        ("BSE", "CD", None, "BCD"),
        ("MCX", "COM", None, "MCX"),
        ("NSE_EQ", None, None, "NSE"),
        ("NSE", None, "151064324", "NSE"),
        ("CDS", None, None, "CDS"),
    ],
)
def test_exchange_of(exchange: str, segment: str | None, key: str | None, expected: str) -> None:
    assert exchange_of(exchange, segment=segment, instrument_key=key) == expected
