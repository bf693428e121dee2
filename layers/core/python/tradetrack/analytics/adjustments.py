"""Corporate actions as the FIFO engine applies them to the delivery lots held at the ex-date.

- split (sub-division) and consolidation: every lot's units × numerator / denominator; its cost
  stays (so realized P&L is the same whether earlier fills are in pre- or post-split units).
  Fractions left by a consolidation are dropped (companies pay them out in cash; the cash is
  not modelled) and the lot keeps its whole cost.
- bonus: numerator / denominator is the holding after the issue per unit before (1:1 → 2/1):
  each lot is followed, at the end of the queue, by a new lot of the extra units at nil cost
  acquired on the ex-date — Income-tax Act s.55(2)(aa)(iiia) (cost of bonus shares is nil) and
  the holding period of bonus shares runs from their allotment (CBDT and settled case law on
  s.2(42A)), so they are FIFO's newest units, not the original lot's.
- expiry (a derivative contract): every open position closes at the settlement price, at the
  close of the expiry day (tradetrack.fifo closes them; see tradetrack.instruments.expiry).
- demerger: `cost_percent` of every lot's cost leaves with the new company's shares (s.49(2C)
  of the Income-tax Act: the cost of the original shares is apportioned by the net book value
  the resulting company takes), units stay. Each lot spawns a lot of the new company: units ×
  numerator / denominator (the shares allotted per share held), that part of the cost, and the
  original acquisition date (s.2(42A) Explanation 1(c): the period of holding includes the
  period the original shares were held).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from tradetrack.analytics.lots import Lot, Trade
from tradetrack.timeutil import ist_day_start

AdjustmentKind = Literal["split", "consolidation", "bonus", "demerger", "expiry"]


@dataclass(frozen=True)
class SpawnedLot:
    """A lot of the resulting company that a demerger gives for a lot of the parent."""

    quantity: int
    cost: int
    acquired_at: datetime


@dataclass(frozen=True)
class Adjustment:
    action_id: str
    kind: AdjustmentKind
    effective_at: datetime  # UTC: 00:00 IST of the ex-date, before that day's fills
    numerator: int = 1
    denominator: int = 1
    cost_percent: Decimal | None = None
    price: int | None = None  # expiry: what a unit settles at (scaled); the engine closes every lot


def _percent_of(amount: int, percent: Decimal) -> int:
    """`percent`% of `amount`, rounded down, exactly (any number of decimals)."""
    numerator, denominator = percent.as_integer_ratio()
    return amount * numerator // (denominator * 100)


def apply_adjustment(trade: Trade, adjustment: Adjustment) -> list[SpawnedLot]:
    """Adjust the open lots of a delivery trade held at the ex-date (in place: a lot acquired on or
    after it, such as an opening lot stated later, is already in the new units); a demerger's
    new lots are returned."""
    num, den = adjustment.numerator, adjustment.denominator
    held = [lot for lot in trade.lots if lot.acquired_at < adjustment.effective_at]
    if adjustment.kind in ("split", "consolidation"):
        for lot in held:
            trade.quantity += lot.quantity * num // den - lot.quantity
            lot.quantity = lot.quantity * num // den
        closed = trade.exit_quantity  # every exit so far was in the old units
        trade.quantity += closed * num // den - closed
        trade.exit_quantity = closed * num // den
        trade.lots = type(trade.lots)(lot for lot in trade.lots if lot.quantity > 0)
    elif adjustment.kind == "bonus":
        extra = sum(lot.quantity * (num - den) // den for lot in held)
        if extra > 0:
            trade.lots.append(Lot(adjustment.action_id, extra, 0, 0, adjustment.effective_at))
            trade.quantity += extra
    elif adjustment.kind == "demerger" and adjustment.cost_percent is not None:
        spawned = []
        for lot in held:
            moved = _percent_of(lot.cost, adjustment.cost_percent)
            lot.cost -= moved
            trade.entry_value -= moved
            units = lot.quantity * num // den
            if units > 0:
                spawned.append(SpawnedLot(units, moved, lot.acquired_at))
        return spawned
    return []


def from_action(doc: dict[str, Any]) -> Adjustment:
    """The adjustment a stored corporate action (tradetrack.db.corporate_actions) makes: at
    00:00 IST of its ex-date, before that day's fills."""
    percent = doc.get("costPercent")
    return Adjustment(
        action_id=f"ca_{doc['_id']}",
        kind=doc["kind"],
        effective_at=ist_day_start(date.fromisoformat(doc["exDate"])),
        numerator=int(doc.get("numerator") or 1),
        denominator=int(doc.get("denominator") or 1),
        cost_percent=Decimal(percent) if percent is not None else None,
    )
