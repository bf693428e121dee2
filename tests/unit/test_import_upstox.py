"""Upstox trade history rows as fills (docs/imports.md, "upstox_trades")."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.broker_stub import BrokerStub
from tradetrack.brokers.base import BrokerFill
from tradetrack.brokers.upstox import UpstoxClient
from tradetrack.db.executions import to_document
from tradetrack.imports import upstox
from tradetrack.sync.fills import to_executions
from tradetrack.timeutil import IST

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
UPSTOX = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "upstox"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def history() -> str:
    return (FIXTURES / "upstox_trades.csv").read_text(encoding="utf-8")


def test_trade_history_becomes_upstox_fills_keyed_by_exchange_trade_date_and_trade_id() -> None:
    # Given an Upstox trade history with equity and option rows
    # When parsed
    result = upstox.parse(history(), account_id="upx", now=NOW)
    # Then each row is an "upstox" fill at 00:00 IST of its trade date (the report has no time)
    assert result.source == "upstox" and result.rejected == []
    first = result.items[0]
    assert (first.symbol, first.exchange, first.side, first.quantity) == ("RELIANCE", "NSE", "BUY", 5)
    assert first.price == Decimal("2950.10") and first.external_id == "NSE:2024-04-01:75217259"
    assert first.executed_at == datetime(2024, 4, 1)
    assert [item.external_id for item in result.items] == [
        "NSE:2024-04-01:75217259",
        "NSE:2024-04-03:75299812",
        "NFO:2024-04-04:90000011",
        "NFO:2024-04-04:90000012",
    ]
    # And the ISIN is carried where the row has one; fees are omitted
    assert [item.isin for item in result.items] == ["INE002A01018", "INE002A01018", None, None]
    assert {item.fees for item in result.items} == {None}


def test_an_option_named_by_its_underlying_gets_its_contract_in_the_symbol() -> None:
    # Given option rows whose symbol is only the underlying
    result = upstox.parse(history(), account_id="upx", now=NOW)
    option = result.items[2]
    # Then the fill is on NFO and its symbol names expiry, strike and type
    assert option.exchange == "NFO" and option.effective_segment == "FO"
    assert option.symbol == "BANKNIFTY 10APR2024 48000 CE"
    assert result.items[3].instrument == option.instrument


def test_title_case_headers_and_an_optional_trade_time_are_understood() -> None:
    # Given the same columns written as titles, with a trade time
    text = (
        "Trade Date,Exchange,Segment,Symbol,Transaction Type,Quantity,Price,Trade ID,Trade Time\n"
        "01-04-2024,NSE,EQ,SBIN,Sell,3,770.5,99887766,14:59:30\n"
    )
    # When parsed
    item = upstox.parse(text, account_id="a", now=NOW).items[0]
    # Then the row is read like the snake_case form
    assert (item.symbol, item.side, item.quantity) == ("SBIN", "SELL", 3)
    assert item.executed_at == datetime(2024, 4, 1, 14, 59, 30)


def test_a_future_without_option_type_is_named_fut() -> None:
    text = (
        "trade_date,exchange,segment,symbol,transaction_type,quantity,price,trade_id,option_type,strike_price,expiry\n"
        "2024-04-01,NSE,FO,NIFTY,BUY,50,22500,1,,0.0,2024-04-25\n"
    )
    assert upstox.parse(text, account_id="a", now=NOW).items[0].symbol == "NIFTY 25APR2024 FUT"


def test_the_same_trade_id_on_two_days_is_two_fills_and_the_same_row_twice_one() -> None:
    # Given a trade id used on two days, and one of those rows repeated
    text = (
        "trade_date,exchange,segment,symbol,transaction_type,quantity,price,trade_id\n"
        "2024-04-01,NSE,EQ,SBIN,BUY,1,770,5001\n"
        "2024-04-02,NSE,EQ,SBIN,BUY,1,771,5001\n"
        "2024-04-02,NSE,EQ,SBIN,BUY,1,771,5001\n"
    )
    # When parsed and stored
    items = upstox.parse(text, account_id="upx", now=NOW).items
    ids = [to_document("usr_1", "upstox", item)["_id"] for item in items]
    # Then the two days are two fills and the repeated row is the same fill
    assert [item.external_id for item in items] == [
        "NSE:2024-04-01:5001",
        "NSE:2024-04-02:5001",
        "NSE:2024-04-02:5001",
    ]
    assert ids[0] != ids[1] and ids[1] == ids[2]


# In the order the client asks for the segments: EQ, FO, COM, CD.
_HISTORY = tuple(f"historical_trades_{segment}.json" for segment in ("eq", "fo", "com", "cd"))
_COLUMNS = [
    "trade_date",
    "exchange",
    "segment",
    "symbol",
    "scrip_name",
    "isin",
    "instrument_token",
    "transaction_type",
    "quantity",
    "price",
    "amount",
    "trade_id",
    "option_type",
    "strike_price",
    "expiry",
]


def served(name: str) -> bytes:
    return (UPSTOX / name).read_bytes()


def history_rows(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(served(name), parse_float=Decimal)["data"]
    return rows


def as_report(records: list[dict[str, Any]]) -> str:
    """Upstox API records as the trade history report lists them (the same fields as columns)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def test_a_report_row_and_the_upstox_api_record_of_the_same_fill_have_one_identity() -> None:
    # Given Upstox's documented historical-trades samples (EQ, FO, COM, CD), and the report of the same
    # fills plus the trades-for-day sample (GMRINFRA on 3 Aug 2017) as a report row
    records = [row for name in _HISTORY for row in history_rows(name)]
    day_trade = {
        "trade_date": "2017-08-03",
        "exchange": "NSE",
        "segment": "EQ",
        "symbol": "GMRINFRA",
        "transaction_type": "BUY",
        "quantity": 1,
        "price": "299.4",
        "trade_id": "50091502",
    }
    imported = upstox.parse(as_report([*records, day_trade]), account_id="upx", now=NOW).items
    # When the same fills come from the API
    with BrokerStub() as stub:
        stub.route("GET", "/v2/charges/historical-trades", *(served(name) for name in _HISTORY))
        stub.route("GET", "/v2/order/trades/get-trades-for-day", served("trades.json"))
        client = UpstoxClient("tok", base_url=stub.url, now=lambda: datetime(2024, 7, 15, 10, 0, tzinfo=IST))
        fills = client.historical_trades(date(2024, 4, 1), date(2024, 6, 30)) + client.trades()
    synced, rejected = to_executions(fills, "upx")
    # Then each fill has the same externalId and instrument from the file and from the API
    assert rejected == []
    assert [item.external_id for item in synced] == [
        "NSE:2023-03-28:75217259",
        "NFO:2024-04-04:90000011",
        "NFO:2024-04-05:90000020",
        "MCX:2024-05-31:70000000",
        "CDS:2024-06-03:40000000",
        "NSE:2017-08-03:50091502",
    ]
    assert [item.external_id for item in imported] == [item.external_id for item in synced]
    # (the API's records carry no ISIN: ingestion gives them the one their symbol is known by,
    # tradetrack.db.instrument_aliases, which the file's rows taught)
    taught = [api.model_copy(update={"isin": row.isin}) for api, row in zip(synced, imported, strict=True)]
    assert [item.instrument for item in imported] == [item.instrument for item in taught]


def test_a_trade_id_the_api_history_repeats_on_another_day_is_another_fill() -> None:
    # Given a backfill in which the exchange reused a trade id a day later
    fills = [
        BrokerFill("5001", "", "SBIN", "NSE", "BUY", 1, Decimal(770), datetime(2024, 4, day, tzinfo=IST))
        for day in (1, 2, 2)
    ]
    # When the fills become executions
    synced, rejected = to_executions(fills, "upx")
    # Then the two days are two fills, the repeat on the same day one
    assert rejected == []
    assert [item.external_id for item in synced] == ["NSE:2024-04-01:5001", "NSE:2024-04-02:5001"]
