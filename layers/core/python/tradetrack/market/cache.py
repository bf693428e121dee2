"""Quotes in Redis under mkt:quote:{EXCHANGE}:{SYMBOL} for 5 seconds (positions read them too)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import redis

from tradetrack.market.quote import Quote
from tradetrack.observability import logger

QUOTE_TTL_S = 5


def quote_key(symbol: str) -> str:
    return f"mkt:quote:{symbol}"  # symbol is "EXCHANGE:SYMBOL"


def cache_quotes(cache: redis.Redis, quotes: Iterable[Quote], *, ttl_s: int = QUOTE_TTL_S) -> None:
    pipe = cache.pipeline(transaction=False)
    for quote in quotes:
        pipe.set(quote_key(quote.symbol), quote.dumps(), ex=ttl_s)
    pipe.execute()


def cached_quotes(cache: redis.Redis, symbols: Sequence[str]) -> dict[str, Quote]:
    if not symbols:
        return {}
    found: dict[str, Quote] = {}
    for symbol, raw in zip(symbols, cache.mget([quote_key(s) for s in symbols]), strict=True):
        if raw is None:
            continue
        try:
            found[symbol] = Quote.from_json(symbol, json.loads(str(raw)))
        except (ValueError, KeyError, TypeError, ArithmeticError):
            logger.warning("unreadable cached quote ignored", extra={"symbol": symbol})
    return found
