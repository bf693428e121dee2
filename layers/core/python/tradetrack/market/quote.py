"""A quote, and its JSON form in the Redis cache and the API (decimal strings, IST timestamps)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tradetrack.timeutil import to_ist

_PCT = Decimal("0.01")


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _parse_dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Quote:
    symbol: str
    ltp: Decimal
    ts: datetime
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None  # the previous session's close: the base of change and changePct
    volume: int | None = None

    @property
    def change(self) -> Decimal | None:
        return None if self.close is None else self.ltp - self.close

    @property
    def change_pct(self) -> Decimal | None:
        if self.close is None or self.close == 0:
            return None
        return ((self.ltp - self.close) * 100 / self.close).quantize(_PCT, rounding=ROUND_HALF_EVEN)

    def to_json(self) -> dict[str, Any]:
        """{"ltp","open","high","low","close","change","changePct","volume","ts"}: the cache and API form."""
        return {
            "ltp": _dec(self.ltp),
            "open": _dec(self.open),
            "high": _dec(self.high),
            "low": _dec(self.low),
            "close": _dec(self.close),
            "change": _dec(self.change),
            "changePct": _dec(self.change_pct),
            "volume": self.volume,
            "ts": to_ist(self.ts).isoformat(),
        }

    def to_message(self) -> dict[str, Any]:
        """The WebSocket frame (API.md): {"type":"quote","symbol","ltp","change","changePct","ts"}."""
        body = self.to_json()
        return {
            "type": "quote",
            "symbol": self.symbol,
            "ltp": body["ltp"],
            "change": body["change"],
            "changePct": body["changePct"],
            "ts": body["ts"],
        }

    @classmethod
    def from_json(cls, symbol: str, data: dict[str, Any]) -> Quote:
        ltp = _parse_dec(data["ltp"])
        if ltp is None:
            raise ValueError(f"quote for {symbol} has no last price")
        volume = data.get("volume")
        return cls(
            symbol=symbol,
            ltp=ltp,
            ts=datetime.fromisoformat(str(data["ts"])),
            open=_parse_dec(data.get("open")),
            high=_parse_dec(data.get("high")),
            low=_parse_dec(data.get("low")),
            close=_parse_dec(data.get("close")),
            volume=int(volume) if volume is not None else None,
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))
