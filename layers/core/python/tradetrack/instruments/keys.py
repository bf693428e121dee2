"""Stable instrument identity, so one security or contract is one instrument however it is written.

- Equity: an ISIN names the security across NSE and BSE, series (``-BE``/``-EQ``) and renames
  (``GET&D-BE`` → ``GVT&D`` keep one ISIN), because depositories hold and transfer securities by
  ISIN (Depositories Act, 1996; SEBI (Depositories and Participants) Regulations, 2018).
  Without an ISIN the series-free symbol is the best key, shared by both exchanges.
- Derivatives: a contract lives on one exchange; its key is the exchange plus the parsed contract,
  ``NFO:NIFTY:2024-06-13:CE:22000`` (weekly), ``NFO:NIFTY:2024-06:CE:22000`` (monthly, day not in
  the symbol) and ``NFO:NIFTY:2024-06:FUT``. A symbol that does not parse keeps ``EXCHANGE:SYMBOL``.
"""

from __future__ import annotations

from decimal import Decimal

from tradetrack.instruments.derivatives import Derivative, parse_derivative
from tradetrack.instruments.isin import normalize_isin
from tradetrack.instruments.symbols import base_symbol

EQUITY_SEGMENT = "EQ"
DERIVATIVE_SEGMENTS = frozenset({"FO", "CDS", "COM"})


def decimal_text(value: Decimal) -> str:
    """Plain text without trailing zeros or exponent: 22000.00 → "22000", 83.50 → "83.5"."""
    return format(value.normalize(), "f")


def contract_key(contract: Derivative) -> str:
    """The exchange-free part of a derivative key: ``NIFTY:2024-06-13:CE:22000``."""
    if contract.expiry is not None:
        when = contract.expiry.isoformat()
    else:
        when = f"{contract.year:04d}-{contract.month:02d}"
    parts = [contract.underlying, when, contract.kind]
    if contract.strike is not None:
        parts.append(decimal_text(contract.strike))
    return ":".join(parts)


def instrument_key(*, exchange: str, segment: str, symbol: str, isin: str | None) -> str:
    """The stable identity of an instrument (see module docstring).

    Raises ValueError (from ``normalize_isin``) when an equity's ``isin`` is present but invalid,
    rather than silently splitting a holding between an ISIN key and a symbol key.
    """
    exchange_name = exchange.strip().upper()
    segment_name = segment.strip().upper()
    if segment_name == EQUITY_SEGMENT:
        normalized = normalize_isin(isin)
        if normalized is not None:
            return f"ISIN:{normalized}"
        return f"EQ:{base_symbol(symbol)}"
    if segment_name in DERIVATIVE_SEGMENTS:
        contract = parse_derivative(symbol, exchange_name)
        if contract is not None:
            return f"{exchange_name}:{contract_key(contract)}"
    return f"{exchange_name}:{symbol.strip().upper()}"


def display_symbol(symbol: str, segment: str) -> str:
    """What to show the user: the series-free symbol for equity, the trading symbol otherwise."""
    if segment.strip().upper() == EQUITY_SEGMENT:
        return base_symbol(symbol)
    return symbol
