"""Pre-trade checks (tradetrack.risk.rules.check_order) rule by rule, the account-over-user
precedence of limits, and the breaches the monitor reads from an account's snapshot."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradetrack.money import to_scaled
from tradetrack.risk.rules import (
    Context,
    Limits,
    OrderIntent,
    Position,
    Snapshot,
    breaches,
    check_order,
    merge,
)


def rs(text: str) -> int:
    """₹ as stored (scaled by 10^4)."""
    return to_scaled(Decimal(text))


BUY_INFY = OrderIntent("NSE", "INFY", "BUY", 10, rs("1500"))  # value ₹15,000
HELD = {"NSE:TCS": Position(5, rs("4000")), "NSE:SBIN": Position(100, rs("800"))}


@pytest.mark.parametrize(
    ("limits", "intent", "context", "rule"),
    [
        (Limits(max_quantity_per_order=9), BUY_INFY, Context(), "max_quantity_per_order"),
        (Limits(max_order_value=rs("14999.99")), BUY_INFY, Context(), "max_order_value"),
        (Limits(allowed_exchanges=frozenset({"BSE"})), BUY_INFY, Context(), "allowed_exchanges"),
        (Limits(allowed_instruments=frozenset({"NSE:TCS"})), BUY_INFY, Context(), "allowed_instruments"),
        (Limits(max_open_positions=2), BUY_INFY, Context(positions=HELD), "max_open_positions"),
        (
            Limits(max_position_value=rs("20000")),
            BUY_INFY,
            Context(positions={"NSE:INFY": Position(4, rs("1400"))}),  # 14 units at ₹1,500 after it
            "max_position_value",
        ),
        (Limits(max_loss_per_day=rs("5000")), BUY_INFY, Context(day_pnl=-rs("5000")), "max_loss_per_day"),
    ],
)
def test_each_rule_rejects_the_order_that_breaks_it_and_says_so(
    limits: Limits, intent: OrderIntent, context: Context, rule: str
) -> None:
    # Given limits with one rule the order breaks
    # When the order is checked
    found = check_order(limits, intent, context)
    # Then it is rejected naming that rule, and the reason given to the order history says it
    assert found is not None
    assert found.rule == rule
    assert found.reason.startswith(f"risk: {rule}: ")


@pytest.mark.parametrize(
    ("limits", "context"),
    [
        (Limits(max_quantity_per_order=10), Context()),
        (Limits(max_order_value=rs("15000")), Context()),
        (Limits(allowed_exchanges=frozenset({"NSE"})), Context()),
        (Limits(allowed_instruments=frozenset({"NSE:INFY"})), Context()),
        (Limits(max_open_positions=2), Context(positions={"NSE:TCS": Position(5, rs("4000"))})),
        (Limits(max_open_positions=2), Context(positions={**HELD, "NSE:INFY": Position(1, rs("1500"))})),
        (Limits(max_position_value=rs("16500")), Context(positions={"NSE:INFY": Position(1, rs("1400"))})),
        (Limits(max_loss_per_day=rs("5000")), Context(day_pnl=-rs("4999.9999"))),
        (Limits(), Context(day_pnl=-rs("99999999"))),
    ],
)
def test_an_order_at_or_within_each_limit_passes(limits: Limits, context: Context) -> None:
    # Given limits the order meets exactly or within (adding to a held instrument opens no position)
    # When it is checked, then nothing rejects it
    assert check_order(limits, BUY_INFY, context) is None


def test_the_checks_run_in_order_and_the_first_broken_rule_is_named() -> None:
    # Given an order breaking the exchange, quantity and loss rules at once
    limits = Limits(allowed_exchanges=frozenset({"BSE"}), max_quantity_per_order=1, max_loss_per_day=rs("1"))
    # When checked, then the instrument rules come first
    found = check_order(limits, BUY_INFY, Context(day_pnl=-rs("10")))
    assert found is not None and found.rule == "allowed_exchanges"


def test_an_order_that_only_reduces_a_position_is_never_refused() -> None:
    # Given every limit breached (loss, value, exchanges) and a long of 10 INFY
    limits = Limits(
        max_loss_per_day=rs("1"),
        max_order_value=rs("1"),
        max_quantity_per_order=1,
        allowed_exchanges=frozenset({"BSE"}),
    )
    context = Context(day_pnl=-rs("100000"), positions={"NSE:INFY": Position(10, rs("1500"))})
    sell_all = OrderIntent("NSE", "INFY", "SELL", 10, rs("1500"))
    sell_more = OrderIntent("NSE", "INFY", "SELL", 11, rs("1500"))
    # When selling what is held, then it passes; selling more (a short) is checked and refused
    assert check_order(limits, sell_all, context) is None
    refused = check_order(limits, sell_more, context)
    assert refused is not None and refused.rule == "allowed_exchanges"
    # and a buy covering a short is a reduction too
    cover = OrderIntent("NSE", "INFY", "BUY", 3, rs("1500"))
    assert check_order(limits, cover, Context(positions={"NSE:INFY": Position(-3, rs("1500"))})) is None


def test_account_limits_override_the_users_field_by_field() -> None:
    # Given user limits and an account setting two fields of its own
    user = Limits(
        max_loss_per_day=rs("5000"), max_order_value=rs("100000"), allowed_exchanges=frozenset({"NSE"})
    )
    account = Limits(max_order_value=rs("10000"), max_open_positions=3)
    # When merged
    merged = merge(user, account)
    # Then the account's fields win, the user's others stay, and unset fields stay unset
    assert merged.max_order_value == rs("10000")
    assert merged.max_open_positions == 3
    assert merged.max_loss_per_day == rs("5000")
    assert merged.allowed_exchanges == frozenset({"NSE"})
    assert merged.max_quantity_per_order is None
    # and the account's tighter order value rejects what the user's would let through
    found = check_order(merged, BUY_INFY, Context())
    assert found is not None and found.rule == "max_order_value"
    assert check_order(user, BUY_INFY, Context()) is None
    # Without an account document the user's limits apply; without either, none
    assert merge(user, None) == user
    assert merge(None, None).is_empty()


def test_an_account_may_loosen_a_user_limit() -> None:
    # Given a user allowing only NSE, and an account allowing BSE too
    merged = merge(
        Limits(allowed_exchanges=frozenset({"NSE"})), Limits(allowed_exchanges=frozenset({"NSE", "BSE"}))
    )
    # Then a BSE order passes on that account
    assert check_order(merged, OrderIntent("BSE", "INFY", "BUY", 1, rs("1")), Context()) is None


def test_the_monitor_finds_each_breach_of_a_snapshot_once() -> None:
    # Given an account down ₹6,000 today with three positions, one worth ₹80,000
    snap = Snapshot(
        "pa_1",
        realised=-rs("4000"),
        unrealised=-rs("2000"),
        positions={**HELD, "NSE:INFY": Position(10, rs("1500"))},
    )
    limits = Limits(max_loss_per_day=rs("6000"), max_open_positions=2, max_position_value=rs("50000"))
    # When its breaches are read
    found = {b.rule: b for b in breaches(limits, snap)}
    # Then loss, count and the largest position's value are each reported once
    assert set(found) == {"max_loss_per_day", "max_open_positions", "max_position_value"}
    assert found["max_loss_per_day"].value == -rs("6000")
    assert found["max_open_positions"].value == 3
    assert found["max_position_value"].value == rs("80000")
    assert "NSE:SBIN" in found["max_position_value"].message
    # and exposure, concentration are exact
    assert snap.exposure == rs("20000") + rs("80000") + rs("15000")
    assert snap.concentration == ("NSE:SBIN", 80000 * 10_000 // 115000)


def test_a_snapshot_within_its_limits_breaches_nothing() -> None:
    snap = Snapshot("pa_1", realised=rs("100"), unrealised=-rs("5000"), positions=HELD)
    limits = Limits(max_loss_per_day=rs("5000"), max_open_positions=2, max_position_value=rs("80000"))
    # day P&L −₹4,900 > −₹5,000; two positions; the largest worth exactly the limit
    assert breaches(limits, snap) == []


def test_the_users_loss_limit_bounds_the_books_sum_and_each_account() -> None:
    # Given the user's max loss ₹5,000 (it bounds each account and the book's sum) and an account's
    # own ₹3,000 overriding it for that account alone
    user = Limits(max_loss_per_day=rs("5000"), book_max_loss_per_day=rs("5000"))
    own = merge(user, Limits(max_loss_per_day=rs("3000")))
    assert (own.max_loss_per_day, own.book_max_loss_per_day) == (rs("3000"), rs("5000"))
    # When the account is down ₹2,000 and its book (the user's paper accounts together) ₹5,000
    context = Context(day_pnl=-rs("2000"), book_day_pnl=-rs("5000"), book="paper")
    found = check_order(own, BUY_INFY, context)
    # Then a buy is rejected by the daily loss, on the sum, saying so
    assert found is not None and found.rule == "max_loss_per_day"
    assert (found.value, found.limit) == (-rs("5000"), rs("5000"))
    assert "paper accounts together" in found.message
    # And a book a paisa within its limit rejects nothing; a reducing order is always taken
    assert check_order(own, BUY_INFY, Context(day_pnl=-rs("2000"), book_day_pnl=-rs("4999.9999"))) is None
    sell = OrderIntent("NSE", "INFY", "SELL", 10, rs("1500"))
    held = {"NSE:INFY": Position(10, rs("1500"))}
    assert check_order(own, sell, Context(positions=held, book_day_pnl=-rs("9000"))) is None
    # And the monitor reports the book's breach on an account of it, naming the sum
    snap = Snapshot("pa_2", realised=-rs("1000"), unrealised=0, positions={}, book_day_pnl=-rs("5000"))
    [breach] = breaches(own, snap)
    assert breach.rule == "max_loss_per_day" and "paper accounts together" in breach.message
