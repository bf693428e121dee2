"""Per-request budgets: the Mongo round trips and documents each route and worker may cost,
counted on the wire by the suite's CommandListener (tests/support/query_shapes.py). The table
is docs/performance.md's; a change that adds a round trip per item fails here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from tests.integration.test_trades_api import execute, get
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tests.support.query_shapes import Window
from tradetrack.db import imports

LIMIT = 5


@dataclass(frozen=True)
class Budget:
    path: str
    reads: int  # queries started (find, aggregate, count, distinct), getMore included in round trips
    round_trips: int  # every command, writes included
    documents: int  # documents returned to the handler


# The routes a trader's screen polls. Documents are bounded by the page (limit + 1) or by the
# days/pairs asked for, never by the length of the history.
ROUTES = [
    Budget("/v1/trades", reads=1, round_trips=1, documents=LIMIT + 1),
    Budget("/v1/executions", reads=1, round_trips=1, documents=LIMIT + 1),
    Budget("/v1/alerts", reads=1, round_trips=1, documents=LIMIT + 1),
    Budget("/v1/notifications", reads=1, round_trips=1, documents=LIMIT + 1),
    Budget("/v1/broker-accounts", reads=1, round_trips=1, documents=LIMIT + 1),
    Budget("/v1/imports", reads=1, round_trips=1, documents=LIMIT + 1),
]


@pytest.fixture
def trader(gateway: Gateway, mongo_db: Database[dict[str, Any]]) -> Account:
    """A trader with 12 closed round trips over 12 symbols, one open position and 12 uploads."""
    account = new_account(gateway)
    for minute in range(12):
        created = datetime(2026, 11, 2, 4, minute, tzinfo=UTC)
        import_id = imports.new_import_id()
        imports.create_import(
            mongo_db, account.user_id, import_id, import_format="generic", account_id="import", now=created
        )
    for i in range(12):
        execute(gateway, account, "BUY", 2, "100", symbol=f"S{i:02d}", at="09:20")
        execute(gateway, account, "SELL", 2, "101.5", symbol=f"S{i:02d}", at="10:20")
    execute(gateway, account, "BUY", 3, "50", symbol="OPEN", at="11:00")
    return account


def _spend(gateway: Gateway, account: Account, window: Window, path: str, **query: str) -> Window:
    start = len(window.commands)
    reply = get(gateway, account, path, **query)
    assert reply.status == 200, reply.text
    return Window(window.commands[start:])


@pytest.mark.parametrize("budget", ROUTES, ids=lambda b: b.path)
def test_a_page_costs_one_query_and_at_most_a_page_of_documents(
    gateway: Gateway, trader: Account, mongo_commands: Window, budget: Budget
) -> None:
    # Given a trader with more history than one page
    # When the first page of the route is read
    spent = _spend(gateway, trader, mongo_commands, budget.path, limit=str(LIMIT))
    # Then it stays within its budget
    assert len(spent.reads()) <= budget.reads, spent.summary()
    assert spent.round_trips <= budget.round_trips, spent.summary()
    assert spent.documents() <= budget.documents, spent.summary()


@pytest.mark.parametrize("path", ["/v1/trades", "/v1/executions", "/v1/imports"])
def test_the_next_page_is_one_keyset_query_too(
    gateway: Gateway, trader: Account, mongo_commands: Window, path: str
) -> None:
    # Given the first page's cursor
    first = get(gateway, trader, path, limit=str(LIMIT))
    cursor = first.body["nextCursor"]
    assert cursor
    # When the second page is read
    spent = _spend(gateway, trader, mongo_commands, path, limit=str(LIMIT), cursor=cursor)
    # Then it is one query returning at most limit + 1 documents (no skip over the first page)
    assert spent.round_trips == 1, spent.summary()
    assert spent.documents() <= LIMIT + 1, spent.summary()
