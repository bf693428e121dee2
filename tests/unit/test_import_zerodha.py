"""Zerodha Console tradebook rows as fills (docs/imports.md, "zerodha_tradebook")."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradetrack.brokers.kite_records import fill_of
from tradetrack.db.executions import to_document
from tradetrack.imports import zerodha
from tradetrack.sync.fills import to_executions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
KITE = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "kite"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
HEADER = (
    "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,"
    "order_execution_time"
)


def tradebook() -> str:
    return (FIXTURES / "zerodha_tradebook.csv").read_text(encoding="utf-8")


def test_a_tradebook_becomes_fills_keyed_by_exchange_trade_date_and_trade_id() -> None:
    # Given a Console tradebook with equity, options and commodity rows
    # When it is parsed
    result = zerodha.parse(tradebook(), account_id="kite1", now=NOW)
    # Then every row is a "zerodha" fill whose externalId is exchange:trade_date:trade_id
    assert result.source == "zerodha" and result.rejected == []
    assert [item.external_id for item in result.items] == [
        "NSE:2024-04-01:54311212",
        "NSE:2024-04-01:54322890",
        "NSE:2024-04-02:61200001",
        "NFO:2024-04-05:71000001",
        "NFO:2024-04-05:71000002",
        "MCX:2024-04-08:81000001",
    ]
    infy = result.items[0]
    assert (infy.symbol, infy.exchange, infy.effective_segment, infy.side) == ("INFY", "NSE", "EQ", "BUY")
    assert infy.quantity == 10 and infy.price == Decimal("1502.35")
    assert infy.executed_at == datetime(2024, 4, 1, 9, 15, 23)  # naive: IST
    assert infy.order_id == "1100000012345678"
    # And the ISIN is carried where the file has one; fees are omitted (the tradebook has none)
    assert [item.isin for item in result.items[:3]] == ["INE009A01021", "INE009A01021", "INE155A01022"]
    assert infy.fees is None
    option = result.items[3]
    assert (option.symbol, option.exchange, option.effective_segment) == ("NIFTY2441122500CE", "NFO", "FO")
    assert option.isin is None
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
        ("NSE:2024-04-10:=cmd|' /C calc'!A0", "@SUM(1)"),
        ("NSE:2024-04-10:+1+1", "-2+3"),
    ]
    assert [line for line, _ in result.rejected] == [4, 5]
    assert all("symbol" in reason for _, reason in result.rejected)


def test_the_same_trade_id_on_two_days_is_two_fills() -> None:
    # Given two rows whose exchange trade ids are equal (exchanges number trades afresh every day)
    rows = [
        "INFY,INE009A01021,2024-04-01,NSE,EQ,EQ,buy,false,1,1500,1001,11,2024-04-01T10:00:00",
        "INFY,INE009A01021,2024-04-02,NSE,EQ,EQ,buy,false,1,1500,1001,12,2024-04-02T10:00:00",
    ]
    # When parsed and stored
    items = zerodha.parse("\n".join([HEADER, *rows]), account_id="kite1", now=NOW).items
    docs = [to_document("usr_1", "zerodha", item) for item in items]
    # Then they are two fills with two identities
    assert [doc["externalId"] for doc in docs] == ["NSE:2024-04-01:1001", "NSE:2024-04-02:1001"]
    assert docs[0]["_id"] != docs[1]["_id"]


def test_the_same_row_twice_is_one_fill() -> None:
    # Given a row that appears twice (the same file imported twice, or overlapping exports)
    row = "INFY,INE009A01021,2024-04-01,NSE,EQ,EQ,buy,false,1,1500,1001,11,2024-04-01T10:00:00"
    # When parsed
    items = zerodha.parse("\n".join([HEADER, row, row]), account_id="kite1", now=NOW).items
    # Then both have one identity: storing the second is a duplicate
    first, second = (to_document("usr_1", "zerodha", item)["_id"] for item in items)
    assert first == second


def test_an_execution_time_off_the_trade_date_is_rejected() -> None:
    # Given a row traded on 1 April whose execution time is on 2 April
    row = "INFY,,2024-04-01,NSE,EQ,EQ,buy,false,1,1500,1001,11,2024-04-02T10:00:00"
    # When parsed, Then the row contradicts itself and is rejected
    result = zerodha.parse("\n".join([HEADER, row]), account_id="a", now=NOW)
    assert result.items == []
    assert result.rejected == [(2, "order_execution_time 2024-04-02 is not on trade_date 2024-04-01")]


def test_a_bad_isin_rejects_the_row() -> None:
    row = "INFY,INE009A01022,2024-04-01,NSE,EQ,EQ,buy,false,1,1500,1001,11,2024-04-01T10:00:00"
    (line, reason), *_ = zerodha.parse("\n".join([HEADER, row]), account_id="a", now=NOW).rejected
    assert line == 2 and reason.startswith("isin: invalid ISIN")


def test_an_overlong_trade_id_is_rejected_by_name() -> None:
    row = f"INFY,,2024-04-01,NSE,EQ,EQ,buy,false,1,1500,{'9' * 114},11,2024-04-01T10:00:00"
    result = zerodha.parse("\n".join([HEADER, row]), account_id="a", now=NOW)
    assert result.rejected == [(2, "trade_id must be at most 113 characters")]


_SEGMENT = {"NSE": "EQ", "NFO": "FO", "CDS": "CDS", "MCX": "COM"}


def tradebook_row(trade: dict[str, Any]) -> str:
    """Kite's trade as Console's tradebook lists the same fill."""
    executed = str(trade["fill_timestamp"])
    cells = [
        trade["tradingsymbol"],
        "",
        executed[:10],
        trade["exchange"],
        _SEGMENT[trade["exchange"]],
        "",
        str(trade["transaction_type"]).lower(),
        "false",
        str(trade["quantity"]),
        str(trade["average_price"]),
        trade["trade_id"],
        trade["order_id"],
        executed.replace(" ", "T"),
    ]
    return ",".join(cells)


def test_a_tradebook_row_and_the_kite_api_record_of_the_same_fill_have_one_identity() -> None:
    # Given Zerodha's published Kite v3 GET /trades response and the tradebook rows of those fills
    trades = json.loads((KITE / "trades.json").read_text(encoding="utf-8"), parse_float=Decimal)["data"]
    text = "\n".join([HEADER, *(tradebook_row(trade) for trade in trades)])
    # When the file is imported and the API response synced (both as source "zerodha")
    imported = zerodha.parse(text, account_id="kite1", now=NOW).items
    synced, rejected = to_executions([fill_of(trade, date(2021, 5, 31)) for trade in trades], "kite1")
    # Then each fill has the same externalId, execution id and instrument either way
    assert rejected == []
    assert [item.external_id for item in synced] == [
        "NSE:2021-05-31:10000000",
        "CDS:2021-05-31:40000000",
        "MCX:2021-05-31:70000000",
        "MCX:2021-05-31:90000000",
    ]
    assert [item.external_id for item in imported] == [item.external_id for item in synced]
    assert [to_document("usr_1", "zerodha", item)["_id"] for item in imported] == [
        to_document("usr_1", "zerodha", item)["_id"] for item in synced
    ]
    assert [item.instrument for item in imported] == [item.instrument for item in synced]
    # And neither knows the fees: omitted, so the charge schedule estimates them
    assert {item.fees for item in [*imported, *synced]} == {None}
