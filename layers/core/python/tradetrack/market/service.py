"""GET /v1/market/status and /v1/market/quotes: the calendar, and quotes served from the cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis

from tradetrack.errors import DependencyUnavailable, NotFound, RateLimited
from tradetrack.market.cache import cache_quotes, cached_quotes
from tradetrack.market.calendar import market_status
from tradetrack.market.providers import ProviderError, ProviderRateLimited, QuoteProvider, fetch_in_batches
from tradetrack.market.symbols import canonical_symbol, parse_symbols
from tradetrack.models.market import MarketStatusOut
from tradetrack.observability import logger


def status_at(moment: datetime) -> MarketStatusOut:
    status = market_status(moment)
    return MarketStatusOut(
        status=status.status,
        next_open=status.next_open.isoformat(),
        next_close=status.next_close.isoformat(),
        holiday=status.holiday,
    )


def split_symbols(raw: str) -> list[str]:
    """?symbols=NSE:INFY,NSE:NIFTY 50 → canonical symbols (ValidationFailed: bad, none, or over 100)."""
    return parse_symbols([part for part in raw.split(",") if part.strip()])


def quotes_for(cache: redis.Redis, provider: QuoteProvider, symbols: list[str]) -> dict[str, dict[str, Any]]:
    """{symbol: quote} as asked for, from the cache, fetching the misses from the provider. An index
    alias is quoted as its index (NSE:BANKNIFTY as NSE:NIFTY BANK). NotFound (404) names the symbols
    the provider does not know."""
    names = {symbol: canonical_symbol(symbol) for symbol in symbols}
    wanted = list(dict.fromkeys(names.values()))
    found = cached_quotes(cache, wanted)
    missing = [s for s in wanted if s not in found]
    if missing:
        try:
            fetched = fetch_in_batches(provider, missing)
        except ProviderRateLimited as exc:
            raise RateLimited(
                "the quote provider is rate limiting", retry_after_s=int(exc.retry_after_s) + 1
            ) from None
        except (ProviderError, OSError) as exc:
            logger.warning("quote provider failed", extra={"provider": provider.name, "error": str(exc)})
            raise DependencyUnavailable("quotes", "the quote provider is unavailable") from None
        cache_quotes(cache, fetched.values())
        found.update(fetched)
    unknown = [symbol for symbol in symbols if names[symbol] not in found]
    if unknown:
        raise NotFound(
            f"unknown instrument: {', '.join(unknown[:10])}",
            details=[{"field": "symbols", "issue": "unknown_instrument", "value": s} for s in unknown[:10]],
        )
    return {symbol: found[names[symbol]].to_json() for symbol in symbols}
