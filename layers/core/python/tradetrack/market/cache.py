"""Quotes in Redis under mkt:quote:{EXCHANGE}:{SYMBOL}, with the time they were fetched.

A quote counts as fresh for QUOTE_TTL_S (5 s): GET /v1/market/quotes serves it without asking the
provider again. The key itself lives LAST_QUOTE_TTL_S (a week, over any weekend and holiday), so
positions, the portfolio and the analytics summary can always mark open positions at the last
known price, flagged with its age (`marked_quotes`), instead of falling back to the last fill.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from tradetrack.market.quote import Quote
from tradetrack.observability import logger

QUOTE_TTL_S = 5  # fresh for the quotes route
LAST_QUOTE_TTL_S = 7 * 24 * 3600  # kept as the last known price for marks
STALE_AFTER_S = 90  # a mark older than this is flagged stale (the feed runs at least once a minute)
_FETCHED = "fetchedAt"


@dataclass(frozen=True)
class CachedQuote:
    quote: Quote
    # when the feed (or the quotes route) fetched it; None: written by the previous release, whose
    # keys lived 5 s, so it is fresh
    fetched_at: datetime | None

    def age_s(self, now: datetime) -> int:
        if self.fetched_at is None:
            return 0
        return max(0, int((now - self.fetched_at).total_seconds()))


def quote_key(symbol: str) -> str:
    return f"mkt:quote:{symbol}"  # symbol is "EXCHANGE:SYMBOL"


def cache_quotes(
    cache: redis.Redis,
    quotes: Iterable[Quote],
    *,
    ttl_s: int = LAST_QUOTE_TTL_S,
    now: datetime | None = None,
) -> None:
    """Store quotes fetched `now` (default: the current time); each key lives `ttl_s`."""
    fetched = (now or datetime.now(UTC)).isoformat()
    pipe = cache.pipeline(transaction=False)
    for quote in quotes:
        body: dict[str, Any] = quote.to_json() | {_FETCHED: fetched}
        pipe.set(quote_key(quote.symbol), json.dumps(body, separators=(",", ":")), ex=ttl_s)
    pipe.execute()


def _read(symbol: str, raw: Any) -> CachedQuote | None:
    try:
        data = json.loads(str(raw))
        quote = Quote.from_json(symbol, data)
        fetched = data.get(_FETCHED)
        at = datetime.fromisoformat(str(fetched)) if fetched else None
        return CachedQuote(quote, at if at is None or at.tzinfo else at.replace(tzinfo=UTC))
    except (ValueError, KeyError, TypeError, ArithmeticError, AttributeError):
        logger.warning("unreadable cached quote ignored", extra={"symbol": symbol})
        return None


def marked_quotes(cache: redis.Redis, symbols: Sequence[str]) -> dict[str, CachedQuote]:
    """The last known quote of each symbol (any age), one round trip; unknown symbols left out."""
    if not symbols:
        return {}
    found: dict[str, CachedQuote] = {}
    for symbol, raw in zip(symbols, cache.mget([quote_key(s) for s in symbols]), strict=True):
        if raw is not None and (cached := _read(symbol, raw)) is not None:
            found[symbol] = cached
    return found


def cached_quotes(
    cache: redis.Redis,
    symbols: Sequence[str],
    *,
    max_age_s: int = QUOTE_TTL_S,
    now: datetime | None = None,
) -> dict[str, Quote]:
    """The quotes fetched at most `max_age_s` ago (the quotes route's cache hits)."""
    moment = now or datetime.now(UTC)
    return {
        symbol: cached.quote
        for symbol, cached in marked_quotes(cache, symbols).items()
        if cached.age_s(moment) <= max_age_s
    }
