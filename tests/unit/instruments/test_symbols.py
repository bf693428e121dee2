"""NSE series suffixes: only a known series code after the last hyphen is removed."""

from __future__ import annotations

import pytest

from tradetrack.instruments.symbols import KNOWN_SERIES, base_symbol, split_series


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("SCHNEIDER-BE", "SCHNEIDER"),
        ("SCHNEIDER", "SCHNEIDER"),
        ("SBIN-EQ", "SBIN"),
        ("GET&D-BE", "GET&D"),
        ("XYZ-BZ", "XYZ"),
        ("SMEWIDGET-SM", "SMEWIDGET"),
        ("SMEWIDGET-ST", "SMEWIDGET"),
        ("SGBAUG28-GB", "SGBAUG28"),
        ("INDIGRID-IV", "INDIGRID"),
        ("EMBASSY-RR", "EMBASSY"),
        ("PARTPAID-E1", "PARTPAID"),
        ("PARTPAID-X1", "PARTPAID"),
        ("SOMENCD-N3", "SOMENCD"),
        ("BAJAJ-AUTO-BE", "BAJAJ-AUTO"),  # only the last hyphen is a series separator
        ("  sbin-eq ", "SBIN"),
    ],
)
def test_known_series_suffixes_are_removed(symbol: str, expected: str) -> None:
    # Given a symbol written with an NSE series / When the base is taken / Then the series is gone
    assert base_symbol(symbol) == expected


@pytest.mark.parametrize(
    "symbol",
    [
        "BAJAJ-AUTO",  # hyphen is part of the name
        "MCDOWELL-N",  # "-N" is a share class in the name, not a two-character series
        "NAM-INDIA",
        "M&M",
        "L&TFH",
        "3MINDIA",
        "INFY",
        "ABC-NA",  # letter variants of numbered families are left alone on purpose
        "ABC-XX",
        "ABC-E0",  # partly paid series run E1..E9 only
        "-EQ",  # a series with nothing before it is not a symbol + series
    ],
)
def test_names_that_merely_contain_a_hyphen_are_kept(symbol: str) -> None:
    assert base_symbol(symbol) == symbol


def test_split_series_reports_the_series() -> None:
    assert split_series("SCHNEIDER-BE") == ("SCHNEIDER", "BE")
    assert split_series("BAJAJ-AUTO") == ("BAJAJ-AUTO", None)


def test_series_list_holds_the_documented_codes_and_nothing_wider() -> None:
    # Given NSE's legend of series / Then the codes the brief names are all known
    assert {"EQ", "BE", "BZ", "BL", "SM", "ST", "IL", "GB", "GS", "E1", "X1", "RR", "IV"} <= KNOWN_SERIES
    assert {f"N{digit}" for digit in range(1, 10)} <= KNOWN_SERIES
    # And every code is two characters with no single-letter share classes like MCDOWELL-N's "N"
    assert all(len(code) == 2 for code in KNOWN_SERIES)
    assert "N" not in KNOWN_SERIES
    assert "AUTO" not in KNOWN_SERIES
