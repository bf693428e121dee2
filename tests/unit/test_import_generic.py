"""The generic CSV format: fields, line numbers, reasons and row ids (docs/imports.md)."""

from __future__ import annotations

import hashlib
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
    assert result.items[2].external_id == "NSE:2024-04-02:T-1001"
    # An empty fees cell is fees not given
    assert result.items[2].fees is None


def test_fees_and_isin_are_optional_and_an_explicit_zero_fee_is_given() -> None:
    # Given rows with fees 0, fees empty and an ISIN column
    text = (
        "date,symbol,exchange,side,quantity,price,fees,isin\n"
        "2024-04-01,INFY,NSE,BUY,1,1500,0,ine009a01021\n"
        "2024-04-01,INFY,NSE,SELL,1,1510,,\n"
    )
    # When parsed
    zero, omitted = generic.parse(text, account_id="a", now=NOW).items
    # Then "0" is a given fee of nothing, empty is omitted; the ISIN is normalised or absent
    assert (zero.fees, zero.isin) == (Decimal(0), "INE009A01021")
    assert (omitted.fees, omitted.isin) == (None, None)


def test_a_trade_id_used_on_two_days_is_two_fills() -> None:
    text = (
        "date,symbol,exchange,side,quantity,price,trade_id\n"
        "2024-04-01,INFY,NSE,BUY,1,1500,7\n"
        "2024-04-02,INFY,NSE,SELL,1,1510,7\n"
    )
    items = generic.parse(text, account_id="a", now=NOW).items
    assert [item.external_id for item in items] == ["NSE:2024-04-01:7", "NSE:2024-04-02:7"]


def test_a_row_without_fees_keeps_the_id_it_had_when_omitted_fees_were_0() -> None:
    # Given a row without fees or product, and the documented row id with fees written "0"
    text = "date,time,symbol,exchange,side,quantity,price\n2024-04-02,10:00,HDFCBANK,NSE,BUY,10,1450.50\n"
    row = "\x1f".join(["2024-04-02T10:00:00", "NSE", "HDFCBANK", "BUY", "10", "1450.5", "0", ""])
    documented = f"row_{hashlib.sha256(row.encode()).hexdigest()[:32]}_1"
    # When parsed
    (item,) = generic.parse(text, account_id="a", now=NOW).items
    # Then its id is that one, so re-importing a file imported before adds nothing
    assert item.fees is None and item.external_id == documented


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


@pytest.mark.parametrize("day", ["2025-06-01", "2099-06-01"])
def test_a_fill_in_the_future_is_rejected(day: str) -> None:
    # Given a row dated after "now" (months after, or beyond any clock's tomorrow)
    text = f"date,symbol,exchange,side,quantity,price\n{day},SBIN,NSE,BUY,1,100\n"
    # When parsed
    result = generic.parse(text, account_id="a", now=NOW)
    # Then it is rejected, for the same reason either way
    assert result.items == [] and result.rejected == [(2, "the trade time is in the future")]


def test_a_fill_before_2000_is_rejected() -> None:
    text = "date,symbol,exchange,side,quantity,price\n1999-12-31,SBIN,NSE,BUY,1,100\n"
    result = generic.parse(text, account_id="a", now=NOW)
    assert result.rejected == [(2, "executedAt: must be on or after 2000-01-01 00:00 IST")]


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


def test_a_contract_on_an_equity_exchange_is_rejected_and_on_its_own_exchange_imported() -> None:
    # Given the same option once on NSE (a mistake) and once on NFO
    text = (
        "date,symbol,exchange,side,quantity,price\n"
        "2024-06-03,NIFTY24JUN22000CE,NSE,BUY,50,120\n"
        "2024-06-03,NIFTY24JUN22000CE,NFO,BUY,50,120\n"
    )
    # When parsed
    result = generic.parse(text, account_id="a", now=NOW)
    # Then the NSE row is rejected naming the exchange, the NFO row imported
    assert result.rejected == [
        (2, "exchange: NIFTY24JUN22000CE is a derivative contract: NSE lists none (its F&O is NFO)")
    ]
    assert [item.instrument for item in result.items] == ["NFO:NIFTY:2024-06:CE:22000"]
