"""Order book and holdings (issue #15 item 13): what each sync stores of the broker's orders and
holdings, served by GET /v1/orders (status filters, keyset pages) and GET /v1/holdings, the
user's own only; and what the storing costs the sync worker in Mongo round trips."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.database import Database

from tests.bench.kite_day import kite_day
from tests.conftest import QUERY_SHAPES
from tests.integration.sync.conftest import kite_fixture, serve_kite_day, serve_upstox_day
from tests.support.auth import Account, new_account
from tests.support.broker_stub import BrokerStub, Reply
from tests.support.gateway import Gateway
from tests.support.pipeline import Pipeline, connected_account
from tests.support.servers import Server
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings

Document = dict[str, Any]
EMPTY = {"status": "success", "data": []}
NO_POSITIONS = {"status": "success", "data": {"net": [], "day": []}}


@pytest.fixture
def api(pipeline: Pipeline, gateway: Gateway) -> Gateway:
    """The gateway over the sync pipeline's stores (Kite and Upstox are the stub)."""
    return gateway


def sync(pipeline: Pipeline, account: Document) -> None:
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    assert pipeline.drain("sync") == 1


def documented(name: str, broker: str = "kite") -> list[Document]:
    data: list[Document] = json.loads(kite_fixture(name, broker), parse_float=Decimal)["data"]
    return data


def orders(api: Gateway, owner: Account, **query: str) -> list[Document]:
    reply = api.request("GET", "/v1/orders", query=query, token=owner.access_token)
    assert reply.status == 200, reply.text
    items: list[Document] = reply.body["items"]
    return items


def holdings(api: Gateway, owner: Account, **query: str) -> list[Document]:
    reply = api.request("GET", "/v1/holdings", query=query, token=owner.access_token)
    assert reply.status == 200, reply.text
    accounts: list[Document] = reply.body["accounts"]
    return accounts


def kite_order(order_id: str, status: str, filled: int, *, average: str, updated: str) -> Document:
    """A Kite /orders row for 10 INFY at 1500, `filled` of them at `average`."""
    return {
        "order_id": order_id,
        "exchange_order_id": f"1{order_id}",
        "parent_order_id": None,
        "status": status,
        "status_message": None,
        "order_timestamp": "2026-12-04 09:20:00",
        "exchange_update_timestamp": updated,
        "exchange_timestamp": "2026-12-04 09:20:01",
        "variety": "regular",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "order_type": "LIMIT",
        "transaction_type": "BUY",
        "validity": "DAY",
        "product": "CNC",
        "quantity": 10,
        "price": Decimal("1500"),
        "trigger_price": 0,
        "average_price": Decimal(average),
        "filled_quantity": filled,
        "pending_quantity": 10 - filled,
        "cancelled_quantity": 0,
        "tag": "swing",
    }


def order_seen_as(
    api: Gateway, kite: BrokerStub, mongo_db: Database[Document], *rows: Document
) -> tuple[Account, Document]:
    """A new user's Zerodha account whose Kite order book is one order, `rows[n]` at its n-th sync
    (no fills, no positions)."""
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    kite.route("GET", "/trades", EMPTY)
    kite.route("GET", "/portfolio/positions", NO_POSITIONS)
    kite.route("GET", "/orders", *({"status": "success", "data": [row]} for row in rows))
    return owner, account


def test_a_sync_stores_the_order_book_and_the_route_serves_it_by_status(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a Zerodha account whose Kite order book is the documented one (10 orders)
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    serve_kite_day(kite)
    book = documented("orders.json")
    # When it syncs
    sync(pipeline, account)
    # Then every order is served, newest placed first
    listed = orders(api, owner)
    by_time = sorted(book, key=lambda o: (o["order_timestamp"], o["order_id"]), reverse=True)
    assert [o["orderId"] for o in listed] == [o["order_id"] for o in by_time]
    assert {o["accountId"] for o in listed} == {account["_id"]} and {o["broker"] for o in listed} == {
        "zerodha"
    }
    # with Kite's fields, money as exact decimal strings, times in IST
    tata = next(o for o in listed if o["orderId"] == "1953341975595868160")
    assert (tata["state"], tata["status"], tata["symbol"], tata["exchange"], tata["side"]) == (
        "complete",
        "COMPLETE",
        "TATASTEEL",
        "NSE",
        "BUY",
    )
    assert (tata["price"], tata["averagePrice"], tata["orderType"], tata["filledQuantity"]) == (
        "159.82",
        "156.7",
        "LIMIT",
        1,
    )
    assert tata["placedAt"] == "2025-08-07T11:56:33+05:30"
    rejected = next(o for o in listed if o["orderId"] == "220524001859672")
    assert rejected["statusMessage"].startswith("Insufficient funds")
    assert rejected["averagePrice"] is None  # Kite's 0: nothing filled
    # And each status filter serves exactly the orders of that state
    for state, statuses in (
        ("complete", {"COMPLETE"}),
        ("cancelled", {"CANCELLED"}),
        ("rejected", {"REJECTED"}),
        ("open", set()),
    ):
        expected = [o["order_id"] for o in by_time if o["status"] in statuses]
        assert [o["orderId"] for o in orders(api, owner, status=state)] == expected, state
    # And the sync log still counts them as before
    (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
    assert log["orders"] == {"total": len(book), "rejected": 1}


def test_orders_are_served_in_keyset_pages_per_account(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a user with two synced Zerodha accounts (the same 10 documented orders at each)
    owner = new_account(api)
    first, second = (connected_account(mongo_db, user_id=owner.user_id) for _ in range(2))
    serve_kite_day(kite)
    sync(pipeline, first)
    sync(pipeline, second)
    everything = orders(api, owner, limit="500")
    assert len(everything) == 20
    # When they walk the complete orders three at a time
    walked: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"status": "complete", "limit": "3", **({"cursor": cursor} if cursor else {})}
        reply = api.request("GET", "/v1/orders", query=query, token=owner.access_token)
        assert reply.status == 200, reply.text
        walked += [f"{o['accountId']}:{o['orderId']}" for o in reply.body["items"]]
        pages += 1
        cursor = reply.body["nextCursor"]
        if cursor is None:
            break
    # Then every complete order comes once, in the order of the whole list
    complete = [f"{o['accountId']}:{o['orderId']}" for o in everything if o["state"] == "complete"]
    assert walked == complete and len(walked) == 12 and pages == 4
    # And ?accountId= serves only that account's
    assert {o["accountId"] for o in orders(api, owner, accountId=second["_id"])} == {second["_id"]}
    assert len(orders(api, owner, accountId=second["_id"], status="cancelled")) == 3
    # And a bad status or a cursor of another list is a clear 400
    for query in ({"status": "pending"}, {"cursor": "not-a-cursor"}):
        reply = api.request("GET", "/v1/orders", query=query, token=owner.access_token)
        assert reply.status == 400, (query, reply.text)


def test_an_order_seen_open_then_complete_is_one_order_with_its_history(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an order Kite reports open with 4 of 10 filled, and then complete
    owner, account = order_seen_as(
        api,
        kite,
        mongo_db,
        kite_order("901", "OPEN", 4, average="1499.5", updated="2026-12-04 09:21:00"),
        kite_order("901", "COMPLETE", 10, average="1499.8", updated="2026-12-04 09:25:00"),
    )
    # When the account syncs while it is open
    sync(pipeline, account)
    (seen_open,) = orders(api, owner, status="open")
    assert (seen_open["filledQuantity"], seen_open["pendingQuantity"], seen_open["averagePrice"]) == (
        4,
        6,
        "1499.5",
    )
    # and again after it completed, and once more
    sync(pipeline, account)
    sync(pipeline, account)
    # Then it is one order, complete, with the latest quantities and price
    assert orders(api, owner, status="open") == []
    (done,) = orders(api, owner, status="complete")
    assert mongo_db["orders"].count_documents({"accountId": account["_id"]}) == 1
    assert (done["filledQuantity"], done["pendingQuantity"], done["averagePrice"], done["tag"]) == (
        10,
        0,
        "1499.8",
        "swing",
    )
    # and what the syncs saw of it, each state once, oldest first
    assert [(s["status"], s["filledQuantity"], s["at"]) for s in done["statusHistory"]] == [
        ("OPEN", 4, "2026-12-04T09:21:00+05:30"),
        ("COMPLETE", 10, "2026-12-04T09:25:00+05:30"),
    ]
    # and when it was first seen stays the first sync's time
    assert done["firstSeenAt"] == seen_open["firstSeenAt"] and done["lastSeenAt"] > seen_open["lastSeenAt"]


def test_an_order_stores_only_the_values_it_has_and_serves_the_others_as_null(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an order Kite reports open without a message, rejected with one, then without it again
    opened = kite_order("902", "OPEN", 0, average="0", updated="2026-12-04 09:21:00") | {"tag": None}
    rejected = opened | {"status": "REJECTED", "status_message": "Insufficient funds"}
    owner, account = order_seen_as(api, kite, mongo_db, opened, rejected, opened)
    # When the account syncs while it is open
    sync(pipeline, account)
    # Then the stored order holds none of the values Kite left unset
    stored = mongo_db["orders"].find_one({"accountId": account["_id"]})
    assert stored is not None
    assert {"statusMessage", "tag", "parentOrderId", "averagePrice"}.isdisjoint(stored)
    # and the route serves each of them as null
    (served,) = orders(api, owner)
    assert (served["statusMessage"], served["tag"], served["parentOrderId"], served["averagePrice"]) == (
        None,
        None,
        None,
        None,
    )
    # When it syncs rejected, with Kite's message, and again once the message is gone
    sync(pipeline, account)
    assert orders(api, owner)[0]["statusMessage"] == "Insufficient funds"
    sync(pipeline, account)
    # Then the message is null again
    (last,) = orders(api, owner)
    assert (last["status"], last["statusMessage"]) == ("OPEN", None)


def test_holdings_are_the_latest_syncs_snapshot(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a Zerodha account whose Kite holdings are the documented two (AARON; 16 SBIN at 801.78125)
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    serve_kite_day(kite)
    rows = documented("holdings.json")
    kite.route("GET", "/portfolio/holdings", {"status": "success", "data": rows})
    # When it syncs
    sync(pipeline, account)
    # Then the holdings are served with the broker's prices and exact values
    (snapshot,) = holdings(api, owner)
    assert (snapshot["accountId"], snapshot["broker"]) == (account["_id"], "zerodha")
    items = {h["symbol"]: h for h in snapshot["items"]}
    assert set(items) == {r["tradingsymbol"] for r in rows}
    sbin = items["SBIN"]
    assert (sbin["exchange"], sbin["isin"], sbin["product"], sbin["quantity"]) == (
        "BSE",
        "INE062A01020",
        "CNC",
        16,
    )
    assert (sbin["averagePrice"], sbin["lastPrice"], sbin["closePrice"]) == ("801.7812", "762.45", "766.4")
    # (the value from the broker's exact average: 801.78125 x 16)
    assert (sbin["invested"], sbin["currentValue"], sbin["pnl"]) == ("12828.5", "12199.2", "-629.3")
    sbin_row = next(r for r in rows if r["tradingsymbol"] == "SBIN")
    assert Decimal(sbin["pnl"]) == Decimal(str(round(sbin_row["pnl"], 2)))  # Kite's own (a float)
    first_as_of = snapshot["asOf"]

    # When AARON is sold and SBIN doubles, and it syncs again
    sbin_now = {**sbin_row, "quantity": 32}
    kite.route("GET", "/portfolio/holdings", {"status": "success", "data": [sbin_now]})
    sync(pipeline, account)
    # Then the snapshot is the new one: AARON is gone
    (snapshot,) = holdings(api, owner)
    assert [(h["symbol"], h["quantity"]) for h in snapshot["items"]] == [("SBIN", 32)]
    assert snapshot["asOf"] > first_as_of

    # When the holdings call fails on the next sync
    kite.route(
        "GET",
        "/portfolio/holdings",
        Reply(400, {"status": "error", "message": "holdings down", "error_type": "InputException"}),
    )
    sync(pipeline, account)
    # Then the sync succeeds, the previous snapshot stays, and the sync log says why
    assert holdings(api, owner) == [snapshot]
    log = mongo_db["sync_logs"].find_one({"accountId": account["_id"]}, sort=[("startedAt", -1)])
    assert log is not None and log["status"] == "success"
    assert log["holdingsSnapshot"] == {"status": "failed", "reason": "InputException: holdings down"}
    # and the sync-logs route shows it
    reply = api.request("GET", f"/v1/broker-accounts/{account['_id']}/sync-logs", token=owner.access_token)
    assert reply.body["items"][0]["holdingsSnapshot"]["status"] == "failed"


def test_upstox_orders_and_holdings_are_stored_alike(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an Upstox account serving the documented order book and holdings
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id, broker="upstox", access_token="upstox-token")
    serve_upstox_day(kite, holdings=True)
    # When it syncs
    sync(pipeline, account)
    # Then its orders are served with Upstox's lower-case statuses read as states
    book = documented("orders.json", "upstox")
    listed = {o["orderId"]: o for o in orders(api, owner)}
    assert {k: v["state"] for k, v in listed.items()} == {o["order_id"]: o["status"] for o in book}
    assert {o["broker"] for o in listed.values()} == {"upstox"}
    # and its holdings too
    (snapshot,) = holdings(api, owner, accountId=account["_id"])
    assert sorted(h["isin"] for h in snapshot["items"]) == sorted(
        h["isin"] for h in documented("holdings.json", "upstox")
    )


def test_another_user_sees_none_of_them(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an owner whose account synced orders and holdings
    owner, intruder = new_account(api), new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", kite_fixture("holdings.json"))
    sync(pipeline, account)
    before = (orders(api, owner), holdings(api, owner))
    assert before[0] and before[1]
    # When another user asks for orders and holdings, naming the owner's account or not
    for query in ({}, {"accountId": account["_id"]}):
        # Then they get none of them
        assert orders(api, intruder, **query) == []
        assert orders(api, intruder, status="complete", **query) == []
        assert holdings(api, intruder, **query) == []
    # And without a token there is no answer at all
    assert api.request("GET", "/v1/orders").status == 401
    assert api.request("GET", "/v1/holdings").status == 401
    # And the owner's view is unchanged
    assert (orders(api, owner), holdings(api, owner)) == before


def test_disconnecting_an_account_forgets_its_holdings_and_keeps_its_orders(
    api: Gateway,
    pipeline: Pipeline,
    kite: BrokerStub,
    mongo_db: Database[Document],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a synced account with orders and holdings
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", kite_fixture("holdings.json"))
    kite.route("DELETE", "/session/token", {"status": "success", "data": True})
    sync(pipeline, account)
    # When the user disconnects it
    reply = api.request("DELETE", f"/v1/broker-accounts/{account['_id']}", token=owner.access_token)
    assert reply.status == 204, reply.text
    # Then its holdings are no longer served (they are no longer known), its orders stay (history)
    assert holdings(api, owner) == []
    assert len(orders(api, owner)) == len(documented("orders.json"))


def test_storing_the_book_writes_only_what_changed_in_bounded_commands(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], mongo_server: Server
) -> None:
    from tradetrack.db.bulk import STATEMENTS_PER_COMMAND as CHUNK

    if not mongo_server.url:
        pytest.skip("round trips are counted on a real server")
    seen: dict[int, list[Counter[tuple[str, str]]]] = {}
    for fills in (10, 120):
        # Given an account whose broker reports `fills` fills of as many orders, and its holdings
        account = connected_account(mongo_db, user_id=f"u{fills}")
        day = kite_day(fills)
        for path, body in day.items():
            kite.route("GET", path, body)
        kite.route("GET", "/portfolio/holdings", kite_fixture("holdings.json"))
        # When it syncs, syncs again with the same book, and then with every order's status moved
        moved = [{**order, "status": "CANCELLED"} for order in day["/orders"]["data"]]
        seen[fills] = []
        for orders_reply in (day["/orders"], day["/orders"], {"status": "success", "data": moved}):
            kite.route("GET", "/orders", orders_reply)
            with QUERY_SHAPES.window() as window:
                sync(pipeline, account)
            seen[fills].append(Counter((c.name, c.collection) for c in window.commands))
        assert (
            mongo_db["orders"].count_documents({"accountId": account["_id"], "state": "cancelled"}) == fills
        )
    for fills, (first, again, changed) in seen.items():
        orders = {
            sync: Counter({k: v for k, v in c.items() if k[1] == "orders"})
            for sync, c in enumerate((first, again, changed))
        }
        # Then the first sync reads the stored ones once and inserts the book in one command
        assert orders[0] == {("find", "orders"): 1, ("insert", "orders"): 1}, fills
        # and an unchanged book costs one read, a moved one an update command per CHUNK orders
        assert orders[1] == {("find", "orders"): 1}, fills
        assert orders[2] == {("find", "orders"): 1, ("update", "orders"): -(-fills // CHUNK)}, fills
        # and the holdings are one replacement each time
        assert [c[("update", "holdings")] for c in (first, again, changed)] == [1, 1, 1]
    # and the sync's other round trips do not grow with the orders
    assert [Counter({k: v for k, v in c.items() if k[1] != "orders"}) for c in seen[10]] == [
        Counter({k: v for k, v in c.items() if k[1] != "orders"}) for c in seen[120]
    ]


def test_a_page_of_orders_and_the_holdings_are_one_query_each(
    api: Gateway, pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], mongo_server: Server
) -> None:
    if not mongo_server.url:
        pytest.skip("round trips are counted on a real server")
    # Given a synced account with 10 orders and its holdings
    owner = new_account(api)
    account = connected_account(mongo_db, user_id=owner.user_id)
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", kite_fixture("holdings.json"))
    sync(pipeline, account)
    first = orders(api, owner, limit="3")
    assert len(first) == 3
    page = api.request("GET", "/v1/orders", query={"limit": "3"}, token=owner.access_token)
    # When a page of 3 after the first, filtered, and the holdings are read
    with QUERY_SHAPES.window() as window:
        query = {"limit": "3", "status": "complete", "cursor": page.body["nextCursor"]}
        assert api.request("GET", "/v1/orders", query=query, token=owner.access_token).status == 200
        paged = (len(window.reads("orders")), window.documents("orders"))
        assert holdings(api, owner)
    # Then the page is one query of at most limit + 1 orders, the holdings one query of the snapshots
    assert paged[0] == 1 and paged[1] <= 4
    assert len(window.reads("holdings")) == 1 and window.documents("holdings") == 1


def test_the_order_book_is_written_while_the_fills_go_to_the_queue(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an account with a day of fills and orders, the order book's write holding until the
    # fills are being sent and the send holding until the write has started (one after the other,
    # the first would wait out the barrier's timeout and fail the sync)
    from tradetrack.sync import orderbook, worker

    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    both_started = threading.Barrier(2, timeout=10)
    store_book, send_new = orderbook.store_book, worker._send_new

    def book_at_once(*args: Any, **kwargs: Any) -> Any:
        both_started.wait()
        return store_book(*args, **kwargs)

    def send_at_once(*args: Any, **kwargs: Any) -> Any:
        both_started.wait()
        return send_new(*args, **kwargs)

    monkeypatch.setattr(orderbook, "store_book", book_at_once)
    monkeypatch.setattr(worker, "_send_new", send_at_once)
    # When it syncs
    sync(pipeline, account)
    # Then both ran at once, and the sync stored its orders and sent its fills as before
    assert not both_started.broken
    (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
    assert log["status"] == "success"
    assert log["sent"] == 4
    assert mongo_db["orders"].count_documents({"accountId": account["_id"]}) == log["orders"]["total"] > 0
