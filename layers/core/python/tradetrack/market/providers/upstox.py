"""Upstox API v2 LTP: GET /v2/market-quote/ltp?instrument_key=NSE_EQ|ISIN,... (Bearer token).

Success: {"status": "success", "data": {"NSE_EQ:INFY": {"last_price": 1530.5,
"instrument_token": "NSE_EQ|INE009A01021"}}} — keyed by trading symbol, so answers are matched
back through instrument_token. Failure: {"status": "error", "errors": [{"errorCode", "message", ...}]}.
LTP carries no OHLC or volume: those fields stay empty (null) in quotes from Upstox.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tradetrack.market.providers.base import ProviderError, ProviderRateLimited, Throttle
from tradetrack.market.providers.http import HttpReply, get_json, retry_after
from tradetrack.market.quote import Quote

UPSTOX_API = "https://api.upstox.com"
Fetcher = Callable[[str, dict[str, str]], HttpReply]

# Upstox names instruments by ISIN (equities) or index name; a deployment can pass a fuller map.
INSTRUMENT_KEYS: dict[str, str] = {
    "NSE:NIFTY 50": "NSE_INDEX|Nifty 50",
    "NSE:NIFTY BANK": "NSE_INDEX|Nifty Bank",
    "NSE:INFY": "NSE_EQ|INE009A01021",
    "NSE:RELIANCE": "NSE_EQ|INE002A01018",
    "NSE:TCS": "NSE_EQ|INE467B01029",
    "NSE:HDFCBANK": "NSE_EQ|INE040A01034",
    "NSE:ICICIBANK": "NSE_EQ|INE090A01021",
    "NSE:SBIN": "NSE_EQ|INE062A01020",
    "NSE:ITC": "NSE_EQ|INE154A01025",
    "NSE:HINDUNILVR": "NSE_EQ|INE030A01027",
    "NSE:BHARTIARTL": "NSE_EQ|INE397D01024",
    "NSE:KOTAKBANK": "NSE_EQ|INE237A01028",
    "NSE:LT": "NSE_EQ|INE018A01030",
    "NSE:AXISBANK": "NSE_EQ|INE238A01034",
    "NSE:WIPRO": "NSE_EQ|INE075A01022",
    "NSE:MARUTI": "NSE_EQ|INE585B01010",
    "NSE:NHPC": "NSE_EQ|INE848E01016",
}


class UpstoxQuotes:
    name = "upstox"
    max_instruments_per_call = 500

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = UPSTOX_API,
        instrument_keys: Mapping[str, str] | None = None,
        timeout_s: float = 3.0,
        throttle: Throttle | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self._headers = {"Accept": "application/json", "Authorization": f"Bearer {access_token}"}
        self._base = base_url.rstrip("/")
        self._keys = dict(instrument_keys or INSTRUMENT_KEYS)
        self._throttle = throttle or Throttle(1 / 25)  # Upstox allows 50 requests/s: stay at half
        self._fetch: Fetcher = fetcher or (lambda url, headers: get_json(url, headers, timeout_s=timeout_s))

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        wanted = {self._keys[s]: s for s in symbols if s in self._keys}
        if not wanted:
            return {}
        if len(wanted) > self.max_instruments_per_call:
            raise ValueError(f"at most {self.max_instruments_per_call} instrument keys per LTP call")
        query = urllib.parse.urlencode({"instrument_key": ",".join(wanted)})
        self._throttle.wait()
        reply = self._fetch(f"{self._base}/v2/market-quote/ltp?{query}", self._headers)
        body = reply.body if isinstance(reply.body, dict) else {}
        errors = body.get("errors") or [{}]
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        code = str(first.get("errorCode") or first.get("error_code") or "UpstoxError")
        message = str(first.get("message") or f"HTTP {reply.status}")
        if reply.status == 429:
            raise ProviderRateLimited(message, retry_after_s=retry_after(reply.headers), error_type=code)
        if reply.status >= 400 or body.get("status") != "success":
            raise ProviderError(message, error_type=code, status=reply.status)
        now = datetime.now(UTC)
        quotes: dict[str, Quote] = {}
        for item in (body.get("data") or {}).values():
            if not isinstance(item, dict):
                continue
            symbol = wanted.get(str(item.get("instrument_token")))
            price = item.get("last_price")
            if symbol is not None and price is not None:
                quotes[symbol] = Quote(symbol=symbol, ltp=Decimal(str(price)), ts=now)
        return quotes
