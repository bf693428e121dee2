"""Fills as they enter the FIFO engine's books: whole, split by same-day netting of delivery
equity, and opening lots (explicit, or snapshots of a holding); the order they enter in —
tradetrack.analytics.fifo (whose day loop applies equity_parts' rule inline, without a Part per
fill: equity_parts serves the snapshots' comparison)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import compress, islice
from operator import attrgetter, eq

from tradetrack.analytics.lots import INTRADAY_PRODUCTS, Fill, share, trade_id_for
from tradetrack.timeutil import ist_date, ist_day_start


@dataclass(slots=True)
class Part:
    """Units of a fill as they enter a book (a fill split by same-day netting has two parts)."""

    fill: Fill
    units: int
    fees: int
    netted: bool = False
    split: bool = False
    cost: int | None = None  # the lot's cost when it is not price × units
    day: date | None = None  # the fill's IST day, where the caller knows it
    acquired_at: datetime | None = None  # the lot's acquisition when it is not the fill's time

    @property
    def trade_id(self) -> str:
        """The id of a trade this part opens: the fill's, with `_i` for the intraday part of a
        split fill (its other part may open a delivery trade)."""
        return trade_id_for(self.fill.execution_id) + ("_i" if self.netted and self.split else "")


def fill_day(fill: Fill) -> date:
    return ist_date(fill.executed_at)


_ONE_DAY = timedelta(days=1)
IST_MIDNIGHT_IN_UTC = timedelta(hours=18, minutes=30)  # 00:00 IST is 18:30 UTC the day before


def day_bounds(moment: datetime) -> tuple[date, datetime]:
    """The IST day of a moment and when the next IST day starts, in the moment's own time zone (a
    naive time is IST): later moments of the same day compare below it — one date per day, not one
    per fill."""
    day = ist_date(moment)
    zone = moment.tzinfo
    if zone is UTC:
        return day, datetime.combine(day, time(), UTC) + IST_MIDNIGHT_IN_UTC
    if zone is None:
        return day, datetime.combine(day, time()) + _ONE_DAY
    return day, ist_day_start(day + _ONE_DAY)


def equity_parts(fills: Sequence[Fill]) -> list[Part]:
    """Equity fills (in time order) as they enter the books, in time order: an intraday product's
    whole; delivery fills after same-day netting — on each IST day, the first min(bought, sold)
    units bought and the first as many sold are intraday, the rest is delivery."""
    days = [fill_day(fill) for fill in fills]
    parts: list[Part] = []
    start, count = 0, len(fills)
    while start < count:
        day, end = days[start], start + 1
        while end < count and days[end] == day:
            end += 1
        if end - start == 1:  # the usual day of a position: nothing to net
            fill = fills[start]
            parts.append(Part(fill, fill.quantity, fill.fees, day=day))
            start = end
            continue
        bought = sold = 0
        for fill in fills[start:end]:
            if fill.product not in INTRADAY_PRODUCTS:
                if fill.side == "BUY":
                    bought += fill.quantity
                else:
                    sold += fill.quantity
        left = {"BUY": min(bought, sold), "SELL": min(bought, sold)}
        for fill in fills[start:end]:
            if fill.product in INTRADAY_PRODUCTS:
                parts.append(Part(fill, fill.quantity, fill.fees, day=day))
                continue
            netted = min(left[fill.side], fill.quantity)
            left[fill.side] -= netted
            netted_fees = share(fill.fees, netted, fill.quantity)
            split = 0 < netted < fill.quantity
            if netted:
                parts.append(Part(fill, netted, netted_fees, netted=True, split=split, day=day))
            if fill.quantity - netted:
                parts.append(
                    Part(fill, fill.quantity - netted, fill.fees - netted_fees, split=split, day=day)
                )
        start = end
    return parts


def netted_units(day_fills: Sequence[Fill]) -> int:
    """The units netted on a day of equity fills: min(bought, sold) of its delivery fills."""
    bought = sold = 0
    for fill in day_fills:
        if fill.product not in INTRADAY_PRODUCTS:
            if fill.side == "BUY":
                bought += fill.quantity
            else:
                sold += fill.quantity
    return min(bought, sold)


def opening_parts(opening: Sequence[Fill], parts: Sequence[Part]) -> list[Part]:
    """The opening lots as they enter FIFO. A snapshot (the holding on a day) enters with the units
    that the explicit opening lots, earlier snapshots and the delivery fills before its day do not
    explain; none when they explain it all."""
    if not any(fill.snapshot for fill in opening):
        return [Part(fill, fill.quantity, fill.fees, cost=fill.cost) for fill in opening]
    flow = [
        (p.fill.executed_at, p.units if p.fill.side == "BUY" else -p.units)
        for p in parts
        if not p.netted and p.fill.product not in INTRADAY_PRODUCTS
    ]
    explained = sum(f.quantity for f in opening if not f.snapshot)
    entering: list[Part] = []
    for fill in opening:
        if not fill.snapshot:
            entering.append(Part(fill, fill.quantity, fill.fees, cost=fill.cost))
            continue
        missing = fill.quantity - explained - sum(units for at, units in flow if at < fill.executed_at)
        if missing > 0:
            entering.extend(_snapshot_parts(fill, missing))
            explained += missing
    return entering


_YEAR_AND_A_DAY = timedelta(days=366)


def _snapshot_parts(fill: Fill, units: int) -> list[Part]:
    """The `units` of a snapshot that enter FIFO: its long-term units first (the oldest), dated a
    year and a day before the snapshot, then the rest at its date; cost and fees shared by units."""
    price_cost = fill.price * fill.quantity if fill.cost is None else fill.cost
    cost = share(price_cost, units, fill.quantity)
    fees = share(fill.fees, units, fill.quantity)
    older = min(fill.long_term, units)
    if not older:
        return [Part(fill, units, fees, cost=cost)]
    older_cost, older_fees = share(cost, older, units), share(fees, older, units)
    parts = [Part(fill, older, older_fees, cost=older_cost, acquired_at=fill.executed_at - _YEAR_AND_A_DAY)]
    if units > older:
        parts.append(Part(fill, units - older, fees - older_fees, cost=cost - older_cost))
    return parts


_BY_TIME = attrgetter("executed_at", "sort_key", "execution_id")
_AT = attrgetter("executed_at")


def ordered(fills: Iterable[Fill]) -> list[Fill]:
    """Opening lots first (by acquisition), then fills by time."""
    opening, others, _ = ordered_apart(fills)
    return opening + others


def ordered_apart(fills: Iterable[Fill]) -> tuple[list[Fill], list[Fill], list[datetime]]:
    """The opening lots and the other fills, each by time (stable: as ordered() sorts them), and
    the other fills' times."""
    others = sorted(fills, key=_AT)
    opening: list[Fill] = []
    if True in [fill.opening for fill in others]:  # (a comprehension reads a slot faster than map)
        opening = [f for f in others if f.opening]
        others = [f for f in others if not f.opening]
        _ties_in_order(opening)
    return opening, others, _ties_in_order(others)


def _ties_in_order(fills: list[Fill]) -> list[datetime]:
    """Fills sorted by time → by (executed_at, sort_key, execution_id), stably: each run of fills
    at one instant by the rest of the key (the runs found at C speed). Sorting by time alone first
    costs one comparison of datetimes where a tuple key costs two, and no tuple per fill. Returns
    the fills' times."""
    times = [fill.executed_at for fill in fills]  # (faster than map(_AT, fills))
    tied = list(compress(range(1, len(times)), map(eq, times, islice(times, 1, None))))
    index = 0
    while index < len(tied):  # tied[index] is at the instant of the fill before it
        start, end = tied[index] - 1, tied[index] + 1
        while index + 1 < len(tied) and tied[index + 1] == end:
            index, end = index + 1, end + 1
        if end - start == 2:  # the usual tie: two fills (a partly filled order)
            first, second = fills[start], fills[start + 1]
            if (second.sort_key, second.execution_id) < (first.sort_key, first.execution_id):
                fills[start], fills[start + 1] = second, first
        else:
            fills[start:end] = sorted(fills[start:end], key=_BY_TIME)
        index += 1
    return times
