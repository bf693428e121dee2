"""A trade's charges: its fills' fees when every fill carried fees, else the schedule's estimate.

The FIFO engine calls `trade_charges` when it derives a trade document and stores the answer as
`charges` and `chargesEstimated`; the analytics then read those fields (`effective_charges`, which
falls back to the same estimate for older documents without `chargesEstimated`).

The estimate (analytics/charges.py has the schedule and its sources), leg by leg at each leg's own
IST date:
- the entry leg on `entryValue` at the IST date of `openedAt` (a buy for a long, a sell for a short);
- one exit leg per closing fill (the realizations sharing an `exitExecutionId`), on the sum of their
  `exitValue`, at the IST date of that fill: partial sales are charged on their own days. An open
  trade with no realization has only its entry leg. Documents without `realizations` (older ones)
  have one exit leg on `exitValue` at `closedAt`.
- the DP charge of equity delivery, once per IST sell day of the trade (the exit days of a long,
  the entry day of a short).
The schedule's kind is intraday when `book` is "intraday" (documents without `book`: an intraday
product, or opened and closed on the same IST day).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tradetrack.analytics.categories import INTRADAY_PRODUCTS
from tradetrack.analytics.charges import Kind, dp_charges, kind_of, leg_charges
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE
from tradetrack.queries import aware
from tradetrack.timeutil import IST, ist_date

Document = Mapping[str, Any]


def ist(moment: datetime) -> datetime:
    return aware(moment).astimezone(IST)


def is_intraday(doc: Document) -> bool:
    """Intraday for documents without `book`: an intraday product, or opened and closed the same IST day."""
    if set(doc.get("products") or ()) & INTRADAY_PRODUCTS:
        return True
    closed = doc.get("closedAt")
    return closed is not None and ist(closed).date() == ist(doc["openedAt"]).date()


def in_intraday_book(doc: Document) -> bool:
    book = doc.get("book")
    return book == "intraday" if book is not None else is_intraday(doc)


def schedule_kind(doc: Document) -> Kind:
    return kind_of(
        segment=doc.get("segment") or SEGMENT_OF_EXCHANGE.get(str(doc.get("exchange") or "")),
        is_fno=bool(doc.get("isFno")),
        symbol=str(doc.get("symbol") or ""),
        intraday=in_intraday_book(doc),
    )


def side_values(doc: Document) -> tuple[int, int]:
    """(entry, exit) turnover, exact when the document has them (older ones: from the averages)."""
    entry = doc.get("entryValue")
    exit_ = doc.get("exitValue")
    quantity = int(doc.get("quantity") or 0)
    if entry is None:
        entry = int(doc.get("avgEntry") or 0) * quantity
    if exit_ is None:
        exit_ = int(doc.get("avgExit") or 0) * quantity
    return int(entry), int(exit_)


def exit_legs(doc: Document) -> list[tuple[date, int]]:
    """(IST day, turnover) of each closing fill, in order."""
    realizations = doc.get("realizations")
    if realizations is None:
        closed = doc.get("closedAt")
        return [] if closed is None else [(ist(closed).date(), side_values(doc)[1])]
    legs: dict[str, tuple[date, int]] = {}
    for index, part in enumerate(realizations):
        key = str(part.get("exitExecutionId") or f"#{index}")
        day, value = legs.get(key) or (ist_date(part["at"]), 0)
        legs[key] = (day, value + int(part["exitValue"]))
    return list(legs.values())


def estimate_charges(doc: Document) -> int:
    """The schedule's charges of a trade document: entry leg, exit legs, DP charges per sell day."""
    kind = schedule_kind(doc)
    long = doc.get("direction") != "SHORT"
    entry_day = ist_date(doc["openedAt"])
    legs = exit_legs(doc)
    total = leg_charges(kind, entry_day, side_values(doc)[0], buy=long)
    total += sum(leg_charges(kind, day, value, buy=not long) for day, value in legs)
    sell_days = {day for day, _ in legs} if long else {entry_day}
    return total + sum(dp_charges(kind, day) for day in sell_days)


def trade_charges(doc: Document, *, fees_given: bool, fees: int) -> tuple[int, bool]:
    """(charges, estimated): the fills' `fees` when every fill carried fees, else the schedule's."""
    if fees_given:
        return fees, False
    return estimate_charges(doc), True


def effective_charges(doc: Document) -> tuple[int, bool]:
    """(charges, estimated) of a stored trade: `charges`/`chargesEstimated` as stored; for older
    documents without `chargesEstimated`, recorded fees when non-zero (or the trade is open), else
    the schedule's estimate."""
    recorded = int(doc.get("charges") or 0)
    if "chargesEstimated" in doc:
        return recorded, bool(doc["chargesEstimated"])
    if recorded or doc.get("closedAt") is None:
        return recorded, False
    return estimate_charges(doc), True
