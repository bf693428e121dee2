"""Matching resting orders against quotes (a tick's, the cache's, or the feed's), through the price
index; the feed's pass also expires DAY orders."""

from __future__ import annotations

from decimal import Decimal

import redis
from pymongo.database import Database

from tradetrack.market.cache import STALE_AFTER_S, cache_quotes, cached_quotes, marked_quotes
from tradetrack.market.providers import ProviderError, QuoteProvider, fetch_in_batches
from tradetrack.money import to_scaled
from tradetrack.observability import logger
from tradetrack.paper import repository as repo
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.expiry import expire_day_orders
from tradetrack.paper.fills import fill_order


def match_tick(
    db: Database[Document], cache: redis.Redis, quotes: dict[str, Decimal], *, now: Clock = utc_now
) -> int:
    """Fill the resting limit orders that `quotes` ({EXCHANGE:SYMBOL: last price}) cross, found
    through the price index; each fills at the quote (at or better than its limit). Returns fills."""
    filled = 0
    for symbol, ltp in quotes.items():
        price = to_scaled(ltp)
        for order in repo.crossed(db, symbol, price):
            if fill_order(db, cache, order["_id"], price, now=now) is not None:
                filled += 1
    return filled


def match_cached(db: Database[Document], cache: redis.Redis, *, now: Clock = utc_now) -> int:
    """One matching pass over the instruments with resting orders, at their cached quotes."""
    symbols = repo.resting_symbols(db)
    quotes = marked_quotes(cache, symbols)
    return match_tick(db, cache, {s: q.quote.ltp for s, q in quotes.items()}, now=now)


def match_feed(
    db: Database[Document], cache: redis.Redis, provider: QuoteProvider, *, now: Clock = utc_now
) -> int:
    """The feed's matching pass: the resting orders' instruments quoted (from the cache when fresh,
    else from the provider, then cached), then matched. A provider failure matches what is cached."""
    symbols = repo.resting_symbols(db)
    quotes = cached_quotes(cache, symbols, max_age_s=STALE_AFTER_S)
    missing = [s for s in symbols if s not in quotes]
    if missing:
        try:
            fetched = fetch_in_batches(provider, missing)
        except (ProviderError, OSError) as exc:
            logger.warning("paper matching: quotes unavailable", extra={"error": str(exc)})
            fetched = {}
        cache_quotes(cache, fetched.values())
        quotes.update(fetched)
    filled = match_tick(db, cache, {s: q.ltp for s, q in quotes.items()}, now=now)
    expire_day_orders(db, cache, now=now)
    return filled
