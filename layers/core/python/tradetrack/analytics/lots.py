"""What the FIFO engine keeps per open lot and records per sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


@dataclass(slots=True)
class Realization:
    """Units of one lot closed by one fill: the unit of tax P&L (one sale row per realization)."""

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
