"""The FIFO engine: executions (fills) of one instrument → round-trip trades and open lots.

Same-side fills add lots; an opposite fill consumes lots first-in-first-out; a fill larger
than the open position closes the trade and opens the opposite one with the remainder.
Money is exact: prices and fees are integers scaled by 10^4 (tradetrack.money), quantities
are integer units; a fill's fees are split across the lots it opens or closes in proportion
to quantity, by integer division whose remainders go to the last part, so no paisa is lost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Side = Literal["BUY", "SELL"]
Direction = Literal["LONG", "SHORT"]


@dataclass(frozen=True)
class Fill:
    """What the engine needs of an execution."""

    execution_id: str
    side: Side
    quantity: int  # units, > 0
    price: int  # scaled 10^4
    fees: int  # scaled 10^4, >= 0
    executed_at: datetime  # UTC
    product: str | None = None
    sort_key: str = ""  # breaks ties between fills at the same instant (source + external id)


@dataclass
class Lot:
    execution_id: str
    quantity: int
    price: int
    fees: int  # the part of the opening fill's fees still carried by this lot


@dataclass
class Trade:
    trade_id: str
    direction: Direction
    opened_at: datetime
    products: set[str] = field(default_factory=set)
    execution_ids: list[str] = field(default_factory=list)
    quantity: int = 0  # units opened
    entry_value: int = 0  # Σ price × units opened (scaled)
    exit_quantity: int = 0
    exit_value: int = 0
    realized_pnl: int = 0  # gross, before charges (scaled)
    charges: int = 0  # entry fees of the closed units + exit fees (+ open lots' entry fees)
    closed_at: datetime | None = None
    lots: deque[Lot] = field(default_factory=deque)

    @property
    def open_quantity(self) -> int:
        return sum(lot.quantity for lot in self.lots)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


def trade_id_for(execution_id: str) -> str:
    """A trade is named after the execution that opened it: stable across recomputation."""
    return f"trd_{execution_id.removeprefix('exe_')}"


def ordered(fills: Iterable[Fill]) -> list[Fill]:
    return sorted(fills, key=lambda f: (f.executed_at, f.sort_key, f.execution_id))


def _share(total: int, part: int, whole: int) -> int:
    """`part`/`whole` of `total`, rounded down (the last part takes what is left)."""
    return total if part == whole else total * part // whole


def _open(trades: list[Trade], fill: Fill, quantity: int, fees: int) -> Trade:
    trade = Trade(
        trade_id=trade_id_for(fill.execution_id),
        direction="LONG" if fill.side == "BUY" else "SHORT",
        opened_at=fill.executed_at,
    )
    trades.append(trade)
    _add(trade, fill, quantity, fees)
    return trade


def _add(trade: Trade, fill: Fill, quantity: int, fees: int) -> None:
    trade.lots.append(Lot(fill.execution_id, quantity, fill.price, fees))
    trade.quantity += quantity
    trade.entry_value += fill.price * quantity
    trade.charges += fees
    if fill.execution_id not in trade.execution_ids:
        trade.execution_ids.append(fill.execution_id)
    if fill.product:
        trade.products.add(fill.product)


def _reduce(trade: Trade, fill: Fill, quantity: int, fees: int) -> None:
    """Close `quantity` units of the trade's lots, oldest first."""
    sign = 1 if trade.direction == "LONG" else -1
    left = quantity
    while left:
        lot = trade.lots[0]
        used = min(left, lot.quantity)
        lot.fees -= _share(lot.fees, used, lot.quantity)  # the consumed share stays in trade.charges
        lot.quantity -= used
        trade.realized_pnl += sign * (fill.price - lot.price) * used
        left -= used
        if lot.quantity == 0:
            trade.lots.popleft()
    trade.exit_quantity += quantity
    trade.exit_value += fill.price * quantity
    trade.charges += fees
    if fill.execution_id not in trade.execution_ids:
        trade.execution_ids.append(fill.execution_id)
    if fill.product:
        trade.products.add(fill.product)
    if not trade.lots:
        trade.closed_at = fill.executed_at


def match_fills(fills: Iterable[Fill]) -> list[Trade]:
    """Every round trip of one instrument, oldest first; the last may be open (the position)."""
    trades: list[Trade] = []
    current: Trade | None = None
    for fill in ordered(fills):
        if fill.quantity <= 0:
            raise ValueError(f"execution {fill.execution_id} has quantity {fill.quantity}")
        same_side = current is not None and (current.direction == "LONG") == (fill.side == "BUY")
        if current is None:
            current = _open(trades, fill, fill.quantity, fill.fees)
        elif same_side:
            _add(current, fill, fill.quantity, fill.fees)
        else:
            closing = min(fill.quantity, current.open_quantity)
            closing_fees = _share(fill.fees, closing, fill.quantity)
            _reduce(current, fill, closing, closing_fees)
            remainder = fill.quantity - closing
            if remainder:  # more than the position: the rest opens the opposite trade
                current = _open(trades, fill, remainder, fill.fees - closing_fees)
            elif not current.lots:  # exactly flat
                current = None
    return trades
