"""The monthly statement makes TradeOut of the month's best and worst trades only
(tradetrack.reports.service.extremes), ranked as statement.top_trades ranks them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tradetrack.reports.service import extremes
from tradetrack.reports.statement import top_trades


def as_trades(docs: list[dict[str, Any]]) -> Any:
    """Stand-ins with the two TradeOut fields top_trades reads (net P&L as the API's decimal text)."""
    return [SimpleNamespace(trade_id=d["_id"], net_pnl=str(d["netPnl"] / 10_000)) for d in docs]


def test_the_best_and_worst_five_by_net_pnl_ties_by_id() -> None:
    # Given a month's closed trades (net P&L scaled by 10^4), with ties, a breakeven and four losses
    pnl = {"t01": 5, "t02": 5, "t03": 0, "t04": -3, "t05": 7, "t06": -3, "t07": -10, "t08": 2, "t09": 9,
           "t10": 1, "t11": 4, "t12": -1}  # fmt: skip
    docs = [{"_id": trade_id, "netPnl": value} for trade_id, value in pnl.items()]
    # When the statement's extremes are picked, five a side
    picked = [doc["_id"] for doc in extremes(docs, 5)]
    # Then the best five are 9, 7, 5, 5, 4 (of the tied 5s the higher id first, as top_trades lists
    # them from the top of its ascending ranking), then the four losses from the lowest (of the tied
    # -3s the lower id first, from the bottom of the same ranking); the breakeven and the smaller
    # wins are left out
    assert picked == ["t09", "t05", "t02", "t01", "t11", "t07", "t04", "t06", "t12"]
    # And the statement's top and worst trades of these are those of every trade of the month
    ids = [[t.trade_id for t in side] for side in top_trades(as_trades(docs))]
    assert [[t.trade_id for t in side] for side in top_trades(as_trades(extremes(docs, 5)))] == ids


def test_a_month_with_no_losses_or_no_trades() -> None:
    assert [d["_id"] for d in extremes([{"_id": "a", "netPnl": 3}, {"_id": "b", "netPnl": 0}], 5)] == ["a"]
    assert extremes([], 5) == []
