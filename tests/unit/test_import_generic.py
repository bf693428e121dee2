"""The generic CSV format: fields, line numbers, reasons and row ids (docs/imports.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tradetrack.errors import ValidationFailed
from tradetrack.imports import generic

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_a_generic_file_becomes_fills_in_ist_with_source_import() -> None:
    # Given the sample generic file
    text = fixture("generic.csv")
    # When it is parsed
    result = generic.parse(text, account_id="acc1", now=NOW)
    # Then every row is a fill of account acc1, source "import", times read as IST
    assert result.source == "import"
    assert result.rejected == []
    assert len(result.items) == 5
    first, second = result.items[0], result.items[1]
    assert (first.symbol, first.exchange, first.side, first.quantity) == ("SBIN", "NSE", "BUY", 100)
    assert first.price == Decimal("765.20") and first.fees == Decimal("20.00") and first.product == "MIS"
    assert first.executed_at == datetime(2024, 4, 1, 9, 20)
    assert second.executed_at == datetime(2024, 4, 1, 15, 10, 5)  # DD-MM-YYYY
    assert {item.account_id for item in result.items} == {"acc1"}
    assert result.items[2].external_id == "T-1001"


def test_identical_rows_without_trade_id_get_distinct_stable_ids() -> None:
    # Given a file with two identical rows and no trade ids
    text = fixture("generic.csv")
    # When it is parsed twice
    once = generic.parse(text, account_id="a", now=NOW)
    again = generic.parse(text, account_id="a", now=NOW)
    # Then the identical rows have different ids (both count) and the ids are the same every time
    ids = [item.external_id for item in once.items]
    assert ids == [item.external_id for item in again.items]
    assert len(set(ids)) == 5
    assert ids[3] is not None and ids[3].endswith("_1") and ids[4] is not None and ids[4].endswith("_2")
    assert ids[3].rsplit("_", 1)[0] == ids[4].rsplit("_", 1)[0]


def test_the_row_id_ignores_formatting_differences() -> None:
    # Given the same fill written two ways (date format, case, trailing zeros, padding)
    a = "date,time,symbol,exchange,side,quantity,price\n2024-04-02,10:00,hdfcbank,NSE,buy,10,1450.50\n"
    b = (
        "Date , Time,SYMBOL,Exchange,Side,Quantity,Price\r\n"
        "02/04/2024, 10:00:00 ,HDFCBANK,nse,BUY,10,1450.5\r\n"
    )
    # When both are parsed
    ids_a = [i.external_id for i in generic.parse(a, account_id="x", now=NOW).items]
    ids_b = [i.external_id for i in generic.parse(b, account_id="x", now=NOW).items]
    # Then they are the same fill
    assert ids_a == ids_b and len(ids_a) == 1


def test_bad_rows_are_skipped_with_their_line_and_reason() -> None:
    # Given a file mixing good rows with every kind of bad one (and a blank line)
    text = fixture("generic_bad_rows.csv")
    # When it is parsed
    result = generic.parse(text, account_id="a", now=NOW)
    # Then the good rows (lines 2 and 18) are fills and each bad line has a reason
    assert [item.executed_at.minute for item in result.items] == [20, 34]
    reasons = dict(result.rejected)
    assert sorted(reasons) == list(range(4, 18))
    assert "buy or sell" in reasons[4]
    assert "date" in reasons[5]
    assert "time" in reasons[6]
    assert "exchange" in reasons[7]
    assert "quantity" in reasons[8] and "whole number" in reasons[9]
    assert "price" in reasons[10] and "price" in reasons[11] and "decimal places" in reasons[12]
    assert "symbol" in reasons[13]
    assert "fees" in reasons[14]
    assert "product" in reasons[15]
    assert "symbol is empty" in reasons[16]
    assert "cells" in reasons[17]


def test_line_numbers_count_physical_lines_of_multiline_cells() -> None:
    # Given a quoted cell spanning two lines before a bad row
    text = (
        "date,symbol,exchange,side,quantity,price,order_id\n"
        '2024-04-01,SBIN,NSE,BUY,1,1,"a\nb"\n'
        "2024-04-01,SBIN,NSE,BUY,x,1,c\n"
    )
    # When parsed
    result = generic.parse(text, account_id="a", now=NOW)
    # Then the bad row is reported at the line where it starts in the file
    assert result.rejected == [(4, "quantity must be a plain decimal number such as 1234.50")]


def test_a_fill_in_the_future_is_rejected() -> None:
    # Given a row dated after "now"
    text = "date,symbol,exchange,side,quantity,price\n2025-06-01,SBIN,NSE,BUY,1,100\n"
    # When parsed
    result = generic.parse(text, account_id="a", now=NOW)
    # Then it is rejected
    assert result.items == [] and result.rejected == [(2, "the trade time is in the future")]


def test_missing_required_columns_are_named() -> None:
    # Given a header without side and price
    text = "date,symbol,exchange,quantity\n2024-04-01,SBIN,NSE,1\n"
    # When parsed, Then a 400 names both columns
    with pytest.raises(ValidationFailed) as caught:
        generic.parse(text, account_id="a", now=NOW)
    assert "side" in caught.value.message and "price" in caught.value.message
    assert caught.value.details[0]["columns"] == ["side", "price"]


def test_a_header_only_file_has_no_fills() -> None:
    result = generic.parse("date,symbol,exchange,side,quantity,price\r\n\r\n", account_id="a", now=NOW)
    assert result.items == [] and result.rejected == []
