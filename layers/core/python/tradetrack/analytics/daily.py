"""Per-day aggregates of a user's trades: what the summary and the time series read instead of every
trade (docs/analytics.md, "Per-day aggregates"; storage in tradetrack.db.daily_pnl).

A row holds, for one IST day and one (account, instrument, symbol), exact integer sums (scaled
10^4) from which every figure of the summary and the time series follows:
- the sales that day (realizations, analytics/realized.py): `sales` (count), `gross`, `charges`
  (their share of their trade's charges), `estimated` (the estimated part): the P&L totals, the
  daily series (net P&L and sales a day) and `chargesEstimated`;
- the trades closed that day (whole trade): `closed`, `wins`, `losses`, `winSum`, `lossSum` (net),
  `closedRealized`, `closedCharges`, `best`, `worst` (the day's highest and lowest net, None without
  a close): counts, win rate, averages, largest win/loss, profit factor, expectancy; `closed` is
  also the time series' `trades`.
Rows add up (sums add, best is a max, worst a min), so a day's totals are the sum of its rows and
a range's the sum of its days. The stored day totals are the real book's (every account but the
paper ones, tradetrack.book); a paper account's rows are only in the per-pair documents, which
the reads naming an account or including paper add up instead. Medians or anything else not a
sum, max or min would not follow; nothing the summary or the time series returns needs one.

Maintenance: every recomputation that changes a pair's trades replaces that pair's rows on the days
it touched before or touches now (its `pair_state` lists them) and the totals of those days, under
a per-user lock (the totals of a day are read, changed and written back). A user whose aggregates
are missing or of another version gets them built from the trades on the next change, or by
scripts/rebuild_aggregates.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import redis
from pymongo.database import Database

from tradetrack.analytics import fy_sales, grouped, metrics
from tradetrack.analytics.realized import is_closed, realizations_of
from tradetrack.analytics.table import Filters
from tradetrack.analytics.trade_charges import effective_charges, ist
from tradetrack.book import in_view, is_paper
from tradetrack.cache.locks import redis_lock
from tradetrack.db import daily_pnl as store
from tradetrack.db import pair_state
from tradetrack.db.analytics import user_trades
from tradetrack.observability import MetricUnit, logger
from tradetrack.observability import metrics as cloudwatch
from tradetrack.timeutil import IST

if TYPE_CHECKING:  # numpy's typing imports numpy: not at a cold start (tradetrack.coldstart)
    import numpy.typing as npt

    Ints: TypeAlias = npt.NDArray[np.int64]

Document = dict[str, Any]
Pair = tuple[str, str]
SUMS = store.SUMS
# The trade fields the aggregates and the open positions are computed from
TRADE_FIELDS = sorted(
    {"accountId", "instrument", "symbol", "status", "openedAt", "closedAt", "quantity", "realizedPnl",
     "charges", "chargesEstimated", "realizations", "entryValue", "exitValue", "avgEntry", "avgExit",
     "products", "book", "segment", "isFno", "exchange", "direction", "multiplier", "category",
     "isin", "paper"}
    | set(store.OPEN_FIELDS)
)  # fmt: skip


def _zero() -> Document:
    return dict.fromkeys(SUMS, 0) | {"best": None, "worst": None}


def add_into(total: Document, row: Document) -> None:
    for key in SUMS:
        total[key] += int(row.get(key) or 0)
    for key, pick in (("best", max), ("worst", min)):
        value = row.get(key)
        if value is not None:
            total[key] = value if total[key] is None else pick(total[key], value)


def merged(rows: Iterable[Document]) -> Document:
    total = _zero()
    for row in rows:
        add_into(total, row)
    return total


def trade_rows(trades: Iterable[Document]) -> dict[tuple[int, str], Document]:
    """The rows of one pair's trades, by (IST day ordinal, symbol)."""
    rows: dict[tuple[int, str], Document] = {}
    for doc in trades:
        symbol = str(doc.get("symbol"))
        amount, guessed = effective_charges(doc)
        for item in realizations_of(doc, (amount, guessed)):
            row = rows.setdefault((ist(item.at).date().toordinal(), symbol), _zero())
            row["sales"] += 1
            row["gross"] += item.pnl
            row["charges"] += item.charges
            row["estimated"] += item.charges if item.estimated else 0
        if not is_closed(doc):
            continue
        realized = int(doc["realizedPnl"])
        net = realized - amount
        row = rows.setdefault((ist(doc["closedAt"]).date().toordinal(), symbol), _zero())
        add_into(
            row,
            {
                "closed": 1, "wins": int(net > 0), "losses": int(net < 0),
                "winSum": max(net, 0), "lossSum": min(net, 0),
                "closedRealized": realized, "closedCharges": amount, "best": net, "worst": net,
            },
        )  # fmt: skip
    return rows


def open_of(trades: Iterable[Document]) -> list[Document]:
    """The open trades among these, with the fields positions need."""
    return [{key: doc.get(key) for key in store.OPEN_FIELDS} for doc in trades if not is_closed(doc)]


def refresh_pairs(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    trades_by_pair: Mapping[Pair, Sequence[Document]],
) -> None:
    """Bring the user's aggregates up to date after these pairs' trades were replaced (each pair
    with every trade it now has). On failure the user's aggregates are marked missing (readers use
    the trades; the next change rebuilds them) and the error is logged, not raised: the trades are
    already stored."""
    if not trades_by_pair:
        return
    try:
        with redis_lock(cache, store.lock_key(user_id), ttl_ms=120_000, wait_s=30):
            if store.is_built(db, user_id):
                _replace_pairs(db, user_id, trades_by_pair)
            else:
                _build(db, user_id)
    except Exception as exc:
        logger.error("aggregates not updated", extra={"userId": user_id, "error": repr(exc)})
        cloudwatch.add_metric(name="AggregatesUpdateFailed", unit=MetricUnit.Count, value=1)
        try:
            store.forget_state(db, user_id)
        except Exception as again:
            logger.error("aggregates state not reset", extra={"userId": user_id, "error": repr(again)})


def _replace_pairs(
    db: Database[Document],
    user_id: str,
    trades_by_pair: Mapping[Pair, Sequence[Document]],
    *,
    empty: bool = False,
) -> None:
    """Replace these pairs' rows and states (`empty`: the user has none stored, nothing is read).
    Only the days on which a pair's rows changed (by their digest) are read and written, and only
    the FY sales documents and pair states that changed are written."""
    before = {} if empty else pair_state.read(db, user_id, list(trades_by_pair))
    fresh = {pair: trade_rows(trades) for pair, trades in trades_by_pair.items()}
    digests = {pair: _digests(rows) for pair, rows in fresh.items()}
    days: set[int] = set()
    for pair, now in digests.items():
        was = before[pair].days if pair in before else {}
        days |= {day for day in was.keys() | now.keys() if was.get(day) != now.get(day)}
    stored = {} if empty else store.day_docs(db, user_id, days)
    pairs_of_day: dict[int, list[Document]] = {}
    for day in days:
        kept = stored.get(day, {}).get("pairs") or []
        pairs_of_day[day] = [row for row in kept if (row["accountId"], row["instrument"]) not in fresh]
    for pair, rows in fresh.items():
        for (day, symbol), row in rows.items():
            if day in days:
                pairs_of_day[day].append(
                    {"accountId": pair[0], "instrument": pair[1], "symbol": symbol, **row}
                )
    # the day totals are the real book's: a paper account's rows stay in the per-pair documents
    # (what `accountId=pa_…` and `includePaper=true` read), never in the totals (tradetrack.book)
    totals = {
        day: merged(real)
        for day, rows in pairs_of_day.items()
        if (real := [row for row in rows if not is_paper(row["accountId"])])
    }
    store.write_days(db, user_id, pairs_of_day, totals, stored_days=stored.keys(), empty=empty)
    # the tax report's read model: these pairs' sales per FY (tradetrack.analytics.fy_sales)
    fys = fy_sales.replace_pairs(db, user_id, trades_by_pair, before, empty=empty)
    states = {
        pair: pair_state.PairState(digests[pair], open_of(trades), fys[pair])
        for pair, trades in trades_by_pair.items()
    }
    pair_state.write(db, user_id, states, before)  # last: it records what was written above


def _digests(rows: Mapping[tuple[int, str], Document]) -> dict[int, int]:
    """A 64-bit digest of a pair's rows on each day it has any."""
    by_day: dict[int, list[str]] = {}
    for (day, symbol), row in rows.items():
        by_day.setdefault(day, []).append(repr((symbol, sorted(row.items()))))
    return {
        day: int.from_bytes(
            hashlib.blake2b("|".join(sorted(parts)).encode(), digest_size=8).digest(), "little", signed=True
        )
        for day, parts in by_day.items()
    }


def _build(db: Database[Document], user_id: str) -> int:
    """The user's aggregates from all of their trades (one read); returns the number of trades."""
    store.forget(db, user_id)
    by_pair: dict[Pair, list[Document]] = {}
    for doc in user_trades(db, user_id, TRADE_FIELDS):
        by_pair.setdefault((doc["accountId"], doc["instrument"]), []).append(doc)
    _replace_pairs(db, user_id, by_pair, empty=True)
    store.mark_built(db, user_id)
    return sum(len(trades) for trades in by_pair.values())


def rebuild(db: Database[Document], cache: redis.Redis, user_id: str) -> int:
    """Rebuild the user's aggregates from their trades (the repair script); returns the trade count."""
    with redis_lock(cache, store.lock_key(user_id), ttl_ms=600_000, wait_s=60):
        return _build(db, user_id)


# ---- reading --------------------------------------------------------------------------------------


def _midnight(moment: datetime) -> bool:
    return moment.astimezone(IST).timetz().replace(tzinfo=None) == time()


def serves(filters: Filters) -> bool:
    """Whether the aggregates answer these filters: whole IST days (a date-time bound inside a day
    does not), and no category (a trade's category is the user's to change; rows are per pair)."""
    if filters.category is not None:
        return False
    if filters.closed_from is not None and not _midnight(filters.closed_from):
        return False
    until = filters.closed_until
    return until is None or (not filters.until_inclusive and _midnight(until))


@dataclass(frozen=True)
class Days:
    """Day rows as columns, ascending by day (rows with nothing in them are not kept)."""

    day: Ints
    rows: list[Document]

    def column(self, key: str) -> Ints:
        return np.array([int(row[key]) for row in self.rows], np.int64)

    def total(self) -> Document:
        return merged(self.rows)


def days_of(db: Database[Document], user_id: str, filters: Filters) -> Days:
    """The day totals in the filters' range, over the trades the filters keep (one query)."""
    first, last = filters.first_day, filters.last_day
    lo = None if first is None else first.toordinal()
    hi = None if last is None else last.toordinal()
    by_day: dict[int, Document]
    if filters.account_id is None and filters.symbol is None and not filters.include_paper:
        by_day = store.totals_between(db, user_id, lo, hi)  # the real book's totals
    else:
        by_day = {}
        for doc in store.pair_rows_between(db, user_id, lo, hi):
            rows = [row for row in doc.get("pairs") or () if _keeps(filters, row)]
            if rows:
                by_day[int(doc["day"])] = merged(rows)
    ordered = sorted(by_day)
    return Days(np.array(ordered, np.int64), [by_day[day] for day in ordered])


def _keeps(filters: Filters, row: Document) -> bool:
    if not in_view(row.get("accountId"), account=filters.account_id, include_paper=filters.include_paper):
        return False
    return filters.symbol is None or row.get("symbol") == filters.symbol


def trade_stats(total: Document) -> metrics.TradeStats:
    """metrics.trade_stats of the closed trades, from their sums (same roundings)."""
    return metrics.trade_stats_of_sums(
        realized=int(total["closedRealized"]),
        charges=int(total["closedCharges"]),
        closed=int(total["closed"]),
        wins=int(total["wins"]),
        losses=int(total["losses"]),
        won=int(total["winSum"]),
        lost=int(total["lossSum"]),
        best=int(total["best"]) if total["wins"] else 0,  # None when no trade closed
        worst=int(total["worst"]) if total["losses"] else 0,
    )


def daily(days: Days, filters: Filters) -> tuple[metrics.Daily, Ints]:
    """(metrics.daily_series of the sales, the trades closed on each of its days)."""
    sales = days.column("sales")
    active = sales > 0
    sale_days = days.day[active]
    net = (days.column("gross") - days.column("charges"))[active]
    first, last = filters.first_day, filters.last_day
    if len(sale_days) == 0 and (first is None or last is None):
        empty = np.zeros(0, np.int64)
        return metrics.Daily(empty, empty, empty), empty
    lo = first.toordinal() if first is not None else int(sale_days.min())
    hi = last.toordinal() if last is not None else int(sale_days.max())
    inside = (sale_days >= lo) & (sale_days <= hi)
    series_days = metrics.trading_days(lo, hi, sale_days[inside])
    index = np.searchsorted(series_days, sale_days[inside])
    pnl = np.zeros(len(series_days), np.int64)
    trades = np.zeros(len(series_days), np.int64)
    pnl[index] = net[inside]
    trades[index] = sales[active][inside]
    closes = np.repeat(days.day, days.column("closed"))
    return metrics.Daily(series_days, pnl, trades), grouped.counts_on(series_days, closes)
