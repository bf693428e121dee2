"""Instrument symbols as clients write them: "EXCHANGE:TRADINGSYMBOL" ("NSE:INFY", "NSE:NIFTY 50")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tradetrack.errors import ValidationFailed

MAX_SYMBOLS = 100
EXCHANGES = ("NSE", "BSE", "NFO", "BFO", "MCX", "CDS")
_SYMBOL = re.compile(r"^(?:" + "|".join(EXCHANGES) + r"):[A-Z0-9][A-Z0-9 &_.\-]{0,39}$")


# Index names as traders write them (the F&O underlyings) → the exchange's index name, which Kite
# quotes (NSE:NIFTY BANK, NSE:NIFTY 50): one instrument, whichever name is asked for.
INDEX_ALIASES: dict[str, str] = {
    "NSE:NIFTY": "NSE:NIFTY 50",
    "NSE:NIFTY50": "NSE:NIFTY 50",
    "NSE:BANKNIFTY": "NSE:NIFTY BANK",
    "NSE:NIFTYBANK": "NSE:NIFTY BANK",
    "NSE:FINNIFTY": "NSE:NIFTY FIN SERVICE",
    "NSE:MIDCPNIFTY": "NSE:NIFTY MID SELECT",
    "BSE:BSESENSEX": "BSE:SENSEX",
}


def quote_symbol(exchange: str, symbol: str) -> str:
    """The quote key of an instrument as trades and positions store it ("NSE", "INFY" → "NSE:INFY")."""
    return f"{exchange}:{symbol}"


def canonical_symbol(symbol: str) -> str:
    """The one name of an instrument known by several (index aliases); other symbols unchanged."""
    return INDEX_ALIASES.get(symbol, symbol)


def normalize_symbol(raw: str) -> str | None:
    """The canonical form (upper case, trimmed), or None when it is not a symbol."""
    value = raw.strip().upper()
    return value if _SYMBOL.match(value) and not value.endswith(" ") else None


def parse_symbols(raw: Iterable[str], *, field: str = "symbols", limit: int = MAX_SYMBOLS) -> list[str]:
    """Distinct canonical symbols in order, or ValidationFailed naming the bad ones."""
    seen: dict[str, None] = {}
    bad: list[str] = []
    for item in raw:
        symbol = normalize_symbol(item) if isinstance(item, str) else None
        if symbol is None:
            bad.append(str(item)[:64])
        else:
            seen.setdefault(symbol, None)
    if bad:
        raise ValidationFailed(
            "not a symbol of the form EXCHANGE:SYMBOL",
            details=[{"field": field, "issue": "invalid_symbol", "value": value} for value in bad[:10]],
        )
    if not seen:
        raise ValidationFailed("at least one symbol is required", details=[{"field": field}])
    if len(seen) > limit:
        raise ValidationFailed(
            f"at most {limit} symbols", details=[{"field": field, "issue": "too_many", "limit": limit}]
        )
    return list(seen)
