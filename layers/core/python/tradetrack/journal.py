"""The logic behind /v1/trades, /v1/positions and /v1/portfolio, and the list-query helpers
(time ranges, keyset cursors) that /v1/executions shares."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import redis
from pydantic import TypeAdapter, ValidationError
from pymongo.database import Database

from tradetrack.analytics.categories import Category
from tradetrack.db import trades
from tradetrack.errors import NotFound, ValidationFailed
from tradetrack.models.executions import MAX_PRICE, Symbol
from tradetrack.models.trades import (
    HoldingOut,
    PatchTradeRequest,
    PortfolioOut,
    PositionList,
    PositionOut,
    TradeOut,
    TradePage,
    TradeStatus,
)
from tradetrack.money import money_str, to_scaled
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.timeutil import IST, ist_date
from tradetrack.trades import bump_analytics_version

Document = dict[str, Any]
QUOTE_KEY = "mkt:quote:{}:{}"  # exchange, symbol: {"ltp": "...", "close": "..."} (market-data feature)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_FOR_PLUS = re.compile(r" (\d{2}(:?\d{2})?)$")  # "+05:30" whose "+" was decoded as a space
_SYMBOL = TypeAdapter(Symbol)
_MAX_SCALED_PRICE = to_scaled(MAX_PRICE)


# ---- list queries: time ranges, filters, cursors ------------------------------------------------


def aware(moment: datetime) -> datetime:
    """A datetime read from Mongo: UTC, whether or not the client was tz-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _moment(text: str, name: str, *, end: bool) -> tuple[datetime, bool]:
    """A query bound → (UTC instant, exclusive). A date is a whole IST day; naive times are IST."""
    raw = _SPACE_FOR_PLUS.sub(r"+\1", text.strip())
    try:
        if _DATE.match(raw):
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), IST).astimezone(UTC), end
        moment = datetime.fromisoformat(raw)
        return (moment.replace(tzinfo=IST) if moment.tzinfo is None else moment).astimezone(UTC), False
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"{name} must be an ISO 8601 date or date-time",
            details=[{"field": name, "issue": "invalid_datetime", "message": f"not a date: {text[:40]!r}"}],
        ) from None


def time_range(field_name: str, start: str | None, end: str | None) -> Document:
    """A Mongo condition on `field_name` for ?from=&to= (both inclusive; dates cover their IST day)."""
    condition: Document = {}
    lower = _moment(start, "from", end=False)[0] if start else None
    upper = _moment(end, "to", end=True) if end else None
    if lower is not None:
        condition["$gte"] = lower
    if upper is not None:
        condition["$lt" if upper[1] else "$lte"] = upper[0]
    if lower is not None and upper is not None and (upper[0] <= lower if upper[1] else upper[0] < lower):
        raise ValidationFailed("from is after to", details=[{"field": "from", "issue": "range"}])
    return {field_name: condition} if condition else {}


def symbol_filter(symbol: str | None) -> Document:
    if symbol is None:
        return {}
    try:
        return {"symbol": _SYMBOL.validate_python(symbol)}
    except ValidationError as exc:
        message = exc.errors()[0].get("msg", "invalid") if exc.errors() else "invalid"
        raise ValidationFailed(
            "symbol is not valid", details=[{"field": "symbol", "message": message}]
        ) from None


def encode_position(kind: str, moment: datetime, object_id: str) -> str:
    return encode_cursor({"k": kind, "t": aware(moment).isoformat(), "id": object_id})


def decode_position(kind: str, cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a keyset page continues after; 400 for a cursor this list did not issue."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    moment, object_id = position.get("t"), position.get("id")
    if position.get("k") != kind or not isinstance(moment, str) or not isinstance(object_id, str):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}]) from None
    if parsed.tzinfo is None:
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    return parsed.astimezone(UTC), object_id


# ---- trades ----------------------------------------------------------------------------------------


def _money(value: int | None) -> str | None:
    return None if value is None else money_str(value)


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
        avg_entry=_money(doc.get("avgEntry")),
        avg_exit=_money(doc.get("avgExit")),
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

    def filters(self) -> Document:
        """The Mongo filter (without userId): ?from/?to bound when the trade was opened."""
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
        return found


def list_trades(
    db: Database[Document], user_id: str, query: TradeQuery, *, limit: int, cursor: str | None
) -> TradePage:
    """The user's trades, newest opened first, one keyset page at a time."""
    filters = query.filters()
    after = decode_position("trd", cursor)
    docs = trades.find_trades(db, user_id, filters, limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_position("trd", docs[-1]["openedAt"], docs[-1]["_id"]) if more and docs else None
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
    """Apply the user's annotations; they live on the trade and survive recomputation."""
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
    doc = trades.set_annotations(db, user_id, trade_id, changes)
    if doc is None:
        raise NotFound("no such trade")
    if changes:
        bump_analytics_version(cache, user_id)  # category and tags group the analytics
    return to_trade_out(doc)


# ---- positions and portfolio --------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    ltp: int  # scaled 10^4
    close: int | None


@dataclass
class _Position:
    account_id: str
    symbol: str
    exchange: str
    segment: str
    quantity: int = 0  # signed
    cost: int = 0  # signed: Σ ± price × units of the open lots (scaled)
    fallback_price: int | None = None  # the last fill's price
    intraday: bool = True  # every open trade behind it is intraday
    quote: Quote | None = field(default=None)

    @property
    def last_price(self) -> int:
        if self.quote is not None:
            return self.quote.ltp
        if self.fallback_price is not None:
            return self.fallback_price
        return abs(self.cost) // abs(self.quantity)

    @property
    def value(self) -> int:
        return self.last_price * self.quantity

    @property
    def unrealized(self) -> int:
        return self.value - self.cost

    @property
    def day_change(self) -> int | None:
        if self.quote is None or self.quote.close is None:
            return None
        return (self.quote.ltp - self.quote.close) * self.quantity

    def out(self) -> PositionOut:
        return PositionOut(**self._fields())

    def holding(self) -> HoldingOut:
        return HoldingOut(
            **self._fields(), invested=money_str(self.cost), current_value=money_str(self.value)
        )

    def _fields(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "exchange": self.exchange,
            "segment": self.segment,
            "account_id": self.account_id,
            "quantity": self.quantity,
            "avg_price": money_str(_rounded_avg(abs(self.cost), abs(self.quantity))),
            "last_price": money_str(self.last_price),
            "last_price_stale": self.quote is None,
            "unrealized_pnl": money_str(self.unrealized),
            "day_change": _money(self.day_change),
        }


def _rounded_avg(value: int, quantity: int) -> int:
    """value / quantity rounded half-even to the scale (display only: P&L uses the exact cost)."""
    quotient, remainder = divmod(value, quantity)
    twice = 2 * remainder
    if twice > quantity or (twice == quantity and quotient % 2):
        quotient += 1
    return quotient


def _price(value: Any) -> int | None:
    """A decimal string from the market cache → scaled int; None when it is not a positive price."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0:
        return None
    scaled = to_scaled(amount)
    return scaled if 0 < scaled <= _MAX_SCALED_PRICE else None


def parse_quote(raw: str | bytes | None) -> Quote | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    ltp = _price(data.get("ltp"))
    return Quote(ltp=ltp, close=_price(data.get("close"))) if ltp is not None else None


def cached_quotes(cache: redis.Redis, instruments: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Quote]:
    """Quotes from the market cache, one round trip; none at all when Redis is away (prices go stale)."""
    keys = sorted(set(instruments))
    if not keys:
        return {}
    try:
        values = cache.mget([QUOTE_KEY.format(exchange, symbol) for exchange, symbol in keys])
    except redis.exceptions.RedisError as exc:
        logger.warning("market cache unavailable", extra={"error": str(exc)})
        metrics.add_metric(name="MarketCacheUnavailable", unit=MetricUnit.Count, value=1)
        return {}
    quotes = {key: parse_quote(value) for key, value in zip(keys, values, strict=True)}
    return {key: quote for key, quote in quotes.items() if quote is not None}


def _positions(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str | None
) -> list[_Position]:
    """Open trades aggregated per (accountId, instrument), valued at the cached quotes."""
    grouped: dict[tuple[str, str], _Position] = {}
    for doc in trades.open_trades(db, user_id):
        if account_id is not None and doc["accountId"] != account_id:
            continue
        key = (doc["accountId"], doc["instrument"])
        position = grouped.setdefault(
            key, _Position(doc["accountId"], doc["symbol"], doc["exchange"], doc["segment"])
        )
        sign = 1 if doc["direction"] == "LONG" else -1
        position.quantity += sign * int(doc.get("openQuantity") or 0)
        position.cost += sign * int(doc.get("openCost") or 0)
        position.fallback_price = doc.get("lastPrice") or position.fallback_price
        position.intraday = position.intraday and doc.get("category") == "intraday"
    found = [p for p in grouped.values() if p.quantity]
    quotes = cached_quotes(cache, ((p.exchange, p.symbol) for p in found))
    for position in found:
        position.quote = quotes.get((position.exchange, position.symbol))
    return sorted(found, key=lambda p: (p.symbol, p.exchange, p.account_id))


def list_positions(
    db: Database[Document], cache: redis.Redis, user_id: str, *, account_id: str | None = None
) -> PositionList:
    return PositionList(items=[p.out() for p in _positions(db, cache, user_id, account_id)])


def portfolio(
    db: Database[Document], cache: redis.Redis, user_id: str, *, account_id: str | None = None
) -> PortfolioOut:
    """Equity delivery holdings (open long, non-intraday EQ positions) with exact totals."""
    held = [
        p
        for p in _positions(db, cache, user_id, account_id)
        if p.segment == "EQ" and p.quantity > 0 and not p.intraday
    ]
    invested = sum(p.cost for p in held)
    value = sum(p.value for p in held)
    changes = [p.day_change for p in held]
    day_change = None if any(c is None for c in changes) else sum(c for c in changes if c is not None)
    return PortfolioOut(
        holdings=[p.holding() for p in held],
        total_invested=money_str(invested),
        total_value=money_str(value),
        unrealized_pnl=money_str(value - invested),
        day_change=_money(day_change),
        last_price_stale=any(p.quote is None for p in held),
    )
