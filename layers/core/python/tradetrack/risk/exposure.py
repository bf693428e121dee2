"""Accounts' risk snapshots from the journal: realised P&L today (the per-pair day totals the
analytics keep, tradetrack.db.daily_pnl) and open positions marked at the last quote
(tradetrack.positions), per account. Paper fills are journal executions, so one reading serves
paper and real accounts alike."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db import daily_pnl
from tradetrack.positions import marked_positions, open_trades, open_trades_of_users
from tradetrack.risk import repository as repo
from tradetrack.risk.rules import Position, Snapshot, book_of

Document = dict[str, Any]
CHUNK = 500  # users a batched read names at once


def realised_on(db: Database[Document], user_id: str, day: date) -> dict[str, int]:
    """Net realised P&L (gross − charges, scaled) of each of the user's accounts on `day` (IST),
    one read by `_id`; nothing until the user's day totals are built."""
    return _realised(daily_pnl.day_docs(db, user_id, [day.toordinal()]).get(day.toordinal()))


def _realised(found: Document | None) -> dict[str, int]:
    """Net realised P&L per account from a user's per-pair document of a day."""
    totals: dict[str, int] = {}
    for row in (found or {}).get("pairs") or ():
        account = str(row.get("accountId"))
        totals[account] = totals.get(account, 0) + int(row.get("gross") or 0) - int(row.get("charges") or 0)
    return totals


def journal_changed(cache: redis.Redis, user_id: str) -> None:
    """A paper fill reached the user's journal: the pre-trade check's kept readings are stale."""
    repo.bump_journal(cache, user_id)


def journal_reading(
    db: Database[Document], cache: redis.Redis, user_id: str, day: date
) -> tuple[list[Document], dict[str, int]]:
    """(the user's open trades, realised P&L per account on `day`): kept in Redis at the journal's
    version (tradetrack.risk.repository), so a placement's daily-loss check reads Mongo only after
    a fill changed the journal; otherwise read (three queries) and kept."""
    version, kept = repo.cached_journal(cache, user_id, day.isoformat())
    if kept is not None:
        return list(kept["open"]), {str(k): int(v) for k, v in kept["realised"].items()}
    docs = [{k: d.get(k) for k in daily_pnl.OPEN_FIELDS} for d in open_trades(db, user_id)]
    realised = realised_on(db, user_id, day)
    if version is not None:
        repo.keep_journal(cache, user_id, day.isoformat(), version, {"open": docs, "realised": realised})
    return docs, realised


def snapshots(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    day: date,
    *,
    accounts: Collection[str] | None = None,
    kept: bool = False,
) -> dict[str, Snapshot]:
    """The snapshot of each account (of `accounts`, else every one) with an open position or a
    realisation on `day`, with the day P&L of its book (the user's paper accounts together, or the
    real ones: the user's loss limit bounds that sum): two queries and one Redis read (`kept`: the
    journal's reading kept in Redis, the pre-trade check's)."""
    every, realised_all = journal_reading(db, cache, user_id, day) if kept else (
        open_trades(db, user_id), realised_on(db, user_id, day)
    )  # fmt: skip
    return _snapshots(marked_positions(cache, every), realised_all, accounts)


def snapshots_of_users(
    db: Database[Document], cache: redis.Redis, user_ids: Sequence[str], day: date
) -> dict[str, dict[str, Snapshot]]:
    """`snapshots` of each of these users' accounts (the monitor's pass), read for them all at once:
    at most four queries (open trades: tradetrack.positions.open_trades_of_users; the day's pair
    totals) and one Redis read of quotes, whatever the number of users (in chunks of CHUNK)."""
    every: dict[str, list[Document]] = {}
    days: dict[str, Document] = {}
    for start in range(0, len(user_ids), CHUNK):
        chunk = list(user_ids[start : start + CHUNK])
        every |= open_trades_of_users(db, chunk)
        days |= daily_pnl.day_docs_of_users(db, chunk, day.toordinal())
    owner = {str(doc["accountId"]): user for user, docs in every.items() for doc in docs}
    marked: dict[str, list[Any]] = {}
    for position in marked_positions(cache, [doc for docs in every.values() for doc in docs]):
        marked.setdefault(owner[position.account_id], []).append(position)
    return {user: _snapshots(marked.get(user, []), _realised(days.get(user)), None) for user in user_ids}


def _snapshots(
    positions: Iterable[Any], realised_all: dict[str, int], accounts: Collection[str] | None
) -> dict[str, Snapshot]:
    """One user's snapshots from their marked positions and realised P&L per account."""
    held: dict[str, dict[str, Position]] = {}
    unrealised: dict[str, int] = {}
    for p in positions:  # every account: the book's sum counts them all
        units = p.quantity * p.multiplier
        held.setdefault(p.account_id, {})[p.quote_symbol] = Position(units, p.last_price)
        unrealised[p.account_id] = unrealised.get(p.account_id, 0) + p.unrealized
    day_pnl = {a: realised_all.get(a, 0) + unrealised.get(a, 0) for a in {*held, *realised_all}}
    books: dict[str, int] = {}
    for account, pnl in day_pnl.items():
        books[book_of(account)] = books.get(book_of(account), 0) + pnl
    return {
        account: Snapshot(
            account,
            realised_all.get(account, 0),
            unrealised.get(account, 0),
            held.get(account, {}),
            book_day_pnl=books[book_of(account)],
        )
        for account in sorted(day_pnl)
        if accounts is None or account in accounts
    }


def snapshot(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    day: date,
    *,
    kept: bool = False,
) -> Snapshot:
    found = snapshots(db, cache, user_id, day, accounts={account_id}, kept=kept).get(account_id)
    return found or Snapshot(account_id, 0, 0, {})
