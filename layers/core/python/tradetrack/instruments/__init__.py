"""Instrument identity: ISINs, series-free symbols, parsed derivative contracts, stable keys.

Pure functions only (no I/O); see each module for the rules and their sources.
"""

from tradetrack.instruments.derivatives import Derivative, DerivativeKind, parse_derivative
from tradetrack.instruments.isin import is_valid_isin, normalize_isin
from tradetrack.instruments.keys import contract_key, display_symbol, instrument_key
from tradetrack.instruments.symbols import KNOWN_SERIES, base_symbol, split_series

__all__ = [
    "KNOWN_SERIES",
    "Derivative",
    "DerivativeKind",
    "base_symbol",
    "contract_key",
    "display_symbol",
    "instrument_key",
    "is_valid_isin",
    "normalize_isin",
    "parse_derivative",
    "split_series",
]
