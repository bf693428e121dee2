"""Paper money arithmetic (tradetrack.paper.ledger) and order bodies: what a buy holds, what a fill
settles, the balance's total, and which orders are well formed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tradetrack.analytics.charges import dp_charges, kind_of, leg_charges
from tradetrack.paper.ledger import (
    BalanceView,
    Fill,
    buy_hold,
    buy_step,
    charges,
    cost_of,
    make_fill,
    margin,
    settle_buy,
    slipped,
)
from tradetrack.paper.models import OrderIn

DAY = date(2025, 3, 3)
prices = st.integers(min_value=1, max_value=10**9)  # scaled: ₹0.0001 to ₹1,00,000
quantities = st.integers(min_value=1, max_value=10_000)


def test_total_is_available_plus_held_as_decimal_strings() -> None:
    # Given ₹1,234.5 available and ₹100.0001 held / Then total is their exact sum
    view = BalanceView(available=12_345_000, held=1_000_001)
    assert view.to_json() == {"available": "1234.5", "held": "100.0001", "total": "1334.5001"}


def test_charges_come_from_the_analytics_schedule() -> None:
    # Given a delivery buy and sell of ₹1,00,000 on one day
    kind = kind_of(segment="EQ", is_fno=False, symbol="INFY", intraday=False)
    # Then a buy pays the schedule's leg charges; a delivery sell also the day's DP charge
    assert charges("INFY", buy=True, intraday=False, day=DAY, turnover=10**9) == leg_charges(
        kind, DAY, 10**9, buy=True
    )
    sell = charges("INFY", buy=False, intraday=False, day=DAY, turnover=10**9)
    assert sell == leg_charges(kind, DAY, 10**9, buy=False) + dp_charges(kind, DAY) > 0


@given(limit=prices, quantity=quantities, data=st.data())
def test_a_buy_filled_at_or_under_its_limit_never_costs_more_than_it_held(
    limit: int, quantity: int, data: st.DataObject
) -> None:
    # Given a buy limited at `limit`, and a fill at any price up to it
    held = buy_hold("INFY", intraday=False, day=DAY, quantity=quantity, price=limit)
    price = data.draw(st.integers(min_value=1, max_value=limit))
    fill = make_fill("INFY", buy=True, intraday=False, day=DAY, quantity=quantity, price=price)
    # When it settles
    released, returned = settle_buy(held, fill)
    # Then the whole hold is released, nothing negative is returned, and money is conserved
    assert released == held and returned >= 0
    assert returned + fill.cash_for_buy() == held


def test_a_fill_costing_more_than_the_hold_is_refused() -> None:
    fill = Fill(quantity=10, price=1_000_000, charges=5_000)
    with pytest.raises(ValueError, match="more than"):
        settle_buy(fill.cash_for_buy() - 1, fill)


def test_a_sell_brings_its_value_less_its_charges() -> None:
    fill = make_fill("INFY", buy=False, intraday=False, day=DAY, quantity=10, price=15_000_000)
    assert fill.cash_for_sell() == 150_000_000 - fill.charges and fill.charges > 0


def test_order_bodies_take_decimal_strings_and_cnc_or_mis() -> None:
    base = {"symbol": "infy", "exchange": "NSE", "side": "BUY", "quantity": 1}
    assert OrderIn.model_validate({**base, "type": "LIMIT", "price": "10.5"}).limit == Decimal("10.5")
    assert OrderIn.model_validate({**base, "type": "MARKET"}).symbol == "INFY"
    with pytest.raises(ValidationError):
        OrderIn.model_validate({**base, "type": "LIMIT", "price": 10.5})  # a JSON number: maybe inexact
    with pytest.raises(ValidationError):
        OrderIn.model_validate({**base, "type": "LIMIT", "price": "10.12345"})  # 5 places
    with pytest.raises(ValidationError):
        OrderIn.model_validate({**base, "type": "MARKET", "product": "NRML"})  # CNC and MIS only


@given(
    limit=st.integers(min_value=10_000, max_value=10**8),
    parts=st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=6),
    mis=st.booleans(),
    data=st.data(),
)
def test_partial_fills_never_cost_more_than_the_hold_and_the_last_returns_the_rest(
    limit: int, parts: list[int], mis: bool, data: st.DataObject
) -> None:
    # Given a buy of sum(parts) held at its limit (value, or MIS margin at 5×, with charges)
    quantity = sum(parts)
    held = cost_of("INFY", mis=mis, leverage=5, day=DAY, turnover=quantity * limit)
    if not mis:  # a CNC buy holds what it always held: value and charges at the limit
        assert held == buy_hold("INFY", intraday=False, day=DAY, quantity=quantity, price=limit)
    # When it fills in those parts, each at a price at or under the limit
    turnover, spent, fees = 0, 0, 0
    for i, part in enumerate(parts):
        price = data.draw(st.integers(min_value=1, max_value=limit))
        step = buy_step(
            "INFY", mis=mis, leverage=5, day=DAY, quantity=part, price=price,
            turnover_before=turnover, held=held, last=i == len(parts) - 1,
        )  # fmt: skip
        # Then each fill's cost is covered by what is still held, and nothing comes out of available
        assert step.held <= held and step.available >= 0
        held -= step.held
        turnover += part * price
        spent += step.held - step.available
        fees += step.charges
    # And the order released its whole hold, paid the charges of its whole turnover once
    assert held == 0
    assert fees == charges("INFY", buy=True, intraday=mis, day=DAY, turnover=turnover)
    assert spent == (margin(turnover, 5) if mis else turnover) + fees


def test_slippage_moves_the_price_against_the_order_per_lot() -> None:
    # Given ₹1,000 and 10 bps a lot of 100 / Then 150 shares (2 lots) buy 0.2% over, sell 0.2% under
    assert slipped(10_000_000, buy=True, quantity=150, bps_per_lot=10, lot=100) == 10_020_000
    assert slipped(10_000_000, buy=False, quantity=150, bps_per_lot=10, lot=100) == 9_980_000
    # And a price that would end in part of a paisa is rounded against the order
    assert slipped(10_000_100, buy=True, quantity=1, bps_per_lot=1, lot=100) == 10_001_200
    assert slipped(10_000_100, buy=False, quantity=1, bps_per_lot=1, lot=100) == 9_999_000


@given(value=st.integers(min_value=0, max_value=10**12), leverage=st.integers(min_value=1, max_value=50))
def test_mis_margin_is_value_over_leverage_rounded_up(value: int, leverage: int) -> None:
    blocked = margin(value, leverage)
    assert blocked * leverage >= value > (blocked - 1) * leverage or value == blocked == 0
