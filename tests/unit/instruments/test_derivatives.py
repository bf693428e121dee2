"""Zerodha/NSE F&O trading symbols parsed into contracts; everything else is not a derivative."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradetrack.instruments.derivatives import Derivative, DerivativeKind, parse_derivative

D = Decimal


@pytest.mark.parametrize(
    ("symbol", "exchange", "expected"),
    [
        # monthly futures: day of expiry not in the symbol
        ("NIFTY24JUNFUT", "NFO", Derivative("NIFTY", 2024, 6, None, "FUT", None)),
        ("BANKNIFTY24DECFUT", "NFO", Derivative("BANKNIFTY", 2024, 12, None, "FUT", None)),
        ("CRUDEOIL24AUGFUT", "MCX", Derivative("CRUDEOIL", 2024, 8, None, "FUT", None)),
        ("USDINR24JULFUT", "CDS", Derivative("USDINR", 2024, 7, None, "FUT", None)),
        ("NIFTYNXT5024JUNFUT", "NFO", Derivative("NIFTYNXT50", 2024, 6, None, "FUT", None)),
        # monthly options
        ("NIFTY24JUN22000CE", "NFO", Derivative("NIFTY", 2024, 6, None, "CE", D(22000))),
        ("RELIANCE24JUL2900PE", "NFO", Derivative("RELIANCE", 2024, 7, None, "PE", D(2900))),
        ("USDINR24JUL83.5CE", "CDS", Derivative("USDINR", 2024, 7, None, "CE", D("83.5"))),
        ("M&M24JUN2500CE", "NFO", Derivative("M&M", 2024, 6, None, "CE", D(2500))),
        ("BAJAJ-AUTO24JUN9000CE", "NFO", Derivative("BAJAJ-AUTO", 2024, 6, None, "CE", D(9000))),
        ("IDFCFIRSTB24JUN77.5PE", "NFO", Derivative("IDFCFIRSTB", 2024, 6, None, "PE", D("77.5"))),
        ("CRUDEOIL24AUG6500CE", "MCX", Derivative("CRUDEOIL", 2024, 8, None, "CE", D(6500))),
        # weekly options: YY + M (1-9, O, N, D) + DD
        ("NIFTY2461322000CE", "NFO", Derivative("NIFTY", 2024, 6, date(2024, 6, 13), "CE", D(22000))),
        (
            "BANKNIFTY24O0951000PE",
            "NFO",
            Derivative("BANKNIFTY", 2024, 10, date(2024, 10, 9), "PE", D(51000)),
        ),
        ("NIFTY20D1713600CE", "NFO", Derivative("NIFTY", 2020, 12, date(2020, 12, 17), "CE", D(13600))),
        ("NIFTY24N0724000PE", "NFO", Derivative("NIFTY", 2024, 11, date(2024, 11, 7), "PE", D(24000))),
        ("BANKNIFTY2192331200PE", "NFO", Derivative("BANKNIFTY", 2021, 9, date(2021, 9, 23), "PE", D(31200))),
        ("MIDCPNIFTY225246550CE", "NFO", Derivative("MIDCPNIFTY", 2022, 5, date(2022, 5, 24), "CE", D(6550))),
        ("SENSEX2461474000CE", "BFO", Derivative("SENSEX", 2024, 6, date(2024, 6, 14), "CE", D(74000))),
        ("SENSEX502461474000CE", "BFO", Derivative("SENSEX50", 2024, 6, date(2024, 6, 14), "CE", D(74000))),
        (
            "NIFTYNXT502461322000CE",
            "NFO",
            Derivative("NIFTYNXT50", 2024, 6, date(2024, 6, 13), "CE", D(22000)),
        ),
        ("USDINR2461483.25PE", "CDS", Derivative("USDINR", 2024, 6, date(2024, 6, 14), "PE", D("83.25"))),
        ("NIFTY2422922000CE", "NFO", Derivative("NIFTY", 2024, 2, date(2024, 2, 29), "CE", D(22000))),
    ],
)
def test_real_trading_symbols_parse(symbol: str, exchange: str, expected: Derivative) -> None:
    # Given a trading symbol as Zerodha writes it / When parsed / Then every field of the contract is read
    assert parse_derivative(symbol, exchange) == expected


@pytest.mark.parametrize(
    "symbol",
    [
        "INFY",
        "RELIANCE",  # ends in "CE" but has no expiry or strike
        "3MINDIA",
        "SCHNEIDER-BE",
        "BAJAJ-AUTO",
        "M&M",
        "NIFTYBEES",
        "MON100",
        "NIFTY",
        "",
        "24JUNFUT",  # no underlying
        "24613220CE",  # no underlying (digits only)
        "NIFTY24JUNE22000CE",  # not a month code
        "NIFTY24JUN0CE",  # zero strike
        "NIFTY24JUN022000CE",  # strike with a leading zero
        "NIFTY24JUN22000XE",
        "NIFTY24JUNFUTCE",
    ],
)
def test_non_derivatives_are_none(symbol: str) -> None:
    assert parse_derivative(symbol, "NFO") is None


@pytest.mark.parametrize(
    "symbol",
    [
        "NIFTY2463122000CE",  # 31 June
        "NIFTY2322922000CE",  # 29 February 2023
        "NIFTY24O3222000CE",  # 32 October
        "NIFTY2460022000CE",  # day 00
        "NIFTY2406022000CE",  # month code 0 does not exist
    ],
)
def test_weekly_symbols_with_impossible_dates_are_none(symbol: str) -> None:
    # Given a weekly-shaped symbol whose date is not on the calendar / Then it is not re-read another way
    assert parse_derivative(symbol, "NFO") is None


def test_three_letter_month_wins_over_a_weekly_reading() -> None:
    # Given a monthly option whose strike digits could also spell YY M DD + strike
    # When parsed / Then it is the monthly contract with the whole number as strike
    assert parse_derivative("NIFTY24JUN2411510CE", "NFO") == Derivative(
        "NIFTY", 2024, 6, None, "CE", D(2411510)
    )


def test_case_and_surrounding_space_do_not_matter() -> None:
    assert parse_derivative("  nifty24junfut\n", "NFO") == parse_derivative("NIFTY24JUNFUT", "NFO")


@pytest.mark.parametrize("exchange", ["NFO", "NSE", "BFO", "CDS", "MCX", "nfo"])
def test_exchange_does_not_change_the_reading(exchange: str) -> None:
    # Given brokers that report F&O under NSE with a segment column, or under NFO / Then same contract
    assert parse_derivative("NIFTY2461322000CE", exchange) == Derivative(
        "NIFTY", 2024, 6, date(2024, 6, 13), "CE", D(22000)
    )


_WEEKLY_CODE = {10: "O", 11: "N", 12: "D"}


def weekly_symbol(underlying: str, expiry: date, strike: int, kind: str) -> str:
    code = _WEEKLY_CODE.get(expiry.month, str(expiry.month))
    return f"{underlying}{expiry:%y}{code}{expiry:%d}{strike}{kind}"


UNDERLYINGS = st.sampled_from(
    ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX", "BANKEX", "NIFTYNXT50", "SENSEX50", "M&M"]
)
# Weekly contracts began in 2016 (BANKNIFTY). From 2050 "SENSEX" + "50..." is ambiguous with SENSEX50.
EXPIRIES = st.dates(min_value=date(2016, 1, 1), max_value=date(2049, 12, 31))


@given(
    underlying=UNDERLYINGS,
    expiry=EXPIRIES,
    strike=st.integers(min_value=1, max_value=200_000),
    kind=st.sampled_from(["CE", "PE"]),
)
def test_weekly_symbols_round_trip(underlying: str, expiry: date, strike: int, kind: DerivativeKind) -> None:
    # Given a weekly symbol built from a real date / When parsed / Then every field comes back unchanged
    parsed = parse_derivative(weekly_symbol(underlying, expiry, strike, kind), "NFO")
    assert parsed == Derivative(underlying, expiry.year, expiry.month, expiry, kind, D(strike))


@given(
    underlying=UNDERLYINGS,
    expiry=EXPIRIES,
    strike=st.integers(min_value=1, max_value=200_000),
)
def test_monthly_symbols_round_trip(underlying: str, expiry: date, strike: int) -> None:
    month = expiry.strftime("%b").upper()
    future = parse_derivative(f"{underlying}{expiry:%y}{month}FUT", "NFO")
    option = parse_derivative(f"{underlying}{expiry:%y}{month}{strike}PE", "NFO")
    assert future == Derivative(underlying, expiry.year, expiry.month, None, "FUT", None)
    assert option == Derivative(underlying, expiry.year, expiry.month, None, "PE", D(strike))


@given(
    underlying=UNDERLYINGS,
    tail=st.from_regex(r"[0-9]{2}[0-9OND][0-9]{2}[0-9.]{1,7}", fullmatch=True),
    kind=st.sampled_from(["CE", "PE"]),
)
def test_any_parsed_weekly_symbol_names_a_real_date(underlying: str, tail: str, kind: str) -> None:
    # Given an arbitrary weekly-shaped symbol (any digits, so often an impossible date)
    # When it parses / Then the expiry is a calendar date agreeing with year and month,
    # and printing the contract back in the weekly format gives exactly the input (no other split was taken)
    symbol = underlying + tail + kind
    parsed = parse_derivative(symbol, "NFO")
    if parsed is None or parsed.expiry is None:
        return
    assert isinstance(parsed.expiry, date)
    assert (parsed.expiry.year, parsed.expiry.month) == (parsed.year, parsed.month)
    assert parsed.strike is not None
    code = _WEEKLY_CODE.get(parsed.month, str(parsed.month))
    rebuilt = f"{parsed.underlying}{parsed.expiry:%y}{code}{parsed.expiry:%d}{parsed.strike}{parsed.kind}"
    assert rebuilt == symbol
