"""CorporateAction's ratio semantics: the worked examples of its docstring, and what it refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tradetrack.corporate.models import CorporateAction


def action(**overrides: Any) -> CorporateAction:
    fields: dict[str, Any] = {
        "kind": "split",
        "symbol": "INFY",
        "isin": "INE009A01021",
        "ex_date": date(2024, 7, 15),
        "ratio_from": 10,
        "ratio_to": 1,
        "new_symbol": None,
        "new_isin": None,
        "cost_percent": None,
        "source": "test",
        "purpose": "",
    }
    return CorporateAction(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("kind", "ratio_from", "ratio_to", "multiplier", "units_after_100"),
    [
        ("split", 10, 1, (10, 1), 1000),  # From Rs 10 To Re 1
        ("split", 10, 2, (5, 1), 500),  # From Rs 10 To Rs 2, in lowest terms
        ("split", 25, 10, (5, 2), 250),  # From Rs 2.50 To Re 1, face values scaled
        ("consolidation", 1, 10, (1, 10), 10),  # From Rs 1 To Rs 10
        ("bonus", 1, 1, (2, 1), 200),  # Bonus 1:1: one new for every one held
        ("bonus", 3, 2, (5, 2), 250),  # Bonus 3:2: three new for every two held
        ("bonus", 1, 2, (3, 2), 150),  # Bonus 1:2: one new for every two held
    ],
)
def test_new_units_are_old_units_times_the_multiplier(
    kind: str, ratio_from: int, ratio_to: int, multiplier: tuple[int, int], units_after_100: int
) -> None:
    # Given an action as NSE states it
    given = action(kind=kind, ratio_from=ratio_from, ratio_to=ratio_to)
    # When its multiplier is asked for
    num, den = given.quantity_multiplier()
    # Then it is in lowest terms and 100 units become what the worked example says
    assert (num, den) == multiplier
    assert 100 * num // den == units_after_100


def test_a_merger_gives_new_shares_per_shares_held() -> None:
    # Given HDFC into HDFC Bank: 42 HDFC Bank shares for every 25 HDFC shares
    merger = action(
        kind="merger", symbol="HDFC", isin=None, ratio_from=25, ratio_to=42, new_symbol="HDFCBANK"
    )
    # When 50 HDFC shares are converted, Then they are 84 HDFCBANK shares
    num, den = merger.quantity_multiplier()
    assert 50 * num // den == 84


def test_a_demerger_moves_a_share_of_cost_and_gives_new_units() -> None:
    # Given Reliance's demerger of Jio Financial Services: 1 for 1, 4.68 % of the cost moves
    demerger = action(
        kind="demerger",
        symbol="RELIANCE",
        isin="INE002A01018",
        ratio_from=1,
        ratio_to=1,
        new_symbol="JIOFIN",
        cost_percent=Decimal("4.68"),
    )
    # When 10 shares bought for 25,000 are split by it
    cost = Decimal(25000)
    moved = cost * demerger.cost_percent / 100 if demerger.cost_percent else Decimal(0)
    num, den = demerger.quantity_multiplier()
    # Then 10 JIOFIN carry 1,170 and RELIANCE keeps 23,830
    assert (10 * num // den, moved, cost - moved) == (10, Decimal("1170.00"), Decimal("23830.00"))


def test_a_rename_keeps_the_units() -> None:
    rename = action(kind="rename", ratio_from=1, ratio_to=1, new_symbol="ETERNAL")
    assert rename.quantity_multiplier() == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"kind": "dividend"}, "kind must be one of"),
        ({"symbol": ""}, "symbol is empty"),
        ({"isin": "INE009A01022"}, "not a valid ISIN"),
        ({"ratio_to": 0}, "must be positive"),
        ({"ratio_from": 1, "ratio_to": 10}, "split lowers the face value"),
        ({"kind": "consolidation", "ratio_from": 10, "ratio_to": 1}, "consolidation raises"),
        ({"kind": "rename", "ratio_from": 2, "ratio_to": 1, "new_symbol": "X"}, "ratio is 1:1"),
        ({"kind": "merger", "ratio_from": 1, "ratio_to": 1}, "needs new_symbol or new_isin"),
        ({"new_symbol": "OTHER"}, "keeps the symbol and ISIN"),
        ({"kind": "demerger", "ratio_from": 1, "ratio_to": 1, "new_symbol": "X"}, "needs cost_percent"),
        (
            {
                "kind": "demerger",
                "ratio_from": 1,
                "ratio_to": 1,
                "new_symbol": "X",
                "cost_percent": Decimal(100),
            },
            "needs cost_percent",
        ),
        ({"cost_percent": Decimal("4.68")}, "demergers only"),
    ],
)
def test_inconsistent_actions_are_refused(overrides: dict[str, Any], reason: str) -> None:
    # Given fields that contradict the kind's semantics, When built, Then it is refused with why
    with pytest.raises(ValueError, match=reason):
        action(**overrides)
