"""Futures and options trading symbols as Zerodha (Kite) and the exchanges write them.

Formats (Zerodha Kite Connect instrument dump, https://kite.trade/docs/connect/v3/market-quotes/
#instruments, and the Kite forum answers by Zerodha staff at https://kite.trade/forum/discussion/6637,
https://kite.trade/forum/discussion/7104 and https://kite.trade/forum/discussion/8981 on the weekly
month codes):

- monthly future:  UNDERLYING + YY + MON + "FUT"             NIFTY24JUNFUT, CRUDEOIL24AUGFUT
- monthly option:  UNDERLYING + YY + MON + STRIKE + CE|PE    NIFTY24JUN22000CE, USDINR24JUL83.5CE
- weekly option:   UNDERLYING + YY + M + DD + STRIKE + CE|PE NIFTY2461322000CE (2024-06-13)

MON is JAN..DEC; M is 1..9 for January..September and O, N, D for October..December. Only the
weekly form carries the expiry day; a monthly contract's day (the exchange's last expiry day of the
month) is not in the symbol and is left unknown. Strikes may be fractional (currency and some stock
options, e.g. 83.5). The same format is used on NFO, BFO, CDS, BCD and MCX, and by brokers that
report derivatives under NSE/BSE with a separate segment, so ``exchange`` does not change parsing.

Underlyings may contain digits, ``&`` and ``-`` (NIFTYNXT50, M&M, BAJAJ-AUTO), so the symbol is read
from the right. The monthly form is tried first: its three-letter month makes the split exact. The
weekly form is all digits from the year to the option type, so an underlying ending in digits
cannot be told apart from the year by grammar alone. A weekly underlying therefore ends in a
non-digit (NIFTY, BANKNIFTY, 3MINDIA) unless it is one of the index names ending in a number that
have had derivatives, listed in NUMBERED_UNDERLYINGS: NIFTYNXT50 (NSE, from 24 April 2024) and
SENSEX50 (BSE, F&O from 14 March 2017, weekly contracts from 26 October 2018 per BSE circulars).
Among the remaining splits the shortest underlying with a real calendar date and a strike without a
leading zero wins, so NIFTY2463122000CE (a 31 June) is rejected rather than re-read some other way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Literal

DerivativeKind = Literal["FUT", "CE", "PE"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NUMBER = {name: number for number, name in enumerate(_MONTHS, start=1)}
_WEEKLY_MONTH = {**{str(number): number for number in range(1, 10)}, "O": 10, "N": 11, "D": 12}

_UNDERLYING = r"[A-Z0-9][A-Z0-9&\-_.]*"
_STRIKE = r"(?:[1-9][0-9]*(?:\.[0-9]+)?|0\.[0-9]+)"
_MONTHLY = re.compile(
    rf"(?P<underlying>{_UNDERLYING})(?P<yy>[0-9]{{2}})(?P<mon>{'|'.join(_MONTHS)})"
    rf"(?:(?P<fut>FUT)|(?P<strike>{_STRIKE})(?P<kind>CE|PE))"
)
_WEEKLY_TAIL = re.compile(r"(?P<body>.+)(?P<kind>CE|PE)")
_UNDERLYING_RE = re.compile(_UNDERLYING)
_STRIKE_RE = re.compile(_STRIKE)
_LETTER = re.compile(r"[A-Z]")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
_DIGITS = frozenset("0123456789")
NUMBERED_UNDERLYINGS = ("NIFTYNXT50", "SENSEX50")


@dataclass(frozen=True, slots=True)
class Derivative:
    """One contract. ``expiry`` is set only when the symbol names the day (weekly options)."""

    underlying: str
    year: int
    month: int
    expiry: date | None
    kind: DerivativeKind
    strike: Decimal | None


def _is_underlying(text: str) -> bool:
    return bool(_UNDERLYING_RE.fullmatch(text)) and bool(_LETTER.search(text))


def _strike(text: str) -> Decimal | None:
    if not _STRIKE_RE.fullmatch(text):
        return None
    value = Decimal(text)
    return value if value > 0 else None


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _monthly(symbol: str) -> Derivative | None:
    match = _MONTHLY.fullmatch(symbol)
    if match is None or not _is_underlying(match["underlying"]):
        return None
    year, month = 2000 + int(match["yy"]), _MONTH_NUMBER[match["mon"]]
    if match["fut"]:
        return Derivative(match["underlying"], year, month, None, "FUT", None)
    strike = _strike(match["strike"])
    if strike is None:
        return None
    kind: DerivativeKind = "CE" if match["kind"] == "CE" else "PE"
    return Derivative(match["underlying"], year, month, None, kind, strike)


def _weekly_cuts(body: str) -> list[int]:
    """Where the underlying may end: after a known numbered index name, else after a non-digit."""
    known = [len(name) for name in NUMBERED_UNDERLYINGS if body.startswith(name)]
    return known + [cut for cut in range(1, len(body)) if body[cut - 1] not in _DIGITS]


def _weekly(symbol: str) -> Derivative | None:
    tail = _WEEKLY_TAIL.fullmatch(symbol)
    if tail is None:
        return None
    body = tail["body"]
    kind: DerivativeKind = "CE" if tail["kind"] == "CE" else "PE"
    # body = underlying + YY(2) + M(1) + DD(2) + strike(>=1 char)
    for cut in _weekly_cuts(body):
        underlying, digits = body[:cut], body[cut:]
        yy, code, dd, strike_text = digits[:2], digits[2:3], digits[3:5], digits[5:]
        month = _WEEKLY_MONTH.get(code)
        if (
            month is None
            or not (_TWO_DIGITS.fullmatch(yy) and _TWO_DIGITS.fullmatch(dd))
            or not _is_underlying(underlying)
        ):
            continue
        expiry = _calendar_date(2000 + int(yy), month, int(dd))
        strike = _strike(strike_text)
        if expiry is not None and strike is not None:
            return Derivative(underlying, expiry.year, month, expiry, kind, strike)
    return None


def parse_derivative(symbol: str, exchange: str) -> Derivative | None:
    """The contract a futures/options trading symbol names, or None for anything else.

    ``exchange`` (NFO, BFO, CDS, BCD, MCX, or NSE/BSE as some brokers report F&O) is accepted so
    callers need not special-case segments; all of them share the format above.
    """
    del exchange  # every supported exchange uses the same trading-symbol grammar
    return _parsed(symbol)


@lru_cache(maxsize=8192)  # a sync or an import sees a few symbols many times (4 parses per fill)
def _parsed(symbol: str) -> Derivative | None:
    text = symbol.strip().upper()
    return _monthly(text) or _weekly(text)
