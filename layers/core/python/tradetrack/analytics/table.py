"""Trade documents → column arrays for the metrics: one pass over the user's trades, in Python.

Two tables, money columns exact int64 scaled by 10^4:
- `ClosedTrades`: one row per trade closed in the range (by `closedAt`), for the trade-level
  statistics (win rate, profit factor, expectancy, counts, best and worst trade), each with the
  whole trade's gross P&L and charges;
- `Events`: one row per realization in the range (by its `at`), of closed and open trades alike,
  for the P&L when realized: the daily series, the time series and the summary's P&L totals
  (analytics/realized.py: a realization's charges are its share of the trade's, by units).
A table built by hand without events (tests, benchmarks) takes one event per closed trade on its
close day. Open trades also carry the position (valued by tradetrack.positions at marks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from tradetrack.analytics.realized import Realized, is_closed, realizations_of
from tradetrack.analytics.trade_charges import effective_charges, ist
from tradetrack.book import in_view
from tradetrack.queries import aware
from tradetrack.timeutil import IST

if TYPE_CHECKING:  # numpy's typing imports numpy: not at a cold start (tradetrack.coldstart)
    import numpy.typing as npt

    Ints: TypeAlias = npt.NDArray[np.int64]

Document = dict[str, Any]
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
    "book",
    "isin",
    "chargesEstimated",
    "realizations",
]


@dataclass(frozen=True)
class Filters:
    account_id: str | None = None
    category: str | None = None
    symbol: str | None = None
    closed_from: datetime | None = None  # UTC, inclusive
    closed_until: datetime | None = None  # UTC
    until_inclusive: bool = True
    include_paper: bool = False  # without an account: paper accounts too (tradetrack.book)

    def keeps(self, doc: Document) -> bool:
        if not in_view(doc.get("accountId"), account=self.account_id, include_paper=self.include_paper):
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


def _ints(values: list[int]) -> Ints:
    return np.array(values, dtype=np.int64)


def _empty() -> Ints:
    return np.zeros(0, np.int64)


@dataclass
class Events:
    """Realizations as columns, in the order of `items` (of `docs`, their trades)."""

    docs: list[Document] = field(default_factory=list)
    day: Ints = field(default_factory=_empty)  # IST date ordinal of `at`
    gross: Ints = field(default_factory=_empty)
    charges: Ints = field(default_factory=_empty)  # the realization's share of its trade's charges
    estimated: Ints = field(default_factory=_empty)  # the estimated part of `charges`
    open_weekday: Ints = field(default_factory=_empty)  # of the trade, IST, Monday = 0
    open_hour: Ints = field(default_factory=_empty)  # of the trade, IST
    items: list[Realized] = field(default_factory=list)  # empty when taken from trade columns
    per_trade: bool = False  # event i is closed trade i (taken from a ClosedTrades' columns)

    @property
    def net(self) -> Ints:
        return self.gross - self.charges

    def __len__(self) -> int:
        return len(self.docs)


def events_of(items: Iterable[Realized]) -> Events:
    kept = list(items)
    opened = [ist(item.doc["openedAt"]) for item in kept]
    return Events(
        docs=[item.doc for item in kept],
        day=_ints([ist(item.at).date().toordinal() for item in kept]),
        gross=_ints([item.pnl for item in kept]),
        charges=_ints([item.charges for item in kept]),
        estimated=_ints([item.charges if item.estimated else 0 for item in kept]),
        open_weekday=_ints([moment.weekday() for moment in opened]),
        open_hour=_ints([moment.hour for moment in opened]),
        items=kept,
    )


@dataclass
class ClosedTrades:
    """Closed trades as columns, in the order of `docs`, and the range's realizations."""

    docs: list[Document] = field(default_factory=list)
    realized: Ints = field(default_factory=_empty)
    charges: Ints = field(default_factory=_empty)
    estimated: Ints = field(default_factory=_empty)  # the estimated part
    close_day: Ints = field(default_factory=_empty)  # IST date ordinal
    open_weekday: Ints = field(default_factory=_empty)  # IST, Monday = 0
    open_hour: Ints = field(default_factory=_empty)  # IST
    events: Events | None = None  # None: one event per closed trade, on its close day

    @property
    def net(self) -> Ints:
        return self.realized - self.charges

    def pnl_events(self) -> Events:
        if self.events is not None:
            return self.events
        return Events(
            self.docs, self.close_day, self.realized, self.charges, self.estimated,
            self.open_weekday, self.open_hour, per_trade=True,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.docs)


def closed_table(docs: list[Document], events: Events | None = None) -> ClosedTrades:
    """Closed trades as columns; `events` default to every realization of these trades."""
    realized: list[int] = []
    charges: list[int] = []
    estimated: list[int] = []
    days: list[int] = []
    weekdays: list[int] = []
    hours: list[int] = []
    items: list[Realized] = []
    for doc in docs:
        amount, guessed = effective_charges(doc)
        opened = ist(doc["openedAt"])
        realized.append(int(doc["realizedPnl"]))
        charges.append(amount)
        estimated.append(amount if guessed else 0)
        days.append(ist(doc["closedAt"]).date().toordinal())
        weekdays.append(opened.weekday())
        hours.append(opened.hour)
        if events is None:
            items.extend(realizations_of(doc, (amount, guessed)))
    return ClosedTrades(
        docs=docs,
        realized=_ints(realized),
        charges=_ints(charges),
        estimated=_ints(estimated),
        close_day=_ints(days),
        open_weekday=_ints(weekdays),
        open_hour=_ints(hours),
        events=events_of(items) if events is None else events,
    )


def realized_in_range(docs: Iterable[Document], filters: Filters) -> Events:
    """The realizations in the filters' range (by `at`) of the trades passing the filters, open or closed."""
    return events_of(
        item
        for doc in docs
        if filters.keeps(doc)
        for item in realizations_of(doc)
        if filters.in_range(item.at)
    )


def split(docs: list[Document], filters: Filters) -> tuple[list[Document], list[Document]]:
    """(closed in range, open) trades passing the filters."""
    closed: list[Document] = []
    opened: list[Document] = []
    for doc in docs:
        if not filters.keeps(doc):
            continue
        if not is_closed(doc):
            opened.append(doc)
        elif filters.in_range(aware(doc["closedAt"])):
            closed.append(doc)
    return closed, opened
