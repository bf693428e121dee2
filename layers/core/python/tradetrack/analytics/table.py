"""Trade documents → column arrays for the metrics: one pass over the user's trades, in Python.

Closed trades carry the P&L (dated by the IST day they closed); open trades carry the position
(valued by tradetrack.positions at marks). Money columns are exact int64 scaled by 10^4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetrack.analytics.categories import INTRADAY_PRODUCTS
from tradetrack.analytics.charges import estimate_trade_charges, kind_of
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE
from tradetrack.queries import aware
from tradetrack.timeutil import IST

Document = dict[str, Any]
Ints = npt.NDArray[np.int64]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Fields the analytics read (a projection: the rest of a trade document stays in Mongo).
FIELDS = [
    "accountId",
    "symbol",
    "exchange",
    "instrument",
    "segment",
    "isFno",
    "direction",
    "status",
    "category",
    "autoCategory",
    "openedAt",
    "closedAt",
    "quantity",
    "openQuantity",
    "openCost",
    "lastPrice",
    "realizedPnl",
    "charges",
    "entryValue",
    "exitValue",
    "avgEntry",
    "avgExit",
    "products",
]


@dataclass(frozen=True)
class Filters:
    account_id: str | None = None
    category: str | None = None
    symbol: str | None = None
    closed_from: datetime | None = None  # UTC, inclusive
    closed_until: datetime | None = None  # UTC
    until_inclusive: bool = True

    def keeps(self, doc: Document) -> bool:
        if self.account_id is not None and doc.get("accountId") != self.account_id:
            return False
        if self.category is not None and doc.get("category") != self.category:
            return False
        return self.symbol is None or doc.get("symbol") == self.symbol

    def in_range(self, closed: datetime) -> bool:
        if self.closed_from is not None and closed < self.closed_from:
            return False
        if self.closed_until is None:
            return True
        return closed <= self.closed_until if self.until_inclusive else closed < self.closed_until

    @property
    def first_day(self) -> date | None:
        return None if self.closed_from is None else self.closed_from.astimezone(IST).date()

    @property
    def last_day(self) -> date | None:
        if self.closed_until is None:
            return None
        last = self.closed_until if self.until_inclusive else self.closed_until - timedelta(microseconds=1)
        return last.astimezone(IST).date()


def is_intraday(doc: Document) -> bool:
    """Intraday for charges and tax: an intraday product, or opened and closed the same IST day."""
    if set(doc.get("products") or ()) & INTRADAY_PRODUCTS:
        return True
    closed = doc.get("closedAt")
    return closed is not None and ist(closed).date() == ist(doc["openedAt"]).date()


def ist(moment: datetime) -> datetime:
    return aware(moment).astimezone(IST)


def _side_values(doc: Document) -> tuple[int, int]:
    """(entry, exit) turnover, exact when the document has them (older ones: from the averages)."""
    entry = doc.get("entryValue")
    exit_ = doc.get("exitValue")
    quantity = int(doc.get("quantity") or 0)
    if entry is None:
        entry = int(doc.get("avgEntry") or 0) * quantity
    if exit_ is None:
        exit_ = int(doc.get("avgExit") or 0) * quantity
    return int(entry), int(exit_)


def effective_charges(doc: Document) -> tuple[int, bool]:
    """(charges, estimated): the fees its executions carried, else the schedule's (analytics/charges.py)."""
    recorded = int(doc.get("charges") or 0)
    if recorded or doc.get("closedAt") is None:
        return recorded, False
    entry, exit_ = _side_values(doc)
    kind = kind_of(
        segment=doc.get("segment") or SEGMENT_OF_EXCHANGE.get(str(doc.get("exchange") or "")),
        is_fno=bool(doc.get("isFno")),
        symbol=str(doc.get("symbol") or ""),
        intraday=is_intraday(doc),
    )
    estimate = estimate_trade_charges(
        kind,
        long=doc.get("direction") != "SHORT",
        entry_day=ist(doc["openedAt"]).date(),
        entry_value=entry,
        exit_day=ist(doc["closedAt"]).date(),
        exit_value=exit_,
    )
    return estimate, True


@dataclass
class ClosedTrades:
    """Closed trades as columns, in the order of `docs`."""

    docs: list[Document] = field(default_factory=list)
    realized: Ints = field(default_factory=lambda: np.zeros(0, np.int64))
    charges: Ints = field(default_factory=lambda: np.zeros(0, np.int64))
    estimated: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # the estimated part
    close_day: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # IST date ordinal
    open_weekday: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # IST, Monday = 0
    open_hour: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # IST

    @property
    def net(self) -> Ints:
        return self.realized - self.charges

    def __len__(self) -> int:
        return len(self.docs)


def closed_table(docs: list[Document]) -> ClosedTrades:
    realized: list[int] = []
    charges: list[int] = []
    estimated: list[int] = []
    days: list[int] = []
    weekdays: list[int] = []
    hours: list[int] = []
    for doc in docs:
        amount, guessed = effective_charges(doc)
        opened = ist(doc["openedAt"])
        realized.append(int(doc["realizedPnl"]))
        charges.append(amount)
        estimated.append(amount if guessed else 0)
        days.append(ist(doc["closedAt"]).date().toordinal())
        weekdays.append(opened.weekday())
        hours.append(opened.hour)
    return ClosedTrades(
        docs=docs,
        realized=np.array(realized, dtype=np.int64),
        charges=np.array(charges, dtype=np.int64),
        estimated=np.array(estimated, dtype=np.int64),
        close_day=np.array(days, dtype=np.int64),
        open_weekday=np.array(weekdays, dtype=np.int64),
        open_hour=np.array(hours, dtype=np.int64),
    )


def split(docs: list[Document], filters: Filters) -> tuple[list[Document], list[Document]]:
    """(closed in range, open) trades passing the filters."""
    closed: list[Document] = []
    opened: list[Document] = []
    for doc in docs:
        if not filters.keeps(doc):
            continue
        closed_at = doc.get("closedAt")
        if closed_at is None or doc.get("status") == "open":
            opened.append(doc)
        elif filters.in_range(aware(closed_at)):
            closed.append(doc)
    return closed, opened


def today_ist() -> date:
    return datetime.now(UTC).astimezone(IST).date()
