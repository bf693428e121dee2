"""Exact broker charges spread over a sync's new fills."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from tradetrack.brokers.base import BrokerError, BrokerOrder, OrderCharges
from tradetrack.db.executions import to_document
from tradetrack.models.executions import MAX_PRICE, ExecutionIn
from tradetrack.sync.charges import with_exact_fees
from tradetrack.timeutil import IST

AT = datetime(2026, 11, 20, 10, 0, tzinfo=IST)


def fill(trade_id: str, order_id: str, quantity: int) -> ExecutionIn:
    return ExecutionIn.model_validate(
        {
            "accountId": "ba_1",
            "symbol": "INFY",
            "exchange": "NSE",
            "side": "BUY",
            "quantity": quantity,
            "price": "1545.80",
            "executedAt": AT,
            "product": "MIS",
            "externalId": trade_id,
            "orderId": order_id,
        }
    )


def order(order_id: str, filled: int, status: str = "COMPLETE") -> BrokerOrder:
    return BrokerOrder(
        order_id=order_id,
        status=status,
        symbol="INFY",
        exchange="NSE",
        side="BUY",
        quantity=filled,
        filled_quantity=filled,
        average_price=Decimal("1545.80"),
        product="MIS",
        placed_at=AT,
    )


class FakeKite:
    def __init__(self, totals: dict[str, Decimal] | None = None, error: BrokerError | None = None) -> None:
        self.totals, self.error = totals or {}, error
        self.asked: list[str] = []

    def order_charges(self, orders: Sequence[BrokerOrder]) -> list[OrderCharges]:
        self.asked = [o.order_id for o in orders]
        if self.error:
            raise self.error
        return [OrderCharges(order_id=o.order_id, total=self.totals[o.order_id]) for o in orders]


def test_a_complete_orders_charges_are_spread_by_quantity_exactly() -> None:
    # Given an order of 3 units filled in two fills (1 + 2), charged ₹20.0001 in all
    new = [fill("t1", "o1", 1), fill("t2", "o1", 2)]
    kite = FakeKite({"o1": Decimal("20.0001")})
    # When the exact fees are applied
    priced = with_exact_fees(kite, [order("o1", 3)], new)
    # Then each fill has its share by quantity and the shares add up to the order's charges
    assert [p.fees for p in priced] == [Decimal("6.6667"), Decimal("13.3334")]
    assert sum(p.fees for p in priced if p.fees is not None) == Decimal("20.0001")


def test_an_order_with_fills_from_an_earlier_sync_keeps_fees_omitted() -> None:
    # Given an order of 3 units of which only 2 are new in this sync, and an order still open
    new = [fill("t2", "o1", 2), fill("t3", "o2", 1)]
    kite = FakeKite({"o1": Decimal(20)})
    # When the exact fees are applied
    priced = with_exact_fees(kite, [order("o1", 3), order("o2", 1, status="OPEN")], new)
    # Then the broker is not asked and nothing is priced (the charge schedule will estimate)
    assert kite.asked == []
    assert [p.fees for p in priced] == [None, None]


def test_a_failing_charges_call_leaves_the_fills_as_they_are() -> None:
    # Given a broker whose charges API fails
    new = [fill("t1", "o1", 1)]
    kite = FakeKite(error=BrokerError("down", error_type="GeneralException"))
    # When the exact fees are applied
    priced = with_exact_fees(kite, [order("o1", 1)], new)
    # Then the sync goes on with the fills unchanged: fees omitted, not 0
    assert priced == new
    (doc,) = (to_document("usr_1", "zerodha", p) for p in priced)
    assert (doc["fees"], doc["feesGiven"]) == (0, False)


def test_exact_charges_are_stored_as_given_fees() -> None:
    # Given an order priced by the broker
    priced = with_exact_fees(FakeKite({"o1": Decimal("15.93")}), [order("o1", 1)], [fill("t1", "o1", 1)])
    # When stored, Then its fees are given
    (doc,) = (to_document("usr_1", "zerodha", p) for p in priced)
    assert (doc["fees"], doc["feesGiven"]) == (159_300, True)


def test_a_broker_without_a_charges_api_is_left_alone() -> None:
    # Given a client with no order_charges (Upstox)
    new = [fill("t1", "o1", 1)]
    # When the exact fees are applied, then nothing changes
    assert with_exact_fees(object(), [order("o1", 1)], new) == new


def test_charges_finer_than_our_money_unit_are_rounded_to_it() -> None:
    # Given an order charged ₹13.256789 (the broker's own precision) over two fills of 1
    new = [fill("t1", "o1", 1), fill("t2", "o1", 1)]
    kite = FakeKite({"o1": Decimal("13.256789")})
    # When the exact fees are applied
    priced = with_exact_fees(kite, [order("o1", 2)], new)
    # Then the fees are in 0.0001 INR and add up to the rounded total
    assert [p.fees for p in priced] == [Decimal("6.6284"), Decimal("6.6284")]
    assert all(p.fees is not None and p.fees == p.fees.quantize(Decimal("0.0001")) for p in priced)


def test_charges_a_fill_cannot_hold_leave_its_order_without_fees() -> None:
    # Given an order of one fill charged more than any fee can be (₹10 crore), beside a normal one
    new = [fill("t1", "o1", 1), fill("t2", "o2", 1)]
    kite = FakeKite({"o1": MAX_PRICE + Decimal("0.0001"), "o2": Decimal("20")})
    # When the exact fees are applied
    priced = with_exact_fees(kite, [order("o1", 1), order("o2", 1)], new)
    # Then that order's fill keeps its fees omitted (estimated later); the other takes its charges
    assert [(p.external_id, p.fees) for p in priced] == [("t1", None), ("t2", Decimal("20.0000"))]


def test_spread_fills_are_the_fills_with_only_their_fees_set() -> None:
    # Given two fills of an order charged ₹7
    new = [fill("t1", "o1", 1), fill("t2", "o1", 1)]
    # When the exact fees are applied
    priced = with_exact_fees(FakeKite({"o1": Decimal("7")}), [order("o1", 2)], new)
    # Then each is the fill as validated before, its fees set, and validates to itself again
    for before, after in zip(new, priced, strict=True):
        assert after.model_dump() == before.model_dump() | {"fees": Decimal("3.5000")}
        assert ExecutionIn.model_validate(after.model_dump(by_alias=True)) == after
