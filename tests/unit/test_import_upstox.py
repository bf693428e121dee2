"""Upstox trade history rows as fills (docs/imports.md, "upstox_trades")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tradetrack.imports import upstox

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def history() -> str:
    return (FIXTURES / "upstox_trades.csv").read_text(encoding="utf-8")


def test_trade_history_becomes_upstox_fills_keyed_by_trade_id() -> None:
    # Given an Upstox trade history with equity and option rows
    # When parsed
    result = upstox.parse(history(), account_id="upx", now=NOW)
    # Then each row is an "upstox" fill at 00:00 IST of its trade date (the report has no time)
    assert result.source == "upstox" and result.rejected == []
    first = result.items[0]
    assert (first.symbol, first.exchange, first.side, first.quantity) == ("RELIANCE", "NSE", "BUY", 5)
    assert first.price == Decimal("2950.10") and first.external_id == "75217259"
    assert first.executed_at == datetime(2024, 4, 1)
    assert [item.external_id for item in result.items] == ["75217259", "75299812", "90000011", "90000012"]


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
