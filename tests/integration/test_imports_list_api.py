"""GET /v1/imports: a trader's uploaded imports, newest first, in keyset pages, their own only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tradetrack.db import imports as repo

Db = Database[dict[str, Any]]
START = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


def imports_of(db: Db, account: Account, count: int) -> list[str]:
    """`count` imports created a minute apart (the last newest); their ids, oldest first."""
    ids = []
    for n in range(count):
        import_id = repo.new_import_id()
        repo.create_import(
            db,
            account.user_id,
            import_id,
            import_format="zerodha_tradebook",
            account_id="import",
            now=START + timedelta(minutes=n),
        )
        ids.append(import_id)
    return ids


def test_imports_are_listed_newest_first_in_pages(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader with 5 imports and another trader with 2
    trader, other = new_account(gateway), new_account(gateway)
    mine = imports_of(mongo_db, trader, 5)
    imports_of(mongo_db, other, 2)
    # When the trader lists them 2 at a time, following nextCursor
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = gateway.request("GET", "/v1/imports", query=query, token=trader.access_token)
        assert reply.status == 200, reply.text
        seen += reply.body["items"]
        pages += 1
        cursor = reply.body["nextCursor"]
        if cursor is None:
            break
    # Then they get exactly their 5, newest first, in 3 pages, each as GET /v1/imports/{id} shows it
    assert pages == 3
    assert [item["importId"] for item in seen] == list(reversed(mine))
    one = gateway.request("GET", f"/v1/imports/{mine[0]}", token=trader.access_token)
    assert seen[-1] == one.body
    assert seen[0]["state"] == "awaiting_upload" and seen[0]["format"] == "zerodha_tradebook"


def test_a_trader_without_imports_gets_an_empty_page(gateway: Gateway) -> None:
    # Given a new trader
    trader = new_account(gateway)
    # When they list their imports
    reply = gateway.request("GET", "/v1/imports", token=trader.access_token)
    # Then the page is empty and ends there
    assert reply.status == 200 and reply.body == {"items": [], "nextCursor": None}


def test_bad_list_parameters_are_400_and_anonymous_is_401(gateway: Gateway) -> None:
    # Given a trader
    trader = new_account(gateway)
    # When the cursor was not made by the API, or the limit is out of range, Then 400
    for query in ({"cursor": "bm90LWEtY3Vyc29y"}, {"limit": "0"}, {"limit": "501"}):
        reply = gateway.request("GET", "/v1/imports", query=query, token=trader.access_token)
        assert reply.status == 400, (query, reply.text)
    # And without a token, 401
    assert gateway.request("GET", "/v1/imports").status == 401
