"""GET /v1/trades?sort=: every order the API offers, paged by keyset through the gateway, equals
sorting all of the user's trades in Python (ties broken by trade id), with and without filters;
a page costs one query; an unknown sort or a cursor of another sort is 400."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.test_trades_api import execute, get
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tests.support.query_shapes import Window
from tradetrack.pagination import encode_cursor

SORTS = ["-openedAt", "openedAt", "-closedAt", "closedAt", "-netPnl", "netPnl"]
PAGE = 2


@pytest.fixture
def book(gateway: Gateway) -> Account:
    """Ten trades over two accounts: ties in net P&L (same prices), in closing time (two closed at
    10:30) and in opening time (two opened at 09:16, one in each account); three still open."""
    account = new_account(gateway)
    round_trips = [  # symbol, opened, closed, buy, sell, account
        ("AAA", "09:15", "10:30", "100", "103", "a"),
        ("BBB", "09:16", "10:30", "100", "103", "a"),  # same P&L and closing time as AAA
        ("CCC", "09:16", "11:00", "50", "45", "b"),  # same opening time as BBB, a loss
        ("DDD", "09:17", "12:00", "200", "200", "a"),  # flat
        ("EEE", "09:18", "09:40", "10", "19", "b"),
        ("FFF", "09:19", "13:00", "300", "299", "a"),
        ("GGG", "09:20", "12:00", "70", "71", "b"),
    ]
    for symbol, opened, closed, buy, sell, acct in round_trips:
        execute(gateway, account, "BUY", 4, buy, symbol=symbol, at=opened, accountId=acct)
        execute(gateway, account, "SELL", 4, sell, symbol=symbol, at=closed, accountId=acct)
    for symbol, opened, acct in (("OPA", "09:21", "a"), ("OPB", "09:21", "b"), ("OPC", "09:25", "a")):
        execute(gateway, account, "BUY", 1, "10", symbol=symbol, at=opened, accountId=acct)
    return account


def everything(gateway: Gateway, account: Account, **query: str) -> list[dict[str, Any]]:
    reply = get(gateway, account, "/v1/trades", limit="500", **query)
    assert reply.status == 200, reply.text
    assert reply.body["nextCursor"] is None
    return list(reply.body["items"])


def paged(gateway: Gateway, account: Account, **query: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        reply = get(gateway, account, "/v1/trades", limit=str(PAGE), **query, **extra)
        assert reply.status == 200, reply.text
        assert len(reply.body["items"]) <= PAGE
        seen += reply.body["items"]
        cursor = reply.body["nextCursor"]
        if not cursor:
            return seen
    raise AssertionError("paging did not end")


def sorted_in_python(items: list[dict[str, Any]], sort: str) -> list[str]:
    """The expected order: by the field's value (time or exact decimal), then trade id, one direction."""
    field = sort.lstrip("-")
    if field == "closedAt":
        items = [t for t in items if t["status"] == "closed"]

    def key(trade: dict[str, Any]) -> tuple[Any, str]:
        raw = trade[field]
        value = Decimal(raw) if field == "netPnl" else datetime.fromisoformat(raw)
        return value, trade["tradeId"]

    return [t["tradeId"] for t in sorted(items, key=key, reverse=sort.startswith("-"))]


FILTERS: list[dict[str, str]] = [
    {},
    {"accountId": "a"},
    {"status": "closed"},
    {"from": "2025-03-03T09:16:00"},
    {"symbol": "BBB"},
]


@pytest.mark.parametrize("sort", SORTS)
def test_each_sort_pages_in_the_order_python_sorts_all_trades(
    gateway: Gateway, book: Account, sort: str
) -> None:
    for filters in FILTERS:
        # Given every trade the filters select, read in one page in the default order
        selected = everything(gateway, book, **filters)
        assert selected
        # When the list is read two trades a page in the sort
        pages = [t["tradeId"] for t in paged(gateway, book, sort=sort, **filters)]
        # Then the pages follow Python's sort of them, each trade once, none missing
        assert pages == sorted_in_python(selected, sort), filters
        assert len(set(pages)) == len(pages)


def test_the_default_sort_is_newest_opened_first(gateway: Gateway, book: Account) -> None:
    # Given the book / When read without ?sort= and with sort=-openedAt / Then the same order
    assert [t["tradeId"] for t in paged(gateway, book)] == [
        t["tradeId"] for t in paged(gateway, book, sort="-openedAt")
    ]


def test_closed_at_sorts_list_only_closed_trades(gateway: Gateway, book: Account) -> None:
    # Given 7 closed and 3 open trades / When sorted by closing time / Then only the 7 closed ones
    listed = everything(gateway, book, sort="-closedAt")
    assert len(listed) == 7 and {t["status"] for t in listed} == {"closed"}


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "symbol"},
        {"sort": "+netPnl"},
        {"sort": "closedAt", "status": "open"},
        {"sort": "-netPnl", "cursor": encode_cursor({"k": "trd", "s": "-netPnl", "v": "12", "id": "trd_x"})},
        {"sort": "-netPnl", "cursor": encode_cursor({"k": "trd", "s": "-netPnl", "v": True, "id": "trd_x"})},
        {"sort": "closedAt", "cursor": encode_cursor({"k": "trd", "s": "closedAt", "t": "soon", "id": "x"})},
    ],
)
def test_bad_sorts_are_400(gateway: Gateway, book: Account, query: dict[str, str]) -> None:
    # When the sort is unknown, impossible with the filters or its cursor is malformed / Then 400
    reply = get(gateway, book, "/v1/trades", **query)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("issued", "used"), [("-netPnl", "closedAt"), ("-openedAt", "netPnl"), ("closedAt", "-openedAt")]
)
def test_a_cursor_of_another_sort_is_400_and_says_so(
    gateway: Gateway, book: Account, issued: str, used: str
) -> None:
    # Given a next-page cursor issued for one sort
    cursor = get(gateway, book, "/v1/trades", limit="2", sort=issued).body["nextCursor"]
    assert cursor
    # When it is sent with another sort
    reply = get(gateway, book, "/v1/trades", limit="2", sort=used, cursor=cursor)
    # Then 400, naming both sorts
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"
    message = reply.body["error"]["message"]
    assert f"sort={issued}" in message and f"sort={used}" in message


@pytest.mark.parametrize("sort", SORTS)
def test_a_sorted_page_costs_one_query_and_at_most_a_page_of_documents(
    gateway: Gateway, book: Account, mongo_commands: Window, sort: str
) -> None:
    # Given the first page's cursor in the sort
    cursor = get(gateway, book, "/v1/trades", limit=str(PAGE), sort=sort).body["nextCursor"]
    assert cursor
    # When the second page is read
    start = len(mongo_commands.commands)
    reply = get(gateway, book, "/v1/trades", limit=str(PAGE), sort=sort, cursor=cursor)
    spent = Window(mongo_commands.commands[start:])
    # Then it is one keyset query returning at most limit + 1 documents
    assert reply.status == 200, reply.text
    assert spent.round_trips == 1, spent.summary()
    assert spent.documents() <= PAGE + 1, spent.summary()
