"""Grouped summaries (/v1/analytics/by-*): worked examples with hand-computed per-group risk, edge
cases, and the property that every group equals the summary computed over only that group's trades;
and P&L when realized: partial sales on their own days, charges shared so that the summary's net
P&L of closed trades is exactly Σ their netPnl."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetrack.analytics.service import compute_breakdown, compute_summary, compute_timeseries
from tradetrack.analytics.table import WEEKDAYS, ClosedTrades, Filters, closed_table, realized_in_range, split
from tradetrack.models.analytics import GroupBy, GroupOut, RiskStatsOut
from tradetrack.money import money_str
from tradetrack.timeutil import IST

MON = date(2025, 3, 3)  # a Monday; Saturday 2025-03-08 and Sunday 2025-03-09 are not trading days
NOW = datetime(2025, 4, 1, tzinfo=UTC)
CAPITAL = 10_000_000  # ₹1,000, scaled by 10^4
INR = 10_000
SUMMARY_FIELDS = set(RiskStatsOut.model_fields)  # trade statistics and daily-series risk

# (symbol, category, day offset from MON, realized ₹, charges ₹, opened weekday, opened hour)
Row = tuple[str, str, int, int, int, int, int]


def table(rows: list[Row]) -> ClosedTrades:
    def ints(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    return ClosedTrades(
        docs=[{"symbol": r[0], "category": r[1]} for r in rows],
        realized=ints([r[3] * INR for r in rows]),
        charges=ints([r[4] * INR for r in rows]),
        estimated=ints([0 for _ in rows]),
        close_day=ints([(MON + timedelta(days=r[2])).toordinal() for r in rows]),
        open_weekday=ints([r[5] for r in rows]),
        open_hour=ints([r[6] for r in rows]),
    )


def by_key(closed: ClosedTrades, group_by: GroupBy, capital: int | None = CAPITAL) -> dict[str, GroupOut]:
    return {g.key: g for g in compute_breakdown(closed, Filters(), capital, group_by, NOW).items}


def day(offset: int, net: str) -> dict[str, str]:
    return {"date": (MON + timedelta(days=offset)).isoformat(), "netPnl": net}


def dumped(model: RiskStatsOut) -> dict[str, Any]:
    return model.model_dump(by_alias=True, mode="json", include=SUMMARY_FIELDS)


# Mon..Thu is the summary's range (first to last close): 4 trading days for every group
WORKED: list[Row] = [
    ("INFY", "intraday", 0, 101, 1, 0, 9),  # net +100 Monday
    ("INFY", "intraday", 2, -49, 1, 2, 11),  # net −50 Wednesday
    ("TCS", "swing", 1, 30, 0, 1, 10),  # net +30 Tuesday
    ("TCS", "swing", 3, 30, 0, 3, 10),  # net +30 Thursday
    ("SBIN", "swing", 3, -20, 0, 3, 14),  # net −20 Thursday
]


# ---- worked examples -----------------------------------------------------------------------------


def test_each_symbol_gets_its_own_risk_over_the_summarys_days() -> None:
    # Given three symbols closing on different days of Mon..Thu, and capital ₹1,000
    closed = table(WORKED)

    # When the trades are grouped by symbol
    groups = by_key(closed, "symbol")

    # Then INFY's series is [100, 0, −50, 0]: mean 12.5, sample variance 11875/3,
    # downside √(50²/4) = 25; the peak 100 (last held Tuesday) falls 50 and never recovers: 2 days
    assert list(groups) == ["INFY", "SBIN", "TCS"]
    infy = groups["INFY"]
    assert infy.sharpe == pytest.approx(12.5 / math.sqrt(11875 / 3) * math.sqrt(252), rel=1e-12)
    assert infy.sortino == pytest.approx(12.5 / 25 * math.sqrt(252), rel=1e-12)
    assert (infy.max_drawdown, infy.max_drawdown_days) == ("50", 2)
    assert infy.max_drawdown_pct == pytest.approx(50 / 1100 * 100)  # from equity ₹1,100
    assert dumped(infy)["bestDay"] == day(0, "100") and dumped(infy)["worstDay"] == day(2, "-50")
    # And TCS [0, 30, 0, 30]: mean 15, variance 300 → √(15² × 252 / 300); no losing day → no Sortino
    tcs = groups["TCS"]
    assert tcs.sharpe == pytest.approx(math.sqrt(225 * 252 / 300), rel=1e-12)
    assert (tcs.sortino, tcs.max_drawdown, tcs.max_drawdown_days, tcs.max_drawdown_pct) == (None, "0", 0, 0.0)
    assert dumped(tcs)["bestDay"] == dumped(tcs)["worstDay"] == day(1, "30")  # the first of the ties
    # And SBIN [0, 0, 0, −20]: mean −5, sd 10, downside 10; 1 day below the peak 0 held Wednesday
    sbin = groups["SBIN"]
    assert sbin.sharpe == pytest.approx(-0.5 * math.sqrt(252), rel=1e-12)
    assert sbin.sortino == pytest.approx(-0.5 * math.sqrt(252), rel=1e-12)
    assert (sbin.max_drawdown, sbin.max_drawdown_days, sbin.max_drawdown_pct) == ("20", 1, 2.0)


def test_trade_statistics_stay_per_group() -> None:
    # Given the worked trades
    groups = by_key(table(WORKED), "category")

    # When grouped by category, Then each group's statistics are over its own trades only
    intraday, swing = groups["intraday"], groups["swing"]
    assert (intraday.closed_trades, intraday.wins, intraday.losses, intraday.net_pnl) == (2, 1, 1, "50")
    assert (intraday.profit_factor, intraday.win_rate, intraday.charges) == (2.0, 0.5, "2")
    assert (swing.closed_trades, swing.net_pnl, swing.largest_loss, swing.expectancy) == (
        3,
        "40",
        "-20",
        "13.3333",
    )
    # And swing's daily series is [0, 30, 0, 10]: mean 10, sample variance 600/3, never below a peak
    assert swing.sharpe == pytest.approx(math.sqrt(100 * 252 / 200), rel=1e-12)
    assert (swing.max_drawdown, swing.max_drawdown_days) == ("0", 0)


def test_weekday_and_hour_groups_carry_the_same_fields() -> None:
    # Given the worked trades, When grouped by the weekday and the hour they were opened
    weekdays = by_key(table(WORKED), "weekday")
    hours = by_key(table(WORKED), "hour")

    # Then only days and hours with trades appear, each with its own drawdown
    assert list(weekdays) == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert (weekdays["Wednesday"].max_drawdown, weekdays["Wednesday"].max_drawdown_days) == ("50", 2)
    assert list(hours) == ["09:00", "10:00", "11:00", "14:00"]
    assert hours["10:00"].max_drawdown == "0" and hours["10:00"].sortino is None


# ---- edge cases ----------------------------------------------------------------------------------


def test_a_group_with_one_trade_all_wins_has_no_profit_factor() -> None:
    # Given a single winning TCS trade beside INFY's win and loss
    closed = table(
        [
            ("TCS", "swing", 1, 30, 0, 1, 10),
            ("INFY", "swing", 0, 10, 0, 0, 9),
            ("INFY", "swing", 2, -5, 0, 2, 9),
        ]
    )

    # When grouped by symbol
    tcs = by_key(closed, "symbol")["TCS"]

    # Then TCS has one trade, every one a win, and no profit factor (no losses: null, not Infinity)
    assert (tcs.closed_trades, tcs.wins, tcs.win_rate, tcs.profit_factor) == (1, 1, 1.0, None)
    assert (tcs.avg_loss, tcs.largest_loss, tcs.expectancy) == (None, None, "30")
    assert (tcs.max_drawdown, tcs.sortino) == ("0", None)


def test_a_single_trading_day_has_null_sharpe_and_sortino() -> None:
    # Given every trade closing on the same Monday
    closed = table([("INFY", "intraday", 0, 10, 0, 0, 9), ("TCS", "intraday", 0, -10, 0, 0, 9)])

    # When grouped by symbol, Then each one-day series has no Sharpe or Sortino, and JSON has no NaN
    for group in by_key(closed, "symbol").values():
        assert (group.sharpe, group.sortino) == (None, None)
        assert "NaN" not in group.model_dump_json() and "Infinity" not in group.model_dump_json()
    assert by_key(closed, "symbol")["TCS"].max_drawdown_days == 1


def test_without_capital_the_percent_is_null_and_no_trades_is_no_groups() -> None:
    # Given no capital on the user, When grouped, Then maxDrawdownPct is null (maxDrawdown still in INR)
    infy = by_key(table(WORKED), "symbol", capital=None)["INFY"]
    assert (infy.max_drawdown, infy.max_drawdown_pct) == ("50", None)
    # And without trades there are no groups
    assert compute_breakdown(ClosedTrades(), Filters(), CAPITAL, "symbol", NOW).items == []


def test_a_day_off_counts_only_for_the_group_that_closed_on_it() -> None:
    # Given INFY closing Monday, on a Sunday (a Muhurat-like session) and the next Monday,
    # and TCS only on the Friday between
    infy = [("INFY", "x", 0, 10, 0, 0, 9), ("INFY", "x", 6, -10, 0, 6, 18), ("INFY", "x", 7, 1, 0, 0, 9)]
    closed = table([*infy, ("TCS", "x", 4, -5, 0, 4, 9)])

    # When grouped by symbol (the summary's range is Mon 3 .. Mon 10: 6 trading days and the Sunday)
    groups = by_key(closed, "symbol")

    # Then TCS's series has the 6 trading days only, [0, 0, 0, 0, −5, 0]: 2 days from Thursday's peak
    assert (groups["TCS"].max_drawdown, groups["TCS"].max_drawdown_days) == ("5", 2)
    # And INFY's has 7, [10, 0, 0, 0, 0, −10, 1]: its Sunday is its worst day, 2 days from Friday's peak
    assert dumped(groups["INFY"])["worstDay"] == day(6, "-10")
    assert (groups["INFY"].max_drawdown, groups["INFY"].max_drawdown_days) == ("10", 2)


# ---- property: a group is the summary of its own trades ------------------------------------------


def _pinned(closed: ClosedTrades, filters: Filters) -> Filters:
    """The summary's range for the whole breakdown, made explicit for a summary of a subset."""
    first = filters.first_day or date.fromordinal(int(closed.close_day.min()))
    last = filters.last_day or date.fromordinal(int(closed.close_day.max()))
    return Filters(
        closed_from=datetime.combine(first, time(0), IST).astimezone(UTC),
        closed_until=datetime.combine(last, time(23, 59), IST).astimezone(UTC),
    )


def _subset(closed: ClosedTrades, chosen: np.ndarray) -> ClosedTrades:
    return ClosedTrades(
        docs=[closed.docs[int(i)] for i in chosen],
        realized=closed.realized[chosen],
        charges=closed.charges[chosen],
        estimated=closed.estimated[chosen],
        close_day=closed.close_day[chosen],
        open_weekday=closed.open_weekday[chosen],
        open_hour=closed.open_hour[chosen],
    )


def _member(closed: ClosedTrades, group_by: GroupBy, key: str) -> np.ndarray:
    if group_by == "weekday":
        values = [WEEKDAYS[w] for w in closed.open_weekday]
    elif group_by == "hour":
        values = [f"{h:02d}:00" for h in closed.open_hour]
    else:
        values = [str(doc[group_by]) for doc in closed.docs]
    return np.flatnonzero(np.array([v == key for v in values], dtype=bool))


rows = st.lists(
    st.tuples(
        st.sampled_from(["INFY", "TCS", "SBIN", "M&M"]),
        st.sampled_from(["intraday", "swing", "positional"]),
        st.integers(0, 20),  # weekends included: a close on a day off joins only its group's series
        st.integers(-(10**6), 10**6),
        st.integers(0, 100),
        st.integers(0, 6),
        st.integers(0, 23),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    rows,
    st.sampled_from(["category", "symbol", "weekday", "hour"]),
    st.one_of(st.none(), st.integers(10**6, 10**12)),
    st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 5))),
)
def test_every_group_equals_the_summary_of_only_its_trades(
    trades: list[Row], group_by: GroupBy, capital: int | None, margins: tuple[int, int] | None
) -> None:
    # Given any trades, grouping and capital, and either no range or one wider than the closes
    closed = table(trades)
    filters = Filters()
    if margins is not None:
        first = date.fromordinal(int(closed.close_day.min())) - timedelta(days=margins[0])
        last = date.fromordinal(int(closed.close_day.max())) + timedelta(days=margins[1])
        filters = Filters(
            closed_from=datetime.combine(first, time(0), IST),
            closed_until=datetime.combine(last, time(0), IST),
        )

    # When the breakdown is computed
    groups = compute_breakdown(closed, filters, capital, group_by, NOW).items

    # Then each group's fields equal compute_summary over only that group's trades on the same range
    assert sum(g.closed_trades for g in groups) == len(trades)
    for group in groups:
        alone = _subset(closed, _member(closed, group_by, group.key))
        expected = compute_summary(alone, _pinned(closed, filters), capital, (0, 0), NOW)
        assert dumped(group) == dumped(expected)


# ---- P&L when realized: partial sales on their own days ------------------------------------------


def ist_at(offset: int, hour: int = 11) -> datetime:
    """An IST time `offset` days after MON, as the UTC instant the engine stores."""
    return datetime.combine(MON + timedelta(days=offset), time(hour), IST).astimezone(UTC)


def sales_doc(
    symbol: str, units: int, sales: list[tuple[int, int, int]], charges: int, **extra: Any
) -> dict[str, Any]:
    """A trade document in the engine's shape: `sales` are (day offset, units, gross ₹) per sale;
    closed when every unit is sold."""
    parts: list[dict[str, Any]] = [
        {
            "at": ist_at(day, 11 + i),
            "acquiredAt": ist_at(-1),
            "quantity": sold,
            "entryValue": 100 * sold * INR,
            "exitValue": 100 * sold * INR + gross * INR,
            "pnl": gross * INR,
            "fees": 0,
            "intraday": False,
            "entryExecutionId": f"exe_{symbol}_b",
            "exitExecutionId": f"exe_{symbol}_s{i}",
        }
        for i, (day, sold, gross) in enumerate(sales)
    ]
    closed = sum(sold for _, sold, _ in sales) == units
    realized = sum(gross for _, _, gross in sales) * INR
    return {
        "_id": f"trd_{symbol}",
        "symbol": symbol,
        "category": "swing",
        "direction": "LONG",
        "status": "closed" if closed else "open",
        "openedAt": ist_at(-1, 9),
        "closedAt": parts[-1]["at"] if closed else None,
        "quantity": units,
        "realizedPnl": realized,
        "charges": charges,
        "chargesEstimated": False,
        "netPnl": realized - charges,
        "realizations": parts,
        **extra,
    }


def legacy_doc(symbol: str, day: int, gross: int, charges: int) -> dict[str, Any]:
    """An older closed trade document: no realizations."""
    return {
        "_id": f"trd_{symbol}",
        "symbol": symbol,
        "category": "swing",
        "direction": "LONG",
        "status": "closed",
        "openedAt": ist_at(day, 9),
        "closedAt": ist_at(day, 14),
        "quantity": 1,
        "realizedPnl": gross * INR,
        "charges": charges,
        "netPnl": gross * INR - charges,
    }


# INFY: 10 units, 3 sold Monday (+₹30) and 7 Wednesday (−₹14), charges ₹10.0001 → shares by units
# floor(100,001 × 3/10) = 30,000 and the rest 70,001; net +27 Monday, −21.0001 Wednesday.
# TCS: three single units Tuesday to Thursday (+5, +5, −1), fees 10 (₹0.001) → shares 3, 3, 4.
# SBIN: an older document closed Thursday, +₹20 gross, charges 5.
CLOSED_DOCS = [
    sales_doc("INFY", 10, [(0, 3, 30), (2, 7, -14)], 100_001, chargesEstimated=True),
    sales_doc("TCS", 3, [(1, 1, 5), (2, 1, 5), (3, 1, -1)], 10),
    legacy_doc("SBIN", 3, 20, 5),
]
WEEK = Filters(closed_from=ist_at(0, 0), closed_until=ist_at(5, 0), until_inclusive=False)  # Mon..Fri


def realized_table(docs: list[dict[str, Any]], filters: Filters) -> ClosedTrades:
    """What the service loads: the trades closed in range, with the range's sales of every trade."""
    closed, _ = split(docs, filters)
    return closed_table(closed, realized_in_range(docs, filters))


def test_the_summary_net_of_closed_trades_is_the_sum_of_their_net_pnl() -> None:
    # Given closed trades sold in parts over the week (charges shared by units) and an older document
    table_ = realized_table(CLOSED_DOCS, WEEK)

    # When the summary and the daily series are computed
    summary = compute_summary(table_, WEEK, None, (0, 0), NOW)
    days = compute_timeseries(table_, WEEK, "day", NOW).items

    # Then the summary's net P&L is exactly Σ netPnl of the trades (what the trade list shows)
    assert summary.net_pnl == money_str(sum(int(doc["netPnl"]) for doc in CLOSED_DOCS)) == "34.9984"
    assert (summary.realized_pnl, summary.charges, summary.closed_trades) == ("45", "10.0016", 3)
    # And each sale counts on its own day with its share of the charges:
    # Mon 27, Tue 5 − 0.0003, Wed −14 − 7.0001 + 5 − 0.0003, Thu −1 − 0.0004 + 20 − 0.0005, Fri 0
    assert [(d.period, d.net_pnl, d.trades) for d in days] == [
        ("2025-03-03", "27", 0),
        ("2025-03-04", "4.9997", 0),
        ("2025-03-05", "-16.0004", 1),
        ("2025-03-06", "18.9991", 2),
        ("2025-03-07", "0", 0),
    ]
    assert days[-1].cumulative_pnl == summary.net_pnl


def test_a_partial_sale_of_an_open_trade_counts_on_its_day() -> None:
    # Given the closed trades and WIPRO, still open: 10 bought, 4 sold Tuesday for +₹8, charges so
    # far 1,000 (₹0.1) of which the sold 4 of 10 units carry 400
    wipro = sales_doc("WIPRO", 10, [(1, 4, 8)], 1_000)
    table_ = realized_table([*CLOSED_DOCS, wipro], WEEK)

    # When the summary, the daily series and the by-symbol breakdown are computed
    summary = compute_summary(table_, WEEK, None, (0, 0), NOW)
    tuesday = compute_timeseries(table_, WEEK, "day", NOW).items[1]
    groups = {g.key: g for g in compute_breakdown(table_, WEEK, None, "symbol", NOW).items}

    # Then Tuesday's P&L has WIPRO's sale net of its share (8 − 0.04), the totals include it, and the
    # trade statistics still count only the closed trades
    assert (tuesday.period, tuesday.net_pnl, tuesday.trades) == ("2025-03-04", "12.9597", 0)
    assert (summary.net_pnl, summary.closed_trades, summary.wins) == ("42.9584", 3, 3)
    assert summary.worst_day is not None and summary.worst_day.date == "2025-03-05"
    # And WIPRO is a group of its own: its realized P&L, no closed trade
    assert (groups["WIPRO"].net_pnl, groups["WIPRO"].closed_trades, groups["WIPRO"].win_rate) == (
        "7.96",
        0,
        None,
    )
    assert sum(Decimal(g.net_pnl) for g in groups.values()) == Decimal(summary.net_pnl)


def test_sales_before_the_range_are_left_out_of_its_pnl_but_not_out_of_the_trade() -> None:
    # Given the range Tuesday..Friday: INFY's Monday sale falls before it, its close inside it
    from_tuesday = Filters(closed_from=ist_at(1, 0), closed_until=ist_at(5, 0), until_inclusive=False)
    table_ = realized_table(CLOSED_DOCS, from_tuesday)

    # When the summary is computed
    summary = compute_summary(table_, from_tuesday, None, (0, 0), NOW)

    # Then the P&L leaves out Monday's +27, while INFY counts as a closed trade with its whole net
    assert (summary.net_pnl, summary.closed_trades) == ("7.9984", 3)
    assert summary.largest_win == "19.9995" and summary.avg_win == "11.6661"


sold_trades = st.lists(
    st.tuples(
        st.sampled_from(["INFY", "TCS", "SBIN"]),
        st.lists(
            st.tuples(st.integers(0, 11), st.integers(1, 3), st.integers(-50, 50)), min_size=1, max_size=4
        ),
        st.integers(0, 2),  # units still held: an open trade when > 0
        st.integers(0, 10_001),  # charges, scaled
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(sold_trades, st.integers(0, 4), st.sampled_from(["symbol", "weekday", "hour"]))
def test_with_partial_sales_every_group_is_the_summary_of_its_own_trades(
    trades: list[tuple[str, list[tuple[int, int, int]], int, int]], start: int, group_by: GroupBy
) -> None:
    # Given trades sold in parts on various days (some still open), and a range from `start`
    docs = []
    for n, (symbol, sales, held, charges) in enumerate(trades):
        ordered = sorted(sales)
        units = sum(sold for _, sold, _ in ordered) + held
        docs.append(
            sales_doc(symbol, units, ordered, charges)
            | {"_id": f"trd_{n}", "openedAt": ist_at(-n % 3, 9 + n)}
        )
    week = Filters(closed_from=ist_at(start, 0), closed_until=ist_at(12, 0), until_inclusive=False)

    # When the breakdown and the summary are computed over the sales in range
    table_ = realized_table(docs, week)
    groups = compute_breakdown(table_, week, CAPITAL, group_by, NOW).items
    summary = compute_summary(table_, week, CAPITAL, (0, 0), NOW)

    # Then each group equals the summary of only its trades, and the groups' P&L adds up to the summary's
    for group in groups:
        if group_by == "symbol":
            mine = [doc for doc in docs if doc["symbol"] == group.key]
        elif group_by == "weekday":
            mine = [doc for doc in docs if WEEKDAYS[doc["openedAt"].astimezone(IST).weekday()] == group.key]
        else:
            mine = [doc for doc in docs if f"{doc['openedAt'].astimezone(IST).hour:02d}:00" == group.key]
        alone = compute_summary(realized_table(mine, week), week, CAPITAL, (0, 0), NOW)
        assert dumped(group) == dumped(alone)
    assert sum(Decimal(g.net_pnl) for g in groups) == Decimal(summary.net_pnl)
    assert sum(g.closed_trades for g in groups) == summary.closed_trades
