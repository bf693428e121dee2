"""Read models that keep analytics reads from growing with history (issue #14, docs/analytics.md).

- `daily_pnl`: one document per (user, calendar month) holding each IST day's totals over the
  trades of the user's real accounts, paper accounts' left out (tradetrack.book) (sales,
  closed-trade statistics; money as integers scaled by 10^4), packed in `rows` as little-endian
  int64 columns DAY_COLUMNS, one row per day with anything in it;
  `_id` = "userId:m<month>" (month = year × 12 + month − 1). Packed, because FerretDB's cost
  grows with the values it decodes: a range of years is a few dozen small documents.
- `daily_pnl_pairs`: one document per (user, IST day) with the same figures per (account,
  instrument) pair in `pairs` (for the accountId/symbol filters), same `_id`.
- `pair_state`: one document per (user, account, instrument): the days the pair contributes to
  with a digest of its rows that day (`days`, packed int64 pairs) and its open trades (`open`,
  the fields positions need); `_id` = "userId|account|instrument".
- `aggregate_state`: one document per user (`_id` = userId) saying the above (and the tax report's
  `fy_sales`, tradetrack.db.fy_sales) were built for the user at AGGREGATE_VERSION; without it (or
  at another version) readers use the trades instead.

Writes go by `_id` only (all FerretDB v1 pushes down). Reads are one query each, served on MongoDB
by the (userId, month), (userId, day) and (userId, hasOpen) indexes declared in tradetrack.db.indexes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.collection import Collection as MongoCollection
from pymongo.database import Database

from tradetrack.db import fy_sales
from tradetrack.db.filters import one_of
from tradetrack.db.ledgers import insert_or_upsert

Document = dict[str, Any]
Pair = tuple[str, str]  # (accountId, instrument)
DAILY = "daily_pnl"
DAILY_PAIRS = "daily_pnl_pairs"
PAIR_STATE = "pair_state"
STATE = "aggregate_state"
AGGREGATE_VERSION = 3  # 2: the month totals leave paper accounts out (issue #19); 3: fy_sales (#20)
BATCH = 10_000  # documents per round trip: a range of days comes back in one reply
SUMS = (
    "sales", "gross", "charges", "estimated", "closed", "wins", "losses", "winSum", "lossSum",
    "closedRealized", "closedCharges",
)  # fmt: skip
DAY_COLUMNS = ("day", *SUMS, "best", "worst")  # best/worst mean something only when closed > 0
# What GET /v1/positions, /v1/portfolio and the summary's unrealized P&L read of an open trade
OPEN_FIELDS = (
    "_id", "accountId", "instrument", "symbol", "exchange", "segment", "direction", "openQuantity",
    "openCost", "lastPrice", "multiplier", "category",
)  # fmt: skip


def lock_key(user_id: str) -> str:
    """The Redis lock under which a user's aggregates are written."""
    return f"lock:aggregates:{user_id}"


def day_id(user_id: str, day: int) -> str:
    return f"{user_id}:{day}"


def pair_id(user_id: str, pair: Pair) -> str:
    return f"{user_id}|{pair[0]}|{pair[1]}"


def is_built(db: Database[Document], user_id: str) -> bool:
    """Whether the user's read models exist at the current version (one read by `_id`)."""
    state = db[STATE].find_one({"_id": user_id}, {"version": 1})
    return state is not None and state.get("version") == AGGREGATE_VERSION


def mark_built(db: Database[Document], user_id: str) -> None:
    doc = {"version": AGGREGATE_VERSION, "builtAt": datetime.now(UTC)}
    db[STATE].replace_one({"_id": user_id}, doc, upsert=True)


def forget_state(db: Database[Document], user_id: str) -> None:
    """The user's read models are no longer trusted (readers use the trades until a rebuild)."""
    db[STATE].delete_one({"_id": user_id})


def forget(db: Database[Document], user_id: str) -> None:
    """Drop the user's read models (a rebuild starts from nothing)."""
    forget_state(db, user_id)
    for name in (DAILY, DAILY_PAIRS, PAIR_STATE):
        db[name].delete_many({"userId": user_id})
    fy_sales.forget(db, user_id)  # the tax report's read model, kept with these


def month_of(day: int) -> int:
    moment = date.fromordinal(day)
    return moment.year * 12 + moment.month - 1


def month_id(user_id: str, month: int) -> str:
    return f"{user_id}:m{month}"


def pack(rows: Mapping[int, Document]) -> bytes:
    """Day totals (by date ordinal) → the packed `rows` of a month document."""
    import numpy as np  # on first use, not at the cold start of every handler importing db.trades

    values = [
        [day, *(int(row[key]) for key in SUMS), int(row["best"] or 0), int(row["worst"] or 0)]
        for day, row in sorted(rows.items())
    ]
    return np.array(values, dtype="<i8").reshape(-1, len(DAY_COLUMNS)).tobytes()


def unpack(blob: bytes) -> dict[int, Document]:
    """The packed `rows` of a month document → day totals by date ordinal (best/worst None
    without a close)."""
    import numpy as np  # on first use, not at the cold start of every handler importing db.trades

    table = np.frombuffer(blob, dtype="<i8").reshape(-1, len(DAY_COLUMNS)).tolist()
    found: dict[int, Document] = {}
    for values in table:
        row = dict(zip(DAY_COLUMNS, values, strict=True))
        if not row["closed"]:
            row["best"] = row["worst"] = None
        found[row.pop("day")] = row
    return found


def totals_between(
    db: Database[Document], user_id: str, first: int | None, last: int | None
) -> dict[int, Document]:
    """The user's day totals in [first, last] (date ordinals; None: unbounded) by day, one query
    (documents: the months the range touches)."""
    query: Document = {"userId": user_id}
    bounds = {op: month_of(day) for op, day in (("$gte", first), ("$lte", last)) if day is not None}
    if bounds:
        query["month"] = bounds
    found: dict[int, Document] = {}
    for doc in db[DAILY].find(query, {"rows": 1}).batch_size(BATCH):
        found |= unpack(doc["rows"])
    lo = -1 if first is None else first
    hi = 10**9 if last is None else last
    return {day: row for day, row in found.items() if lo <= day <= hi}


def pair_rows_between(
    db: Database[Document], user_id: str, first: int | None, last: int | None
) -> list[Document]:
    """The user's per-pair day documents in [first, last], one query."""
    return list(db[DAILY_PAIRS].find(_days(user_id, first, last), {"_id": 0, "userId": 0}).batch_size(BATCH))


def _days(user_id: str, first: int | None, last: int | None) -> Document:
    query: Document = {"userId": user_id}
    bounds = {op: day for op, day in (("$gte", first), ("$lte", last)) if day is not None}
    if bounds:
        query["day"] = bounds
    return query


def open_trades(db: Database[Document], user_id: str) -> list[Document]:
    """The user's open trades (position fields) from the pairs that have any, one query."""
    found = db[PAIR_STATE].find({"userId": user_id, "hasOpen": True}, {"open": 1}).batch_size(BATCH)
    return [trade for doc in found for trade in doc.get("open") or ()]


def day_docs(db: Database[Document], user_id: str, days: Iterable[int]) -> dict[int, Document]:
    """The stored per-pair day documents of these days."""
    wanted = sorted(set(days))
    if len(wanted) <= 8:
        found = [db[DAILY_PAIRS].find_one({"_id": day_id(user_id, day)}) for day in wanted]
        docs = [doc for doc in found if doc is not None]
    else:
        query = {"userId": user_id, "day": {"$in": wanted}}
        docs = list(db[DAILY_PAIRS].find(query).batch_size(BATCH))
    return {int(doc["day"]): doc for doc in docs}


def write_days(
    db: Database[Document],
    user_id: str,
    pairs_of_day: Mapping[int, list[Document]],
    totals: Mapping[int, Document],
    *,
    stored_days: Collection[int] = (),
    empty: bool = False,
) -> None:
    """Replace these days' per-pair documents (a day without rows is deleted) and their totals in
    the month documents (read, changed, written back: the caller holds the user's aggregates lock;
    `empty`: none stored yet), by `_id`, in bulk writes. A day not in `stored_days` (the ones
    day_docs found) and a month not found are inserted, not upserted."""
    days: list[Document] = [
        {"_id": day_id(user_id, day), "userId": user_id, "day": day, "pairs": pairs_of_day[day]}
        for day in sorted(pairs_of_day)
    ]
    replace_or_insert(
        db[DAILY_PAIRS],
        [doc for doc in days if doc["pairs"]],
        {day_id(user_id, day) for day in stored_days},
        deleted=[doc["_id"] for doc in days if not doc["pairs"] and doc["day"] in stored_days],
    )
    months = sorted({month_of(day) for day in pairs_of_day})
    stored = {} if empty else _months(db, user_id, months)
    docs: list[Document] = []
    gone: list[str] = []
    for month in months:
        kept = stored.get(month, {})
        for day in pairs_of_day:
            if month_of(day) == month:
                kept.pop(day, None)
                if day in totals:
                    kept[day] = totals[day]
        key = month_id(user_id, month)
        if kept:
            docs.append({"_id": key, "userId": user_id, "month": month, "rows": pack(kept)})
        elif month in stored:
            gone.append(key)
    replace_or_insert(db[DAILY], docs, {month_id(user_id, month) for month in stored}, deleted=gone)


def replace_or_insert(
    collection: MongoCollection[Document],
    docs: Sequence[Document],
    stored: Collection[str],
    *,
    deleted: Sequence[str] = (),
) -> None:
    """One bulk write (tradetrack.db.bulk) of these documents by `_id`: replaced where the `_id` is
    `stored`, inserted otherwise (one that exists after all is replaced then), and `deleted` removed."""

    def replace(doc: Document) -> ReplaceOne[Document]:
        return ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)

    others: list[Any] = [replace(doc) for doc in docs if doc["_id"] in stored]
    insert_or_upsert(
        collection,
        inserts=[doc for doc in docs if doc["_id"] not in stored],
        others=others + [DeleteOne({"_id": key}) for key in deleted],
        upsert=replace,
    )


def _months(db: Database[Document], user_id: str, months: Sequence[int]) -> dict[int, dict[int, Document]]:
    if len(months) <= 8:
        found = [db[DAILY].find_one({"_id": month_id(user_id, month)}) for month in months]
        docs = [doc for doc in found if doc is not None]
    else:
        docs = list(db[DAILY].find({"userId": user_id, "month": {"$in": list(months)}}).batch_size(BATCH))
    return {int(doc["month"]): unpack(doc["rows"]) for doc in docs}


def set_open_category(db: Database[Document], user_id: str, pair: Pair, trade_id: str, category: str) -> None:
    """A category override of an open trade, in its pair's copy (the caller holds the pair's lock)."""
    key = pair_id(user_id, pair)
    state = db[PAIR_STATE].find_one({"_id": key}, {"open": 1})
    if state is None or not any(trade.get("_id") == trade_id for trade in state.get("open") or ()):
        return
    opened = [
        trade | {"category": category} if trade.get("_id") == trade_id else trade for trade in state["open"]
    ]
    db[PAIR_STATE].update_one({"_id": key}, {"$set": {"open": opened}})


def built_users(db: Database[Document], user_ids: Sequence[str]) -> set[str]:
    """Which of these users' read models exist at the current version: one query (the version an
    equality beside the `_id`s, which FerretDB v1 pushes down; MongoDB reads them by `_id`)."""
    if not user_ids:
        return set()
    query = {"_id": one_of(user_ids), "version": AGGREGATE_VERSION}
    return {str(doc["_id"]) for doc in db[STATE].find(query, {"_id": 1})}


def open_trades_of_users(db: Database[Document], user_ids: Sequence[str]) -> dict[str, list[Document]]:
    """Each of these users' open trades (position fields) from their pairs with any: one query."""
    found: dict[str, list[Document]] = {}
    if not user_ids:
        return found
    query = {"userId": one_of(user_ids), "hasOpen": True}
    for doc in db[PAIR_STATE].find(query, {"userId": 1, "open": 1}).batch_size(BATCH):
        found.setdefault(str(doc["userId"]), []).extend(doc.get("open") or ())
    return found


def day_docs_of_users(db: Database[Document], user_ids: Sequence[str], day: int) -> dict[str, Document]:
    """Each of these users' per-pair document of `day` (those with one): one query."""
    if not user_ids:
        return {}
    found = db[DAILY_PAIRS].find({"userId": one_of(user_ids), "day": day}).batch_size(BATCH)
    return {str(doc["userId"]): doc for doc in found}
