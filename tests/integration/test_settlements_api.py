"""/v1/settlements through the gateway: an expired contract stays open until the user gives the
underlying's settlement price, then closes at it (futures) or at its intrinsic value (options)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.timeutil import IST

CALL = "NIFTY2461322000CE"  # NIFTY weekly call, strike 22000, expiring Thursday 2024-06-13
PUT_OPTION = "NIFTY2461324000PE"  # the same expiry's put, strike 24000
FUTURE = "NIFTY24JUNFUT"  # the June monthly future: the last Thursday, 2024-06-27
SETTLED_AT = "2024-06-13T15:30:00+05:30"
HINT = "PUT /v1/settlements with the underlying's settlement price on {}"


def buy(gateway: Gateway, account: Account, symbol: str, quantity: int, price: str, **extra: Any) -> Reply:
    body = {"symbol": symbol, "exchange": "NFO", "side": "BUY", "quantity": quantity, "price": price,
            "executedAt": "2024-06-10T10:00:00+05:30", "product": "NRML", "fees": "0", **extra}  # fmt: skip
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text
    return reply


def settle(
    gateway: Gateway, account: Account, price: str, expiry: str = "2024-06-13", **fields: Any
) -> Reply:
    body = {"exchange": "NFO", "underlying": "NIFTY", "expiry": expiry, "price": price, **fields}
    return gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token)


def unsettle(gateway: Gateway, account: Account, path: str = "NFO/NIFTY/2024-06-13") -> Reply:
    return gateway.request("DELETE", f"/v1/settlements/{path}", token=account.access_token)


def trades_of(gateway: Gateway, account: Account) -> dict[str, dict[str, Any]]:
    reply = gateway.request("GET", "/v1/trades", token=account.access_token)
    assert reply.status == 200, reply.text
    return {trade["symbol"]: trade for trade in reply.body["items"]}


def expired_of(gateway: Gateway, account: Account) -> list[dict[str, Any]]:
    reply = gateway.request("GET", "/v1/data-quality", token=account.access_token)
    assert reply.status == 200, reply.text
    assert reply.body["counts"]["expiredContracts"] == len(reply.body["expiredContracts"])
    return list(reply.body["expiredContracts"])


def settlements_of(gateway: Gateway, account: Account, **query: str) -> dict[str, Any]:
    reply = gateway.request("GET", "/v1/settlements", token=account.access_token, query=query)
    assert reply.status == 200, reply.text
    return dict(reply.body)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_an_expired_call_stays_open_until_its_settlement_price_closes_it_at_intrinsic_value(
    gateway: Gateway,
) -> None:
    # Given a NIFTY weekly call bought on 2024-06-10 and never sold
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    # Then, past its expiry, it is still open and data quality asks for NIFTY's settlement price
    assert trades_of(gateway, account)[CALL]["status"] == "open"
    assert expired_of(gateway, account) == [
        {
            "accountId": "manual",
            "instrument": "NFO:NIFTY:2024-06-13:CE:22000",
            "symbol": CALL,
            "exchange": "NFO",
            "underlying": "NIFTY",
            "expiry": "2024-06-13",
            "resolve": HINT.format("2024-06-13"),
        }
    ]
    # When the trader gives NIFTY's settlement price on 2024-06-13
    reply = settle(gateway, account, "23398.90")
    # Then it is stored, and it settled that one contract
    assert reply.status == 200, reply.text
    assert reply.body == {
        "exchange": "NFO",
        "underlying": "NIFTY",
        "expiry": "2024-06-13",
        "price": "23398.9",
        "contracts": 1,
    }
    # And the call closed at its intrinsic value 23398.90 − 22000 at the close of the expiry day
    trade = trades_of(gateway, account)[CALL]
    assert trade["status"] == "closed"
    assert trade["avgExit"] == "1398.9"
    assert moment(trade["closedAt"]) == moment(SETTLED_AT)
    assert trade["realizedPnl"] == "7420"  # (1398.90 − 1250.50) × 50
    # And data quality no longer lists it
    assert expired_of(gateway, account) == []


def test_an_out_of_the_money_put_settles_at_zero(gateway: Gateway) -> None:
    # Given a 24000 put bought for 20.25, and NIFTY settling above its strike
    account = new_account(gateway)
    buy(gateway, account, PUT_OPTION, 25, "20.25")
    reply = settle(gateway, account, "24100")
    assert reply.status == 200 and reply.body["contracts"] == 1, reply.text
    # Then it expires worthless: the whole premium is lost
    trade = trades_of(gateway, account)[PUT_OPTION]
    assert (trade["status"], trade["avgExit"], trade["realizedPnl"]) == ("closed", "0", "-506.25")


def test_one_price_settles_every_contract_of_the_expiry_in_every_account(gateway: Gateway) -> None:
    # Given a call in one account and a put in another, both expiring 2024-06-13
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    buy(gateway, account, PUT_OPTION, 25, "900", accountId="kite")
    assert [(e["accountId"], e["symbol"]) for e in expired_of(gateway, account)] == [
        ("manual", CALL),
        ("kite", PUT_OPTION),
    ]
    # When NIFTY's price is given (below the put's strike: it is in the money too)
    assert settle(gateway, account, "23398.90").body["contracts"] == 2
    # Then both closed: the put at 24000 − 23398.90
    trades = trades_of(gateway, account)
    assert trades[PUT_OPTION]["avgExit"] == "601.1"
    assert trades[PUT_OPTION]["realizedPnl"] == "-7472.5"  # (601.10 − 900) × 25
    assert expired_of(gateway, account) == []


def test_deleting_the_price_reopens_the_position(gateway: Gateway) -> None:
    # Given a call settled by a price
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    assert settle(gateway, account, "23398.90").status == 200
    # When the price is deleted
    reply = unsettle(gateway, account)
    # Then the call is open again and data quality asks for the price again
    assert reply.status == 204, reply.text
    trade = trades_of(gateway, account)[CALL]
    assert (trade["status"], trade["closedAt"], trade["realizedPnl"]) == ("open", None, "0")
    assert [e["symbol"] for e in expired_of(gateway, account)] == [CALL]
    assert settlements_of(gateway, account)["items"] == []
    # And deleting it again finds nothing
    assert unsettle(gateway, account).status == 404


def test_a_corrected_price_replaces_the_first(gateway: Gateway) -> None:
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    assert settle(gateway, account, "23000").status == 200
    # When the trader corrects the price
    assert settle(gateway, account, "23398.90").status == 200
    # Then one price is stored and the call closed at the corrected one
    assert [s["price"] for s in settlements_of(gateway, account)["items"]] == ["23398.9"]
    assert trades_of(gateway, account)[CALL]["avgExit"] == "1398.9"


def test_a_monthly_future_expires_on_the_last_thursday_and_settles_at_the_price(gateway: Gateway) -> None:
    # Given a short June NIFTY future (its symbol has no day: NSE's monthly expiry is the last Thursday)
    account = new_account(gateway)
    body = {"symbol": FUTURE, "exchange": "NFO", "side": "SELL", "quantity": 25, "price": "23300",
            "executedAt": "2024-06-10T10:00:00+05:30", "product": "NRML", "fees": "0"}  # fmt: skip
    assert gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token).status == 201
    [expired] = expired_of(gateway, account)
    assert (expired["instrument"], expired["expiry"]) == ("NFO:NIFTY:2024-06:FUT", "2024-06-27")
    assert expired["resolve"] == HINT.format("2024-06-27")
    # When the price of the weekly expiry is given, nothing of the month's changes
    assert settle(gateway, account, "23398.90").body["contracts"] == 0
    assert trades_of(gateway, account)[FUTURE]["status"] == "open"
    # When NIFTY's price on 2024-06-27 is given
    reply = settle(gateway, account, "24044.5", expiry="2024-06-27")
    assert reply.status == 200 and reply.body["contracts"] == 1, reply.text
    # Then the short is bought back at the price itself, at that day's close
    trade = trades_of(gateway, account)[FUTURE]
    assert (trade["status"], trade["avgExit"], trade["realizedPnl"]) == ("closed", "24044.5", "-18612.5")
    assert moment(trade["closedAt"]) == moment("2024-06-27T15:30:00+05:30")
    assert expired_of(gateway, account) == []


def test_a_position_closed_before_expiry_is_not_settled(gateway: Gateway) -> None:
    # Given a call bought and sold before its expiry
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    buy(gateway, account, CALL, 50, "1300", side="SELL", executedAt="2024-06-12T10:00:00+05:30")
    assert expired_of(gateway, account) == []
    # When the expiry's price is given, it is stored but settles nothing
    assert settle(gateway, account, "23398.90").body["contracts"] == 0
    assert trades_of(gateway, account)[CALL]["avgExit"] == "1300"


def test_a_price_applies_to_fills_recorded_after_it(gateway: Gateway) -> None:
    # Given NIFTY's price on 2024-06-13 given before any fill of that expiry
    account = new_account(gateway)
    assert settle(gateway, account, "23398.90").body["contracts"] == 0
    # When a call of that expiry is recorded later
    buy(gateway, account, CALL, 50, "1250.5")
    # Then it is closed by the stored price at once
    assert trades_of(gateway, account)[CALL]["avgExit"] == "1398.9"
    assert expired_of(gateway, account) == []


def test_settlements_are_listed_latest_expiry_first_a_page_at_a_time(gateway: Gateway) -> None:
    account = new_account(gateway)
    assert settle(gateway, account, "23398.90").status == 200
    assert settle(gateway, account, "24044.5", expiry="2024-06-27").status == 200
    body = {"exchange": "BFO", "underlying": "SENSEX", "expiry": "2024-06-14", "price": "76992.77"}
    assert gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token).status == 200
    listed = settlements_of(gateway, account)
    assert listed["nextCursor"] is None
    assert [(s["underlying"], s["expiry"], s["price"]) for s in listed["items"]] == [
        ("NIFTY", "2024-06-27", "24044.5"),
        ("SENSEX", "2024-06-14", "76992.77"),
        ("NIFTY", "2024-06-13", "23398.9"),
    ]
    # And two at a time, the second page picks up where the first ended
    first = settlements_of(gateway, account, limit="2")
    second = settlements_of(gateway, account, limit="2", cursor=first["nextCursor"])
    assert [s["expiry"] for s in first["items"] + second["items"]] == [
        "2024-06-27",
        "2024-06-14",
        "2024-06-13",
    ]
    assert second["nextCursor"] is None
    # And a cursor that is not this list's ("e30" is "{}") is refused
    wrong = gateway.request("GET", "/v1/settlements", token=account.access_token, query={"cursor": "e30"})
    assert wrong.status == 400 and wrong.body["error"]["details"] == [{"field": "cursor"}], wrong.text


def test_one_users_price_settles_nothing_of_anothers(gateway: Gateway) -> None:
    # Given two traders holding the same call
    owner, other = new_account(gateway), new_account(gateway)
    buy(gateway, owner, CALL, 50, "1250.5")
    buy(gateway, other, CALL, 50, "1250.5")
    # When one gives NIFTY's price
    assert settle(gateway, owner, "23398.90").status == 200
    # Then only their call closes; the other's stays open and reported, and sees no price
    assert trades_of(gateway, owner)[CALL]["status"] == "closed"
    assert trades_of(gateway, other)[CALL]["status"] == "open"
    assert [e["symbol"] for e in expired_of(gateway, other)] == [CALL]
    assert settlements_of(gateway, other)["items"] == []
    # And the other cannot delete the owner's price (404, as for anything not theirs)
    assert_isolated(
        gateway,
        owner,
        other,
        [OwnedRoute("DELETE", "/v1/settlements/{id}")],
        "NFO/NIFTY/2024-06-13",
        owner_view=lambda: (settlements_of(gateway, owner), trades_of(gateway, owner)),
    )


def test_a_lower_case_underlying_is_read_upper_case(gateway: Gateway) -> None:
    account = new_account(gateway)
    buy(gateway, account, CALL, 50, "1250.5")
    reply = settle(gateway, account, "23398.90", underlying=" nifty ")
    assert (reply.status, reply.body["underlying"], reply.body["contracts"]) == (200, "NIFTY", 1)
    assert unsettle(gateway, account, "NFO/nifty/2024-06-13").status == 204


def test_an_underlying_with_an_ampersand_is_deleted_by_its_encoded_path(gateway: Gateway) -> None:
    account = new_account(gateway)
    assert settle(gateway, account, "2850.4", expiry="2024-06-27", underlying="M&M").status == 200
    assert unsettle(gateway, account, "NFO/M%26M/2024-06-27").status == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exchange": "NSE"}, "body.exchange"),
        ({"underlying": "NIFTY 50"}, "body.underlying"),
        ({"underlying": ""}, "body.underlying"),
        ({"expiry": "13-06-2024"}, "body.expiry"),
        ({"price": "-1"}, "body.price"),
        ({"price": "23398.12345"}, "body.price"),
        ({"price": "abc"}, "body.price"),
        ({"strike": "22000"}, "body.strike"),
        ({"price": None}, "body.price"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(gateway: Gateway, change: dict[str, Any], field: str) -> None:
    account = new_account(gateway)
    body = {"exchange": "NFO", "underlying": "NIFTY", "expiry": "2024-06-13", "price": "23398.9", **change}
    reply = gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token)
    assert reply.status == 400, reply.text
    assert reply.body["error"]["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in reply.body["error"]["details"]], reply.text


def test_a_missing_field_is_named(gateway: Gateway) -> None:
    account = new_account(gateway)
    body = {"exchange": "NFO", "expiry": "2024-06-13", "price": "23398.9"}
    reply = gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token)
    assert reply.status == 400 and "body.underlying" in reply.text, reply.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("NSE/NIFTY/2024-06-13", "path.exchange"),
        ("NFO/NIFTY%2050/2024-06-13", "path.underlying"),
        ("NFO/NIFTY/2024-13-01", "path.expiry"),
    ],
)
def test_a_bad_delete_path_is_refused_naming_the_part(gateway: Gateway, path: str, field: str) -> None:
    reply = unsettle(gateway, new_account(gateway), path)
    assert reply.status == 400, reply.text
    assert [detail["field"] for detail in reply.body["error"]["details"]] == [field]


def test_a_price_for_an_expiry_not_yet_closed_is_refused(gateway: Gateway) -> None:
    # Given an expiry tomorrow (IST), and today's, whose close may not have come
    account = new_account(gateway)
    tomorrow = (datetime.now(UTC).astimezone(IST) + timedelta(days=1)).date().isoformat()
    # Then its price is refused as not known yet, and nothing is stored
    reply = settle(gateway, account, "23398.90", expiry=tomorrow)
    assert reply.status == 422, reply.text
    assert reply.body["error"]["details"] == [{"field": "body.expiry", "issue": "future"}]
    assert settlements_of(gateway, account)["items"] == []


def test_settlements_need_a_token(gateway: Gateway) -> None:
    assert gateway.request("GET", "/v1/settlements").status == 401
    assert gateway.request("PUT", "/v1/settlements", json_body={}).status == 401


def test_an_in_the_money_stock_option_delivers_the_shares_at_the_settlement_price(gateway: Gateway) -> None:
    # Given a RELIANCE June 2024 call bought (stock options settle by delivery) and no shares held
    account = new_account(gateway)
    call = {"symbol": "RELIANCE24JUN2900CE", "exchange": "NFO", "side": "BUY", "quantity": 250, "price": "50"}
    reply = gateway.request(
        "POST",
        "/v1/executions",
        json_body=call | {"product": "NRML", "executedAt": "2024-06-10T10:00:00+05:30"},
        token=account.access_token,
    )
    assert reply.status == 201, reply.text
    # When RELIANCE settles at 3,000 on the expiry day (27 June 2024, the last Thursday)
    body = {"exchange": "NFO", "underlying": "RELIANCE", "expiry": "2024-06-27", "price": "3000"}
    settled = gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token)
    assert settled.status == 200, settled.text
    # Then the call closes at its intrinsic value (+12,500) and 250 shares are bought at 3,000
    listed = gateway.request("GET", "/v1/trades", token=account.access_token, query={"limit": "10"}).body[
        "items"
    ]
    by_symbol = {t["symbol"]: t for t in listed}
    option, shares = by_symbol["RELIANCE24JUN2900CE"], by_symbol["RELIANCE"]
    assert (option["status"], option["realizedPnl"], option["avgExit"]) == ("closed", "12500", "100")
    assert (shares["status"], shares["openQuantity"], shares["avgEntry"]) == ("open", 250, "3000")
    # And selling them later realizes against that delivery
    sell = {"symbol": "RELIANCE", "exchange": "NSE", "side": "SELL", "quantity": 250, "price": "3100"}
    reply = gateway.request(
        "POST",
        "/v1/executions",
        json_body=sell | {"executedAt": "2024-07-01T10:00:00+05:30"},
        token=account.access_token,
    )
    assert reply.status == 201, reply.text
    listed = gateway.request(
        "GET", "/v1/trades", token=account.access_token, query={"symbol": "RELIANCE"}
    ).body
    assert [(t["status"], t["realizedPnl"]) for t in listed["items"]] == [("closed", "25000")]


def test_an_index_option_settles_in_cash_and_delivers_nothing(gateway: Gateway) -> None:
    account = new_account(gateway)
    call = {"symbol": "NIFTY24JUN22000CE", "exchange": "NFO", "side": "BUY", "quantity": 50, "price": "100"}
    gateway.request(
        "POST",
        "/v1/executions",
        json_body=call | {"product": "NRML", "executedAt": "2024-06-10T10:00:00+05:30"},
        token=account.access_token,
    )
    body = {"exchange": "NFO", "underlying": "NIFTY", "expiry": "2024-06-27", "price": "23868.8"}
    assert gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token).status == 200
    listed = gateway.request("GET", "/v1/trades", token=account.access_token).body["items"]
    assert [t["symbol"] for t in listed] == ["NIFTY24JUN22000CE"]
