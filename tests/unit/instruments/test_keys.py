"""Stable instrument keys: ISIN for equity, exchange + parsed contract for derivatives."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradetrack.instruments.keys import display_symbol, instrument_key
from tradetrack.instruments.symbols import KNOWN_SERIES


def test_equity_with_an_isin_is_keyed_by_isin_across_exchange_series_and_rename() -> None:
    # Given the same GE T&D ISIN seen as GET&D-BE on NSE, GET&D on BSE and GVT&D after the rename
    isin = "INE200A01026"
    keys = {
        instrument_key(exchange="NSE", segment="EQ", symbol="GET&D-BE", isin=isin),
        instrument_key(exchange="BSE", segment="EQ", symbol="GET&D", isin=isin),
        instrument_key(exchange="NSE", segment="EQ", symbol="GVT&D", isin=isin.lower()),
    }
    # Then all three are one instrument
    assert keys == {f"ISIN:{isin}"}


def test_equity_without_an_isin_shares_one_key_on_nse_and_bse() -> None:
    nse = instrument_key(exchange="NSE", segment="EQ", symbol="SCHNEIDER-BE", isin=None)
    bse = instrument_key(exchange="BSE", segment="EQ", symbol="SCHNEIDER", isin="  ")
    assert nse == bse == "EQ:SCHNEIDER"


def test_equity_with_an_invalid_isin_is_refused() -> None:
    with pytest.raises(ValueError, match="check digit"):
        instrument_key(exchange="NSE", segment="EQ", symbol="INFY", isin="INE009A01022")


def test_equity_symbol_that_parses_like_a_derivative_stays_equity() -> None:
    # Given segment EQ / Then the symbol is never read as a contract
    assert instrument_key(exchange="NSE", segment="eq", symbol="BAJAJ-AUTO", isin=None) == "EQ:BAJAJ-AUTO"


@pytest.mark.parametrize(
    ("exchange", "segment", "symbol", "expected"),
    [
        ("NFO", "FO", "NIFTY2461322000CE", "NFO:NIFTY:2024-06-13:CE:22000"),
        ("NFO", "FO", "NIFTY24JUNFUT", "NFO:NIFTY:2024-06:FUT"),
        ("NFO", "FO", "NIFTY24JUN22000CE", "NFO:NIFTY:2024-06:CE:22000"),
        ("NFO", "FO", "BANKNIFTY24O0951000PE", "NFO:BANKNIFTY:2024-10-09:PE:51000"),
        ("NFO", "FO", "M&M24JUN2500CE", "NFO:M&M:2024-06:CE:2500"),
        ("CDS", "CDS", "USDINR24JUL83.50CE", "CDS:USDINR:2024-07:CE:83.5"),
        ("CDS", "CDS", "USDINR24JUL83.5CE", "CDS:USDINR:2024-07:CE:83.5"),
        ("MCX", "COM", "CRUDEOIL24AUGFUT", "MCX:CRUDEOIL:2024-08:FUT"),
        ("BFO", "FO", "SENSEX2461474000PE", "BFO:SENSEX:2024-06-14:PE:74000"),
        ("nfo", "fo", "nifty24junfut", "NFO:NIFTY:2024-06:FUT"),
    ],
)
def test_derivative_keys_name_exchange_and_contract(
    exchange: str, segment: str, symbol: str, expected: str
) -> None:
    assert instrument_key(exchange=exchange, segment=segment, symbol=symbol, isin=None) == expected


def test_same_contract_on_two_exchanges_is_two_instruments() -> None:
    nfo = instrument_key(exchange="NFO", segment="FO", symbol="NIFTY24JUNFUT", isin=None)
    bfo = instrument_key(exchange="BFO", segment="FO", symbol="NIFTY24JUNFUT", isin=None)
    assert nfo != bfo


def test_derivative_ignores_an_isin() -> None:
    with_isin = instrument_key(exchange="NFO", segment="FO", symbol="NIFTY24JUNFUT", isin="INE009A01021")
    assert with_isin == "NFO:NIFTY:2024-06:FUT"


@pytest.mark.parametrize(
    ("exchange", "segment", "symbol", "expected"),
    [
        ("NFO", "FO", "NIFTY2463122000CE", "NFO:NIFTY2463122000CE"),  # 31 June: not a contract
        ("NFO", "FO", "SOMETHINGODD", "NFO:SOMETHINGODD"),
        ("NSE", "MF", "LIQUIDBEES", "NSE:LIQUIDBEES"),  # unknown segment
    ],
)
def test_unparsed_symbols_fall_back_to_exchange_and_symbol(
    exchange: str, segment: str, symbol: str, expected: str
) -> None:
    assert instrument_key(exchange=exchange, segment=segment, symbol=symbol, isin=None) == expected


@pytest.mark.parametrize(
    ("symbol", "segment", "expected"),
    [
        ("SCHNEIDER-BE", "EQ", "SCHNEIDER"),
        ("BAJAJ-AUTO", "EQ", "BAJAJ-AUTO"),
        ("NIFTY24JUNFUT", "FO", "NIFTY24JUNFUT"),
        ("USDINR24JUL83.5CE", "CDS", "USDINR24JUL83.5CE"),
    ],
)
def test_display_symbol(symbol: str, segment: str, expected: str) -> None:
    assert display_symbol(symbol, segment) == expected


BASES = st.text(alphabet=string.ascii_uppercase + string.digits + "&", min_size=1, max_size=20).filter(
    lambda text: text[0] != "&"
)


@given(base=BASES, series=st.sampled_from(sorted(KNOWN_SERIES)), exchange=st.sampled_from(["NSE", "BSE"]))
def test_series_never_splits_an_equity(base: str, series: str, exchange: str) -> None:
    # Given any equity symbol and any known NSE series / When keyed with and without the series
    # Then both are the same instrument, on either exchange
    with_series = instrument_key(exchange=exchange, segment="EQ", symbol=f"{base}-{series}", isin=None)
    assert with_series == instrument_key(exchange="NSE", segment="EQ", symbol=base, isin=None)


@given(base=BASES)
def test_be_series_is_the_same_instrument(base: str) -> None:
    be = instrument_key(exchange="NSE", segment="EQ", symbol=base + "-BE", isin=None)
    assert be == instrument_key(exchange="NSE", segment="EQ", symbol=base, isin=None) == f"EQ:{base}"
