"""The logic behind /v1/trades: listing, reading and annotating the user's round trips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.analytics.categories import Category
from tradetrack.db import trades
from tradetrack.errors import NotFound, ValidationFailed
from tradetrack.models.trades import (
    PatchTradeRequest,
    TradeOut,
    TradePage,
    TradeSort,
    TradeStatus,
)
from tradetrack.money import money_str, optional_money_str
from tradetrack.notify.live import announce_trades_changed
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.queries import aware, decode_position, symbol_filter, time_range
from tradetrack.timeutil import IST, ist_date
from tradetrack.trades import bump_analytics_version, pair_locks

Document = dict[str, Any]
DEFAULT_SORT: TradeSort = "-openedAt"


def to_trade_out(doc: Document, *, now: datetime | None = None) -> TradeOut:
    opened = aware(doc["openedAt"]).astimezone(IST)
    closed = aware(doc["closedAt"]).astimezone(IST) if doc.get("closedAt") else None
    # An open trade's holding period grows every day; the stored figure is as of its last recomputation.
    holding = doc["holdingDays"] if closed else (ist_date(now or datetime.now(UTC)) - opened.date()).days
    return TradeOut(
        trade_id=doc["_id"],
        account_id=doc["accountId"],
        symbol=doc["symbol"],
        exchange=doc["exchange"],
        segment=doc["segment"],
        is_fno=bool(doc.get("isFno")),
        direction=doc["direction"],
        status=doc["status"],
        category=doc["category"],
        opened_at=opened,
        closed_at=closed,
        quantity=doc["quantity"],
        open_quantity=doc.get("openQuantity", 0),
        avg_entry=optional_money_str(doc.get("avgEntry")),
        avg_exit=optional_money_str(doc.get("avgExit")),
        realized_pnl=money_str(doc["realizedPnl"]),
        charges=money_str(doc["charges"]),
        net_pnl=money_str(doc["netPnl"]),
        holding_days=holding,
        execution_ids=list(doc.get("executionIds") or []),
        notes=doc.get("notes") or "",
        tags=list(doc.get("tags") or []),
        strategy=doc.get("strategy"),
    )


@dataclass(frozen=True)
class TradeQuery:
    status: TradeStatus | None = None
    symbol: str | None = None
    category: Category | None = None
    tag: str | None = None
    account_id: str | None = None
    start: str | None = None  # ?from=
    end: str | None = None  # ?to=
    include_paper: bool = False  # ?includePaper=: paper accounts' trades too when no account is named

    def filters(self) -> Document:
        """The Mongo filter (without userId): ?from/?to bound when the trade was opened; without an
        account, the real accounts' trades only unless paper ones are asked for (tradetrack.book)."""
        found: Document = {**symbol_filter(self.symbol), **time_range("openedAt", self.start, self.end)}
        if self.status is not None:
            found["status"] = self.status
        if self.category is not None:
            found["category"] = self.category
        if self.tag is not None:
            tag = self.tag.strip().lower()
            if not tag:
                raise ValidationFailed("tag is empty", details=[{"field": "tag"}])
            found["tags"] = tag
        if self.account_id is not None:
            found["accountId"] = self.account_id
        elif not self.include_paper:
            found |= trades.REAL_BOOK
        return found


_CURSOR = "trd"


def _next_cursor(sort: TradeSort, last: Document) -> str:
    """Where the next page starts: the last trade's sort key and _id, and the sort unless it is
    the default (so default-order cursors are those issued before ?sort= existed)."""
    key = sort.lstrip("-")
    position: Document = {"k": _CURSOR} | ({} if sort == DEFAULT_SORT else {"s": sort})
    if key == "netPnl":
        position["v"] = int(last[key])
    else:
        position["t"] = aware(last[key]).isoformat()
    return encode_cursor(position | {"id": last["_id"]})


def _continue_after(sort: TradeSort, cursor: str | None) -> tuple[datetime | int, str] | None:
    """The (sort key, _id) a page continues after; 400 for a cursor of another list or sort."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    issued = position.get("s", DEFAULT_SORT)
    if position.get("k") == _CURSOR and issued != sort:
        raise ValidationFailed(
            f"cursor belongs to sort={issued}, not sort={sort}: ask for the first page again without it",
            details=[{"field": "cursor", "issue": "sort_mismatch"}],
        )
    if sort.lstrip("-") != "netPnl":
        return decode_position(_CURSOR, cursor)
    value, trade_id = position.get("v"), position.get("id")
    if position.get("k") != _CURSOR or isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    if not isinstance(trade_id, str):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    return value, trade_id


def list_trades(
    db: Database[Document],
    user_id: str,
    query: TradeQuery,
    *,
    limit: int,
    cursor: str | None,
    sort: TradeSort = DEFAULT_SORT,
) -> TradePage:
    """The user's trades in `sort` order (newest opened first by default), one keyset page at a time.
    Sorting by closedAt lists closed trades only: an open trade has no closing time."""
    key = sort.lstrip("-")
    filters = query.filters()
    if key == "closedAt":
        if query.status == "open":
            raise ValidationFailed(
                "sort by closedAt lists closed trades only; it cannot be combined with status=open",
                details=[{"field": "sort", "issue": "open_trades_have_no_closedAt"}],
            )
        filters["status"] = "closed"
    after = _continue_after(sort, cursor)
    docs = trades.find_trades(
        db, user_id, filters, limit=limit + 1, key=key, descending=sort.startswith("-"), after=after
    )
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = _next_cursor(sort, docs[-1]) if more and docs else None
    now = datetime.now(UTC)
    return TradePage(items=[to_trade_out(doc, now=now) for doc in docs], next_cursor=next_cursor)


def get_trade(db: Database[Document], user_id: str, trade_id: str) -> TradeOut:
    doc = trades.get_trade(db, user_id, trade_id)
    if doc is None:
        raise NotFound("no such trade")
    return to_trade_out(doc)


def annotate_trade(
    db: Database[Document], cache: redis.Redis, user_id: str, trade_id: str, request: PatchTradeRequest
) -> TradeOut:
    """Apply the user's annotations; they live on the trade (the category override in its pair's
    ledger too) and survive recomputation, which cannot run meanwhile: the pair's lock is held."""
    sent = request.model_dump(exclude_unset=True)
    changes: Document = {}
    if "category" in sent:
        changes["categoryOverride"] = sent["category"]  # None: back to the automatic category
    if "notes" in sent:
        changes["notes"] = sent["notes"] or ""
    if "tags" in sent:
        changes["tags"] = sent["tags"] or []
    if "strategy" in sent:
        changes["strategy"] = sent["strategy"] or None
    doc = trades.get_trade(db, user_id, trade_id)
    if doc is not None and changes:
        with pair_locks(cache, user_id, [(doc["accountId"], doc["instrument"])]):
            doc = trades.set_annotations(db, user_id, trade_id, changes)
    if doc is None:
        raise NotFound("no such trade")
    if changes:
        bump_analytics_version(cache, user_id)  # category and tags group the analytics
        announce_trades_changed(user_id, "manual", [trade_id])  # the user's other tabs and devices
    return to_trade_out(doc)
