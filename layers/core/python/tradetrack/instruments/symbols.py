"""Exchange series suffixes on equity trading symbols.

Brokers write an NSE series after the symbol with a hyphen (``SCHNEIDER-BE``, ``SBIN-EQ``); the
series decides settlement (rolling vs trade-for-trade) but not the security, which is the same
demat holding whatever the series. The codes below come from NSE's "Legend of series"
(https://www.nseindia.com/market-data/legend-of-series):

- equity/ETF: EQ (rolling), BE and BZ (trade for trade); SME: SM, ST, SZ; block deals: BL;
  buyback window: BO; shares held physically: BT; foreign-investor windows: IL, IQ;
- partly paid shares E1-E9 / X1-X9; close-ended fund units MF / ME; InvITs IV / ID;
  REITs RR / RT; sovereign gold bonds GB; G-secs GS, state loans SG, T-bills TB;
- numbered families, digits only: non-convertible debt N0-N9, Y0-Y9, Z0-Z9; preference shares
  P1-P9 / O1-O9 and Q1-Q9 / F1-F9; convertible debt D1-D9 / S1-S9; warrants W1-W9 / K1-K9.

NSE also allots letter variants of those families (NA, PB, ...); they are left out on purpose, so
only a suffix that is certainly a series is removed. Hyphens that belong to the name stay:
``BAJAJ-AUTO``, ``MCDOWELL-N`` and ``NAM-INDIA`` are symbols, not symbol + series.
"""

from __future__ import annotations

_FIXED = frozenset(
    {"EQ", "BE", "BZ", "SM", "ST", "SZ", "BL", "BO", "BT", "IL", "IQ", "MF", "ME", "IV", "ID", "RR", "RT"}
    | {"GB", "GS", "SG", "TB"}
)
_ONE_TO_NINE = "123456789"
_ZERO_TO_NINE = "0123456789"
_NUMBERED = {"E": _ONE_TO_NINE, "X": _ONE_TO_NINE, "N": _ZERO_TO_NINE, "Y": _ZERO_TO_NINE, "Z": _ZERO_TO_NINE}
_NUMBERED |= dict.fromkeys("POQFDSWK", _ONE_TO_NINE)

KNOWN_SERIES: frozenset[str] = _FIXED | frozenset(
    family + digit for family, digits in _NUMBERED.items() for digit in digits
)


def split_series(symbol: str) -> tuple[str, str | None]:
    """``"SCHNEIDER-BE"`` → ``("SCHNEIDER", "BE")``; a symbol without a known series → ``(symbol, None)``.

    The symbol is stripped and upper-cased first.
    """
    text = symbol.strip().upper()
    base, hyphen, suffix = text.rpartition("-")
    if hyphen and base and suffix in KNOWN_SERIES:
        return base, suffix
    return text, None


def base_symbol(symbol: str) -> str:
    """The symbol without a trailing ``-XX`` known series code: ``SCHNEIDER-BE`` → ``SCHNEIDER``."""
    return split_series(symbol)[0]
