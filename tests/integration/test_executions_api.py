"""/v1/executions through the gateway: manual fills, the list and its filters, deletion, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.pagination import encode_cursor

Db = Database[dict[str, Any]]


def fill(
    symbol: str = "INFY", side: str = "BUY", quantity: int = 10, price: str = "100.05", **extra: Any
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "exchange": "NSE",
        "side": side,
        "quantity": quantity,
        "price": price,
        "executedAt": "2025-03-03T09:20:00+05:30",
        **extra,
    }


def post(gateway: Gateway, account: Account, body: dict[str, Any]) -> Reply:
    return gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)


def listing(gateway: Gateway, account: Account, **query: str) -> Reply:
    return gateway.request("GET", "/v1/executions", token=account.access_token, query=query)


def trades_of(gateway: Gateway, account: Account) -> list[dict[str, Any]]:
    reply = gateway.request("GET", "/v1/trades", token=account.access_token)
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def test_a_manual_fill_is_stored_exactly_and_shown_in_ist(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader / When they enter a fill by hand, with a naive (IST) time and fees
    account = new_account(gateway)
    reply = post(gateway, account, fill(executedAt="2025-03-03T09:20:00", fees="1.2345", product="CNC"))
    # Then it is created as a manual execution, money as decimal strings, time at +05:30
    assert reply.status == 201, reply.text
    body = reply.body
    assert body["executionId"].startswith("exe_")
    assert body["source"] == "manual" and body["accountId"] == "manual"
    assert body["price"] == "100.05" and body["fees"] == "1.2345" and body["quantity"] == 10
    assert body["executedAt"] == "2025-03-03T09:20:00+05:30"
    assert body["segment"] == "EQ" and body["product"] == "CNC"
    stored = mongo_db["executions"].find_one({"_id": body["executionId"]})
    assert stored is not None
    assert stored["userId"] == account.user_id and stored["price"] == 1_000_500 and stored["fees"] == 12_345


def test_a_fill_opens_a_trade_at_once(gateway: Gateway) -> None:
    account = new_account(gateway)
    created = post(gateway, account, fill()).body
    [trade] = trades_of(gateway, account)
    assert trade["status"] == "open" and trade["direction"] == "LONG"
    assert trade["executionIds"] == [created["executionId"]]


def test_a_duplicate_external_id_is_409_and_adds_nothing(gateway: Gateway, mongo_db: Db) -> None:
    account = new_account(gateway)
    assert post(gateway, account, fill(externalId="my-1")).status == 201
    again = post(gateway, account, fill(externalId="my-1", price="99"))
    assert again.status == 409 and again.error_code() == "CONFLICT"
    assert mongo_db["executions"].count_documents({"userId": account.user_id}) == 1
    # The same externalId in another account is another fill
    assert post(gateway, account, fill(externalId="my-1", accountId="acct-2")).status == 201


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in fill().items() if k != "symbol"},
        fill(side="HOLD"),
        fill(quantity=0),
        fill(quantity=-5),
        {**fill(), "quantity": 1.5},
        fill(price="0"),
        fill(price="-1"),
        fill(price="1.00001"),
        fill(price="NaN"),
        fill(price="1e400"),
        fill(fees="-0.01"),
        fill(symbol="IN FY$"),
        fill(exchange="NASDAQ"),
        fill(executedAt="yesterday"),
        fill(product="XYZ"),
        fill(source="zerodha"),
        {**fill(), "userId": "usr_someone_else"},
    ],
)
def test_bad_fills_are_400_and_store_nothing(gateway: Gateway, mongo_db: Db, body: dict[str, Any]) -> None:
    account = new_account(gateway)
    reply = post(gateway, account, body)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"
    assert mongo_db["executions"].count_documents({}) == 0


def test_malformed_json_is_400(gateway: Gateway) -> None:
    account = new_account(gateway)
    reply = gateway.request("POST", "/v1/executions", raw_body="{not json", token=account.access_token)
    assert reply.status == 400


def test_a_fill_in_the_future_is_refused(gateway: Gateway) -> None:
    account = new_account(gateway)
    # Beyond tomorrow: not a date a fill can have (400, naming the field)
    reply = post(gateway, account, fill(executedAt="2999-01-01T09:15:00+05:30"))
    assert reply.status == 400 and reply.body["error"]["details"][0]["field"] == "body.executedAt"
    # An hour ahead: a valid date, but not yet happened (422)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    reply = post(gateway, account, fill(executedAt=soon))
    assert reply.status == 422 and reply.error_code() == "UNPROCESSABLE"


def test_the_list_is_newest_first_and_pages_without_gaps_or_repeats(gateway: Gateway) -> None:
    # Given 7 fills, two of them at the same instant
    account = new_account(gateway)
    times = ["09:15", "09:16", "09:17", "09:17", "10:00", "11:30", "15:29"]
    ids = [
        post(gateway, account, fill(executedAt=f"2025-03-03T{t}:00+05:30", side="BUY")).body["executionId"]
        for t in times
    ]
    # When the trader pages through 3 at a time
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = listing(gateway, account, **query)
        assert page.status == 200, page.text
        seen += page.body["items"]
        pages += 1
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    # Then every fill appears once, newest first
    assert pages == 3
    assert sorted(e["executionId"] for e in seen) == sorted(ids)
    stamps = [e["executedAt"] for e in seen]
    assert stamps == sorted(stamps, reverse=True)


def test_the_list_filters_by_symbol_account_source_and_time(gateway: Gateway, mongo_db: Db) -> None:
    account = new_account(gateway)
    post(gateway, account, fill("INFY", executedAt="2025-03-03T09:20:00+05:30"))
    post(gateway, account, fill("TCS", executedAt="2025-03-04T23:50:00+05:30", accountId="zerodha-1"))
    post(gateway, account, fill("TCS", executedAt="2025-03-05T00:10:00+05:30"))
    # A broker fill stored by the sync (source zerodha)
    mongo_db["executions"].update_one(
        {"userId": account.user_id, "accountId": "zerodha-1"}, {"$set": {"source": "zerodha"}}
    )

    def symbols(**query: str) -> list[str]:
        reply = listing(gateway, account, **query)
        assert reply.status == 200, reply.text
        return [e["symbol"] for e in reply.body["items"]]

    assert symbols(symbol="tcs") == ["TCS", "TCS"]
    assert symbols(accountId="zerodha-1") == ["TCS"]
    assert symbols(source="zerodha") == ["TCS"]
    assert symbols(source="manual") == ["TCS", "INFY"]
    # Dates are whole IST days: 23:50 IST on the 4th is the 4th, although it is the 4th in UTC too,
    # and 00:10 IST on the 5th is still the 4th in UTC
    assert symbols(**{"from": "2025-03-04", "to": "2025-03-04"}) == ["TCS"]
    assert symbols(**{"from": "2025-03-05"}) == ["TCS"]
    assert symbols(to="2025-03-03") == ["INFY"]
    # Date-times: naive is IST; offsets are honoured (also when "+" arrived as a space)
    assert symbols(**{"from": "2025-03-04T23:50:00"}) == ["TCS", "TCS"]
    assert symbols(**{"from": "2025-03-04T18:30:00Z"}) == ["TCS"]
    assert symbols(to="2025-03-03T09:20:00 05:30") == ["INFY"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"from": "2025-13-01"},
        {"from": "not a date"},
        {"to": "0001-01-01T00:00:00+05:30"},
        {"source": "robinhood"},
        {"symbol": "IN$FY"},
        {"cursor": "not-a-cursor!"},
        {
            "cursor": encode_cursor({"k": "trd", "t": "2025-03-03T03:48:00+00:00", "id": "trd_x"})
        },  # a trades cursor
        {"cursor": encode_cursor({"k": "exe", "t": "2025-03-03T03:48:00", "id": "exe_x"})},  # naive time
        {"cursor": encode_cursor({"after": "x"})},
        {"cursor": encode_cursor([1, 2])},  # type: ignore[arg-type]
    ],
)
def test_bad_list_queries_are_400(gateway: Gateway, query: dict[str, str]) -> None:
    account = new_account(gateway)
    reply = listing(gateway, account, **query)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"


def test_a_range_ending_before_it_starts_is_422(gateway: Gateway) -> None:
    # Given bounds each valid alone / When from is after to / Then 422: well-formed, not applicable
    account = new_account(gateway)
    reply = listing(gateway, account, **{"from": "2025-03-05", "to": "2025-03-04"})
    assert reply.status == 422, reply.text
    assert reply.body["error"]["message"] == "from is after to"


def test_deleting_a_manual_fill_recomputes_its_trade(gateway: Gateway) -> None:
    # Given a closed round trip
    account = new_account(gateway)
    post(gateway, account, fill(side="BUY", price="100"))
    sell = post(gateway, account, fill(side="SELL", price="110", executedAt="2025-03-03T10:00:00+05:30")).body
    assert trades_of(gateway, account)[0]["status"] == "closed"
    # When the exit is deleted
    reply = gateway.request("DELETE", f"/v1/executions/{sell['executionId']}", token=account.access_token)
    # Then it is gone and the trade is open again
    assert reply.status == 204, reply.text
    assert [e["side"] for e in listing(gateway, account).body["items"]] == ["BUY"]
    [trade] = trades_of(gateway, account)
    assert trade["status"] == "open" and trade["realizedPnl"] == "0"
    # And deleting it again is 404
    again = gateway.request("DELETE", f"/v1/executions/{sell['executionId']}", token=account.access_token)
    assert again.status == 404


def test_deleting_the_only_fill_removes_the_trade(gateway: Gateway) -> None:
    account = new_account(gateway)
    created = post(gateway, account, fill()).body
    gateway.request("DELETE", f"/v1/executions/{created['executionId']}", token=account.access_token)
    assert trades_of(gateway, account) == []


def test_a_broker_fill_cannot_be_deleted(gateway: Gateway, mongo_db: Db) -> None:
    account = new_account(gateway)
    created = post(gateway, account, fill()).body
    mongo_db["executions"].update_one({"_id": created["executionId"]}, {"$set": {"source": "zerodha"}})
    reply = gateway.request("DELETE", f"/v1/executions/{created['executionId']}", token=account.access_token)
    assert reply.status == 409 and reply.error_code() == "CONFLICT"
    assert mongo_db["executions"].count_documents({"_id": created["executionId"]}) == 1


def test_another_users_fill_is_not_found_and_stays(gateway: Gateway, mongo_db: Db) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    created = post(gateway, owner, fill()).body

    def owner_view() -> Any:
        return (listing(gateway, owner).body, trades_of(gateway, owner))

    assert_isolated(
        gateway,
        owner,
        intruder,
        [OwnedRoute("DELETE", "/v1/executions/{id}")],
        created["executionId"],
        owner_view=owner_view,
    )
    assert mongo_db["executions"].count_documents({"_id": created["executionId"]}) == 1


def test_lists_never_show_another_users_fills(gateway: Gateway) -> None:
    owner, other = new_account(gateway), new_account(gateway)
    post(gateway, owner, fill("INFY"))
    post(gateway, other, fill("TCS"))
    assert [e["symbol"] for e in listing(gateway, owner).body["items"]] == ["INFY"]
    assert [e["symbol"] for e in listing(gateway, other).body["items"]] == ["TCS"]
    assert listing(gateway, other, symbol="INFY").body == {"items": [], "nextCursor": None}


def test_executions_need_a_token(gateway: Gateway) -> None:
    assert gateway.request("GET", "/v1/executions").status == 401
    assert gateway.request("POST", "/v1/executions", json_body=fill()).status == 401
