"""Whole-file rules for imports: encodings, BOM, blank lines, size and row limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradetrack.errors import PayloadTooLarge, SemanticError, ValidationFailed
from tradetrack.imports.table import MAX_ROWS, column_key, read_table
from tradetrack.imports.text import MAX_CSV_BYTES, check_text

NOW = datetime(2025, 1, 1, tzinfo=UTC)
CSV = "date,symbol,exchange,side,quantity,price\r\n2024-04-01,SBIN,NSE,BUY,1,100\r\n"


def test_utf8_with_or_without_bom_is_accepted_and_the_bom_dropped() -> None:
    assert check_text(CSV) == CSV
    assert check_text("\ufeff" + CSV) == CSV


def test_non_ascii_utf8_is_fine() -> None:
    assert check_text("symbol,note\nINFY,₹ café\n").endswith("café\n")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (CSV.encode("utf-16").decode("latin-1"), "UTF-16"),
        (CSV.encode("utf-16-le").decode("latin-1"), "UTF-16"),
        ("symbol\ncaf\ufffd\n", "replacement"),
        ((b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))).decode("latin-1"), "binary"),
        ("symbol\nINFY\x1b[31m\n", "binary"),
        ("symbol\n\ud800\n", "Unicode"),
    ],
)
def test_other_encodings_and_binary_are_refused_whole(text: str, hint: str) -> None:
    # Given text that is not UTF-8 CSV, When checked, Then the whole file is a 422 with a clear hint
    with pytest.raises(SemanticError) as caught:
        check_text(text)
    assert hint in caught.value.message and "UTF-8" in caught.value.message


def test_more_than_5_mb_is_413_and_exactly_5_mb_is_fine() -> None:
    exact = "a" * MAX_CSV_BYTES
    assert check_text(exact) == exact
    with pytest.raises(PayloadTooLarge):
        check_text(exact + "b")
    with pytest.raises(PayloadTooLarge):  # bytes, not characters, are counted
        check_text("é" * (MAX_CSV_BYTES // 2 + 1))


def test_more_than_100000_rows_is_413() -> None:
    header = "date,symbol,exchange,side,quantity,price\n"
    read_table(header + "x\n" * MAX_ROWS, ["date"])
    with pytest.raises(PayloadTooLarge):
        read_table(header + "x\n" * (MAX_ROWS + 1), ["date"])


@pytest.mark.parametrize("text", ["", "\r\n", "  \n , ,\n\n"])
def test_an_empty_file_is_422(text: str) -> None:
    with pytest.raises(SemanticError, match="empty"):
        read_table(text, ["date"])


def test_a_repeated_column_is_400() -> None:
    with pytest.raises(ValidationFailed, match="repeats"):
        read_table("date,Date\n", ["date"])


def test_blank_lines_are_ignored_but_counted_for_line_numbers() -> None:
    table = read_table("\n\nDate , Symbol\r\n\r\n  2024-04-01 ,  SBIN \r\n", ["date", "symbol"])
    assert table.columns == ["date", "symbol"]
    assert [(r.line, r.cells) for r in table.records] == [(5, {"date": "2024-04-01", "symbol": "SBIN"})]


def test_header_names_are_normalised() -> None:
    assert column_key(" Trade Date ") == "trade_date"
    assert column_key("ORDER-EXECUTION-TIME") == "order_execution_time"
