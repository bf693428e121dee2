"""Zerodha holdings exports as opening positions: Console's XLSX statement and Kite's CSV."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.xlsx_writer import CONSOLE_HEADER, grid_sheet, xlsx_workbook
from tradetrack.errors import SemanticError, ValidationFailed
from tradetrack.imports.holdings import HoldingRow, parse_holdings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "holdings"
D = Decimal
Cell = str | Decimal | None


def console_xlsx(holdings: list[list[Cell]]) -> bytes:
    """Console's layout: title and summary rows, a blank row, the table from column B (row 9 on)."""
    grid: list[list[Cell]] = [
        [],
        [None, "Client ID", "AB1234"],
        [None, "Equity Holdings Statement as on 2026-03-31"],
        [None, "Summary"],
        [None, "Invested Value", D("51320.0000")],
        [None, "Present Value", D("55891.5000")],
        [None, "Unrealized P&L", D("4571.5000")],
        [],
        [None, *CONSOLE_HEADER],
        *([None, *row] for row in holdings),
    ]
    shared: list[str] = []
    return xlsx_workbook(grid_sheet(grid, shared), shared=shared)


def console_row(symbol: str, isin: str, buckets: str, price: str) -> list[Cell]:
    """`buckets`: "available discrepant long-term pledged-margin pledged-loan" as Console's numbers."""
    numbers = [D(value) for value in buckets.split()]
    return [symbol, isin, "IT", *numbers, D(price) if price else None, D("1000"), D("0"), D("0")]


def test_console_quantity_is_available_plus_discrepant_plus_pledged_never_long_term() -> None:
    # Given a Console statement: a plain holding, one partly pledged whose long-term count equals
    # its available count, one wholly pledged, and one with discrepant and loan-pledged shares
    data = console_xlsx(
        [
            console_row("INFY", "INE009A01021", "10.0000 0.0000 10.0000 0.0000 0.0000", "1500.5000"),
            console_row("PAYTM", "INE982J01020", "11.0000 0.0000 11.0000 4.0000 0.0000", "2150.0000"),
            console_row("TCS", "INE467B01029", "0.0000 0.0000 0.0000 4.0000 0.0000", "3500.0000"),
            console_row("HDFCBANK", "INE040A01034", "5.0000 2.0000 3.0000 0.0000 1.0000", "1510.2500"),
        ]
    )
    # When it is parsed
    result = parse_holdings(data)
    # Then each holding is all its shares, the long-term bucket not added again but kept apart
    # (it dates the oldest units: tradetrack.analytics.fifo)
    assert result.rejected == []
    assert result.rows == [
        HoldingRow("INFY", "INE009A01021", 10, D("1500.5000"), 10, long_term=10),
        HoldingRow("PAYTM", "INE982J01020", 15, D("2150.0000"), 11, long_term=11),
        HoldingRow("TCS", "INE467B01029", 4, D("3500.0000"), 12, long_term=0),
        HoldingRow("HDFCBANK", "INE040A01034", 8, D("1510.2500"), 13, long_term=3),
    ]
    # And the statement date comes from the title row
    assert result.as_of == date(2026, 3, 31)


def test_console_rows_that_cannot_be_holdings_are_rejected_with_reasons() -> None:
    # Given a statement with a good row, a blank row, a totals line and six bad rows
    data = console_xlsx(
        [
            console_row("INFY", "INE009A01021", "10 0 0 0 0", "1500.50"),
            [],
            ["Total", None, None, D("10"), None, None, None, None, None, None, D("0"), None],
            console_row("SOLD", "INE002A01018", "0 0 0 0 0", "2500"),
            console_row("BADISIN", "INE009A01022", "5 0 0 0 0", "100"),
            console_row("NOPRICE", "INE467B01029", "5 0 0 0 0", ""),
            console_row("FREE", "INE467B01029", "5 0 0 0 0", "0.0000"),
            console_row("HALF", "INE040A01034", "25.5 0 0 0 0", "80"),
            console_row("SHORT", "INE019A01038", "-3 0 0 0 0", "80"),
        ]
    )
    # When it is parsed
    result = parse_holdings(data)
    # Then only the good row is a holding; blank and totals lines are skipped silently
    assert [(row.symbol, row.line) for row in result.rows] == [("INFY", 10)]
    reasons = dict(result.rejected)
    assert sorted(reasons) == [13, 14, 15, 16, 17, 18]
    assert reasons[13] == "the quantity held is 0"
    assert "check digit" in reasons[14]
    assert reasons[15] == "Average Price is empty"
    assert reasons[16] == "Average Price is 0: a holding needs its buy price"
    assert reasons[17] == "Quantity Available must be a whole number"
    assert reasons[18] == "Quantity Available is negative"


def test_a_kite_csv_download_is_read_and_sold_out_rows_rejected() -> None:
    # Given a real Kite holdings CSV (no ISIN, no date) with two rows of Qty. 0
    data = (FIXTURES / "kite_holdings.csv").read_bytes()
    # When it is parsed
    result = parse_holdings(data)
    # Then the held rows become holdings on their file lines, the zero rows are rejected
    assert result.rows == [
        HoldingRow("POLYCAB", None, 20, D("3037.31"), 3),
        HoldingRow("CHOLAFIN", None, 60, D("761.91"), 4),
        HoldingRow("ROTO", None, 50, D("624"), 5),
        HoldingRow("HDFCBANK", None, 81, D("1121.48"), 7),
    ]
    assert result.rejected == [(2, "the quantity held is 0"), (6, "the quantity held is 0")]
    assert result.as_of is None


def test_the_quoted_kite_csv_with_a_trailing_empty_column_is_read() -> None:
    # Given the newer Kite CSV: quoted header, an Invested column, an empty last column
    text = (FIXTURES / "kite_holdings_quoted.csv").read_text(encoding="utf-8")
    # When it is parsed as text
    result = parse_holdings(text)
    # Then every row is a holding, symbols kept as Kite writes them
    assert result.rejected == []
    assert [(row.symbol, row.quantity, row.average_price) for row in result.rows] == [
        ("AARTIPHARM", 5, D("609.55")),
        ("ARE&M", 4, D("534.11")),
        ("GOLDBEES", 125, D("64.88")),
        ("PGINVIT-IV", 31, D("111.91")),
        ("SGBJUN31I-GB", 9, D("5876")),
        ("TMPV", 8, D("216.6")),
    ]


def test_a_csv_with_title_rows_bom_and_grouped_numbers_keeps_its_physical_lines() -> None:
    # Given a Console-style CSV: BOM, title rows with the date in the next cell, a quoted title
    # that spans two lines, and numbers written with digit grouping
    text = (
        "\ufeffClient ID,AB1234\n"
        '"Holdings as on",31-03-2026\n'
        '"Summary\nof holdings"\n'
        "\n"
        "Symbol,ISIN,Quantity Available,Quantity Discrepant,Quantity Long Term,"
        "Quantity Pledged (Margin),Quantity Pledged (Loan),Average Price\n"
        'RELIANCE,INE002A01018,"1,000",0,1000,0,0,"1,234.50"\n'
        "INFY,INE009A01021,abc,0,0,0,0,1500\n"
    )
    # When it is parsed
    result = parse_holdings(text)
    # Then the header is found below the title, lines count physical lines, and the date is read
    assert result.rows == [HoldingRow("RELIANCE", "INE002A01018", 1000, D("1234.50"), 7, long_term=1000)]
    assert result.rejected == [(8, "Quantity Available must be a plain decimal number such as 1234.50")]
    assert result.as_of == date(2026, 3, 31)


def test_an_xlsx_date_cell_after_as_on_is_a_date_serial() -> None:
    # Given a title row "Holdings as on" whose date is an Excel date cell (serial 46112)
    shared: list[str] = []
    grid: list[list[Cell]] = [
        ["Holdings as on", D("46112")],
        ["Instrument", "Qty.", "Avg. cost"],
        ["INFY", D("3"), D("1500")],
    ]
    data = xlsx_workbook(grid_sheet(grid, shared), shared=shared)
    # When parsed, Then the serial is read as the 1900-system date it stands for
    result = parse_holdings(data)
    assert result.as_of == date(2026, 3, 31)
    assert result.rows == [HoldingRow("INFY", None, 3, D("1500"), 3)]


@pytest.mark.parametrize(("title_rows", "found"), [(29, True), (30, False)])
def test_the_header_must_be_within_the_first_30_rows(title_rows: int, found: bool) -> None:
    # Given a CSV whose header follows `title_rows` rows of notes
    text = "note\n" * title_rows + "Instrument,Qty.,Avg. cost\nINFY,1,1500\n"
    # When parsed, Then a header on row 30 is found and one on row 31 is not
    if found:
        assert parse_holdings(text).rows == [HoldingRow("INFY", None, 1, D("1500"), title_rows + 2)]
    else:
        with pytest.raises(ValidationFailed, match="no holdings header in the first 30 rows"):
            parse_holdings(text)


def test_a_header_without_a_price_column_is_refused() -> None:
    # Given a holdings header that has symbol and quantity but no average price
    text = "Instrument,Qty.,LTP\nINFY,1,1500\n"
    # When parsed, Then the file is refused naming the missing column
    with pytest.raises(ValidationFailed, match="no Average Price"):
        parse_holdings(text)


def test_a_zip_that_is_no_workbook_and_non_utf8_text_are_unprocessable() -> None:
    # Given a ZIP that is not a workbook, and Latin-1 text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<document/>")
    latin1 = "Instrument,Qty.,Avg. cost\nCAFÉ,1,10\n".encode("latin-1")
    # When parsed, Then both are 422s with a reason
    with pytest.raises(SemanticError, match="not a readable XLSX workbook"):
        parse_holdings(buffer.getvalue())
    with pytest.raises(SemanticError, match="UTF-8"):
        parse_holdings(latin1)
