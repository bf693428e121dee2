"""Zerodha Console tradebook rows as fills (docs/imports.md, "zerodha_tradebook")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tradetrack.imports import zerodha

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def tradebook() -> str:
    return (FIXTURES / "zerodha_tradebook.csv").read_text(encoding="utf-8")


def test_a_tradebook_becomes_fills_keyed_by_trade_id() -> None:
    # Given a Console tradebook with equity, options and commodity rows
    # When it is parsed
    result = zerodha.parse(tradebook(), account_id="kite1", now=NOW)
    # Then every row is a "zerodha" fill whose externalId is the trade_id
    assert result.source == "zerodha" and result.rejected == []
    assert [item.external_id for item in result.items] == [
        "54311212",
        "54322890",
        "61200001",
        "71000001",
        "71000002",
        "81000001",
    ]
    infy = result.items[0]
    assert (infy.symbol, infy.exchange, infy.effective_segment, infy.side) == ("INFY", "NSE", "EQ", "BUY")
    assert infy.quantity == 10 and infy.price == Decimal("1502.35")
    assert infy.executed_at == datetime(2024, 4, 1, 9, 15, 23)  # naive: IST
    assert infy.order_id == "1100000012345678"
    option = result.items[3]
    assert (option.symbol, option.exchange, option.effective_segment) == ("NIFTY2441122500CE", "NFO", "FO")
    gold = result.items[5]
    assert (gold.exchange, gold.effective_segment) == ("MCX", "COM")


@pytest.mark.parametrize(
    ("exchange", "segment", "expected"),
    [
        ("NSE", "FO", "NFO"),
        ("BSE", "FO", "BFO"),
        ("NSE", "CDS", "CDS"),
        ("BSE", "CDS", "BCD"),
        ("BSE", "EQ", "BSE"),
    ],
)
def test_exchange_and_segment_map_to_the_fills_exchange(exchange: str, segment: str, expected: str) -> None:
    # Given a row naming the exchange and segment the way some tradebooks do
    row = f"ABC,,2024-04-01,{exchange},{segment},,buy,false,1,10,1,2,2024-04-01T10:00:00"
    text = tradebook().splitlines()[0] + "\n" + row + "\n"
    # When parsed, Then the fill is on the derived exchange
    assert zerodha.parse(text, account_id="a", now=NOW).items[0].exchange == expected


def test_rows_that_do_not_fit_are_rejected_with_reasons() -> None:
    # Given rows with an unknown side, a mutual fund, a mismatched segment and no trade id
    header = tradebook().splitlines()[0]
    rows = [
        "INFY,,2024-04-01,NSE,EQ,EQ,short,false,1,10,1,2,2024-04-01T10:00:00",
        "SOMEFUND,,2024-04-01,NSE,MF,,buy,false,1,10,3,4,2024-04-01T10:00:00",
        "INFY,,2024-04-01,MCX,EQ,EQ,buy,false,1,10,5,6,2024-04-01T10:00:00",
        "INFY,,2024-04-01,NSE,EQ,EQ,buy,false,1,10,,8,2024-04-01T10:00:00",
        "INFY,,2024-04-01,NSE,EQ,EQ,buy,false,1,10,9,10,01/04/2024 10:00",
    ]
    # When parsed
    result = zerodha.parse("\n".join([header, *rows]), account_id="a", now=NOW)
    # Then each is skipped with a reason
    reasons = dict(result.rejected)
    assert result.items == []
    assert "trade_type" in reasons[2]
    assert "mutual fund" in reasons[3]
    assert "MCX" in reasons[4]
    assert "trade_id is empty" in reasons[5]
    assert "order_execution_time" in reasons[6]


def test_an_empty_execution_time_falls_back_to_the_trade_date() -> None:
    header = tradebook().splitlines()[0]
    text = header + "\nINFY,,2024-04-01,NSE,EQ,EQ,buy,false,1,10,1,2,\n"
    assert zerodha.parse(text, account_id="a", now=NOW).items[0].executed_at == datetime(2024, 4, 1)


def test_formula_cells_stay_data_and_a_formula_symbol_is_a_rejected_row() -> None:
    # Given a tradebook whose ids look like spreadsheet formulas
    text = (FIXTURES / "zerodha_formulas.csv").read_text(encoding="utf-8")
    # When parsed
    result = zerodha.parse(text, account_id="a", now=NOW)
    # Then the ids are kept verbatim as data, and formula "symbols" are rejected rows
    assert [(i.external_id, i.order_id) for i in result.items] == [
        ("=cmd|' /C calc'!A0", "@SUM(1)"),
        ("+1+1", "-2+3"),
    ]
    assert [line for line, _ in result.rejected] == [4, 5]
    assert all("symbol" in reason for _, reason in result.rejected)
