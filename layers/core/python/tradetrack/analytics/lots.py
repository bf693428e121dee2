"""What the FIFO engine reads (fills), keeps per open lot, records per sale and returns (trades,
unmatched exits) — tradetrack.analytics.fifo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

Side = Literal["BUY", "SELL"]
Direction = Literal["LONG", "SHORT"]
Book = Literal["delivery", "intraday"]
INTRADAY_PRODUCTS = frozenset({"MIS", "I", "BO", "CO"})  # Kite MIS/BO/CO, Upstox I


def share(total: int, part: int, whole: int) -> int:
    """`part`/`whole` of `total`, rounded down (the last part takes what is left)."""
    return total if part == whole else total * part // whole


@dataclass(slots=True)
class Lot:
    execution_id: str  # what created the lot: a fill, an opening lot, a corporate action
    quantity: int
    cost: int  # what the remaining units cost, scaled 10^4 (a split changes units, not cost)
    fees: int  # the part of the opening fill's fees still carried by this lot
    acquired_at: datetime  # UTC: the tax holding period starts here


class Realization(NamedTuple):
    """Units of one lot closed by one fill: the unit of tax P&L (one sale row per realization).
    A named tuple: the engine makes one per lot a fill closes, with tuple.__new__ (new_realization)."""

    at: datetime  # UTC, when the units were closed
    acquired_at: datetime  # UTC, when the lot was acquired (or the short opened)
    quantity: int
    entry_value: int  # the lot's cost of these units (scaled)
    exit_value: int  # closing price × units (scaled)
    pnl: int  # gross, signed
    fees: int  # the given fees of these units: entry share + exit share
    intraday: bool
    entry_execution_id: str
    exit_execution_id: str

    def document(self) -> dict[str, object]:
        return {
            "at": self.at,
            "acquiredAt": self.acquired_at,
            "quantity": self.quantity,
            "entryValue": self.entry_value,
            "exitValue": self.exit_value,
            "pnl": self.pnl,
            "fees": self.fees,
            "intraday": self.intraday,
            "entryExecutionId": self.entry_execution_id,
            "exitExecutionId": self.exit_execution_id,
        }


@dataclass(slots=True)
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
    fees_given: bool = True
    opening: bool = False  # an opening lot: held before the journal's data starts
    # An opening lot that is a holding on `executed_at` (a holdings file, a broker's holdings): it
    # stands for the units the journal's own fills before that day do not explain.
    snapshot: bool = False
    cost: int | None = None  # an opening lot's exact cost when it is not price × quantity
    # Of a snapshot, the units held for over a year on its date (Console's "Quantity Long Term"):
    # the oldest units, acquired (for tax) a year and a day before it.
    long_term: int = 0


def trade_id_for(execution_id: str) -> str:
    """A trade is named after the execution that opened it: stable across recomputation."""
    return f"trd_{execution_id.removeprefix('exe_')}"


@dataclass(slots=True, init=False)
class Trade:
    trade_id: str
    direction: Direction
    opened_at: datetime
    book: Book
    products: frozenset[str]  # (frozen: the engine gives trades of one product the same set)
    execution_ids: list[str]
    quantity: int  # units opened (adjusted by splits and bonuses)
    entry_value: int  # Σ price × units opened (scaled)
    exit_quantity: int
    exit_value: int
    realized_pnl: int  # gross, before charges (scaled)
    charges: int  # entry fees of the closed units + exit fees (+ open lots' entry fees)
    fees_given: bool  # every fill of the trade carried its fees
    closed_at: datetime | None
    lots: list[Lot]  # the open lots, oldest first (a list: most trades have a few; closing is del [:n])
    realizations: list[Realization]
    held: int  # Σ units of `lots`, kept as they change (the engine's hot path reads it)
    # execution_ids as a set, for membership, once there are many (the engine scans a short list)
    seen: set[str] | None = field(repr=False)

    def __init__(
        self, trade_id: str, direction: Direction, opened_at: datetime, book: Book = "delivery"
    ) -> None:
        # Written out (not generated with default factories): the engine opens one per round trip.
        # tradetrack.analytics.books.Engine.run writes these fields out too (a new field: there too).
        self.trade_id, self.direction, self.opened_at, self.book = trade_id, direction, opened_at, book
        self.products, self.execution_ids, self.seen = frozenset(), [], None
        self.quantity = self.entry_value = self.exit_quantity = self.exit_value = 0
        self.realized_pnl = self.charges = self.held = 0
        self.fees_given, self.closed_at = True, None
        self.lots, self.realizations = [], []

    @property
    def open_quantity(self) -> int:
        return self.held

    @property
    def open_cost(self) -> int:
        return sum(lot.cost for lot in self.lots)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class UnmatchedExit:
    """Units of a delivery sell that found no open lot: not a short, not P&L."""

    execution_id: str
    quantity: int
    price: int
    executed_at: datetime
