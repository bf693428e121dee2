"""The logic behind /v1/positions and /v1/portfolio: open trades marked at the market cache's last
known prices at read time (the open trades alone are read, never the history: `open_trades`).

The market feed quotes every symbol with an open position (tradetrack.market.feed), so a mark is
at most a tick old in market hours; a quote older than STALE_AFTER_S is still used but flagged
(`lastPriceStale`, with its age in `lastPriceAgeS`); without any quote the last fill's price is
used (stale, no age). Paper accounts' positions are left out unless the read names one or asks
for them (tradetrack.book)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import in_view
from tradetrack.db import daily_pnl as aggregates
from tradetrack.db import trades
from tradetrack.market.cache import STALE_AFTER_S, CachedQuote, marked_quotes
from tradetrack.market.quote import Quote
from tradetrack.market.symbols import quote_symbol
from tradetrack.models.trades import (
    HoldingOut,
    PortfolioOut,
    PositionList,
    PositionOut,
)
from tradetrack.money import money_str, optional_money_str, rounded_average, to_scaled
from tradetrack.observability import MetricUnit, logger, metrics

Document = dict[str, Any]


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
    quote_age_s: int | None = None  # seconds since the quote was fetched
    multiplier: int = 1  # units per lot when quantity is in lots (MCX, CDS)

    @property
    def quote_symbol(self) -> str:
        return quote_symbol(self.exchange, self.symbol)

    @property
    def stale(self) -> bool:
        return self.quote_age_s is None or self.quote_age_s > STALE_AFTER_S

    @property
    def last_price(self) -> int:
        if self.quote is not None:
            return to_scaled(self.quote.ltp)
        if self.fallback_price is not None:
            return self.fallback_price
        return abs(self.cost) // abs(self.quantity * self.multiplier)

    @property
    def value(self) -> int:
        return self.last_price * self.quantity * self.multiplier

    @property
    def unrealized(self) -> int:
        return self.value - self.cost

    @property
    def day_change(self) -> int | None:
        if self.quote is None or self.quote.close is None:
            return None
        return (to_scaled(self.quote.ltp) - to_scaled(self.quote.close)) * self.quantity * self.multiplier

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
            "avg_price": money_str(rounded_average(abs(self.cost), abs(self.quantity * self.multiplier))),
            "last_price": money_str(self.last_price),
            "last_price_stale": self.stale,
            "last_price_age_s": self.quote_age_s,
            "unrealized_pnl": money_str(self.unrealized),
            "day_change": optional_money_str(self.day_change),
        }


def _quotes(cache: redis.Redis, positions: Iterable[_Position]) -> dict[str, CachedQuote]:
    """Last known quotes from the market cache, one round trip; none at all when Redis is away
    (prices go stale)."""
    try:
        return marked_quotes(cache, sorted({p.quote_symbol for p in positions}))
    except redis.exceptions.RedisError as exc:
        logger.warning("market cache unavailable", extra={"error": str(exc)})
        metrics.add_metric(name="MarketCacheUnavailable", unit=MetricUnit.Count, value=1)
        return {}


def _positions(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str | None, include_paper: bool
) -> list[_Position]:
    """The open positions of one account, else of the real accounts (and the paper ones when asked)."""
    docs = open_trades(db, user_id)
    kept = [d for d in docs if in_view(d["accountId"], account=account_id, include_paper=include_paper)]
    return marked_positions(cache, kept)


def open_trades(db: Database[Document], user_id: str, *, built: bool | None = None) -> list[Document]:
    """The user's open trades: from the pairs that have any (tradetrack.db.daily_pnl, kept by every
    recomputation), else, until those are built for the user, from the trades collection
    (`built`: whether they are, when the caller knows)."""
    if aggregates.is_built(db, user_id) if built is None else built:
        return aggregates.open_trades(db, user_id)
    return trades.open_trades(db, user_id)


def open_trades_of_users(db: Database[Document], user_ids: Sequence[str]) -> dict[str, list[Document]]:
    """Each of these users' open trades, as `open_trades` reads them, in at most three queries for
    them all (which are built; the built ones' pairs; the others' trades)."""
    built = aggregates.built_users(db, user_ids)
    return aggregates.open_trades_of_users(db, sorted(built)) | trades.open_trades_of_users(
        db, [user for user in user_ids if user not in built]
    )


@dataclass(frozen=True)
class Marks:
    """The unrealized P&L of open trades at read time (analytics' summary)."""

    pnl: int = 0
    positions: int = 0
    stale: bool = False  # some position has no quote, or one older than STALE_AFTER_S
    oldest_age_s: int | None = None  # the age of the oldest quote used (None: no quote used)

    @property
    def totals(self) -> tuple[int, int]:
        return self.pnl, self.positions


def unrealized_marks(
    cache: redis.Redis, open_docs: Iterable[Document], *, now: datetime | None = None
) -> Marks:
    """These open trades marked at the last known quotes."""
    positions = marked_positions(cache, open_docs, now=now)
    ages = [p.quote_age_s for p in positions if p.quote_age_s is not None]
    return Marks(
        pnl=sum(p.unrealized for p in positions),
        positions=len(positions),
        stale=any(p.stale for p in positions),
        oldest_age_s=max(ages) if ages else None,
    )


def marked_positions(
    cache: redis.Redis, open_docs: Iterable[Document], *, now: datetime | None = None
) -> list[_Position]:
    """Open trades aggregated per (accountId, instrument), valued at the last known quotes (else
    the last fill's price)."""
    grouped: dict[tuple[str, str], _Position] = {}
    for doc in open_docs:
        key = (doc["accountId"], doc["instrument"])
        position = grouped.setdefault(
            key, _Position(doc["accountId"], doc["symbol"], doc["exchange"], doc["segment"])
        )
        sign = 1 if doc["direction"] == "LONG" else -1
        position.quantity += sign * int(doc.get("openQuantity") or 0)
        position.cost += sign * int(doc.get("openCost") or 0)
        position.fallback_price = doc.get("lastPrice") or position.fallback_price
        position.multiplier = int(doc.get("multiplier") or 1)
        position.intraday = position.intraday and doc.get("category") == "intraday"
    found = [p for p in grouped.values() if p.quantity]
    quotes = _quotes(cache, found)
    moment = now or datetime.now(UTC)
    for position in found:
        cached = quotes.get(position.quote_symbol)
        if cached is not None:
            position.quote, position.quote_age_s = cached.quote, cached.age_s(moment)
    return sorted(found, key=lambda p: (p.symbol, p.exchange, p.account_id))


def list_positions(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    *,
    account_id: str | None = None,
    include_paper: bool = False,
) -> PositionList:
    return PositionList(items=[p.out() for p in _positions(db, cache, user_id, account_id, include_paper)])


def portfolio(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    *,
    account_id: str | None = None,
    include_paper: bool = False,
) -> PortfolioOut:
    """Equity delivery holdings (open long, non-intraday EQ positions) with exact totals."""
    held = [
        p
        for p in _positions(db, cache, user_id, account_id, include_paper)
        if p.segment == "EQ" and p.quantity > 0 and not p.intraday
    ]
    invested = sum(p.cost for p in held)
    value = sum(p.value for p in held)
    changes = [p.day_change for p in held]
    ages = [p.quote_age_s for p in held if p.quote_age_s is not None]
    day_change = None if any(c is None for c in changes) else sum(c for c in changes if c is not None)
    return PortfolioOut(
        holdings=[p.holding() for p in held],
        total_invested=money_str(invested),
        total_value=money_str(value),
        unrealized_pnl=money_str(value - invested),
        day_change=optional_money_str(day_change),
        last_price_stale=any(p.stale for p in held),
        last_price_age_s=max(ages) if ages else None,
    )
