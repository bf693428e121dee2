"""Zerodha Kite Connect v3 full market quotes: GET /quote?i=EXCHANGE:SYMBOL&i=... (500 a call, 1 req/s).

Success: {"status": "success", "data": {"NSE:INFY": {"last_price", "ohlc": {open, high, low, close},
"volume", "timestamp": "YYYY-MM-DD HH:MM:SS" (IST), ...}}}. Failure: {"status": "error", "message",
"error_type": "TokenException" | "InputException" | "NetworkException" | ...}; HTTP 429 when rate limited.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradetrack.market.providers.base import ProviderError, ProviderRateLimited, Throttle
from tradetrack.market.providers.http import HttpReply, get_json, retry_after
from tradetrack.market.quote import Quote
from tradetrack.timeutil import IST

KITE_API = "https://api.kite.trade"
Fetcher = Callable[[str, dict[str, str]], HttpReply]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str) and value:
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
        except ValueError:
            pass
    return datetime.now(UTC)


def parse_quote(symbol: str, data: dict[str, Any]) -> Quote:
    ohlc = data.get("ohlc") or {}
    ltp = _decimal(data.get("last_price"))
    if ltp is None:
        raise ProviderError(f"quote for {symbol} has no last_price", error_type="DataException")
    volume = data.get("volume")
    return Quote(
        symbol=symbol,
        ltp=ltp,
        ts=_timestamp(data.get("timestamp")),
        open=_decimal(ohlc.get("open")),
        high=_decimal(ohlc.get("high")),
        low=_decimal(ohlc.get("low")),
        close=_decimal(ohlc.get("close")),
        volume=int(volume) if volume is not None else None,
    )


class KiteQuotes:
    name = "kite"
    max_instruments_per_call = 500

    def __init__(
        self,
        api_key: str,
        access_token: str,
        *,
        base_url: str = KITE_API,
        timeout_s: float = 3.0,
        throttle: Throttle | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self._headers = {"X-Kite-Version": "3", "Authorization": f"token {api_key}:{access_token}"}
        self._base = base_url.rstrip("/")
        self._throttle = throttle or Throttle(1.0)
        self._fetch: Fetcher = fetcher or (lambda url, headers: get_json(url, headers, timeout_s=timeout_s))

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        if not symbols:
            return {}
        if len(symbols) > self.max_instruments_per_call:
            raise ValueError(f"at most {self.max_instruments_per_call} instruments per /quote call")
        query = urllib.parse.urlencode([("i", symbol) for symbol in symbols])
        self._throttle.wait()
        reply = self._fetch(f"{self._base}/quote?{query}", self._headers)
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status == 429:
            raise ProviderRateLimited(
                str(body.get("message") or "too many requests"),
                retry_after_s=retry_after(reply.headers),
                error_type=str(body.get("error_type") or "NetworkException"),
            )
        if reply.status >= 400 or body.get("status") != "success":
            raise ProviderError(
                str(body.get("message") or f"HTTP {reply.status}"),
                error_type=str(body.get("error_type") or "GeneralException"),
                status=reply.status,
            )
        data = body.get("data") or {}
        return {s: parse_quote(s, data[s]) for s in symbols if isinstance(data.get(s), dict)}
