"""A paper account's square-off, for the risk monitor, through paper trading's own service
functions (end each live order as canceled, then close each holding at market). Here, not in
tradetrack.risk, so risk imports no paper module (paper's placement calls risk's pre-trade check);
whose an account is lives in tradetrack.account_owners, which the risk routes import without
paper's order machinery."""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from tradetrack.errors import AppError
from tradetrack.observability import logger
from tradetrack.paper.accounts import portfolio
from tradetrack.paper.clock import Clock, utc_now
from tradetrack.paper.events import Events, Sink
from tradetrack.paper.models import OrderIn
from tradetrack.paper.orders import end_order, list_orders
from tradetrack.paper.placement import place_order
from tradetrack.risk.monitor import SquareOff

Document = dict[str, Any]
LIVE = ("pending", "partially_executed")  # the order states a square-off cancels
PAGE = 200
REASON = "risk: max_loss_per_day square-off"


def paper_square_off(
    db: Database[Document], cache: redis.Redis, *, sink: Sink | None = None, now: Clock = utc_now
) -> SquareOff:
    """Square a paper account off: its live orders canceled, then each holding closed at market
    (a long sold, a short bought back), their paper events sent to `sink`. Returns the orders
    canceled and placed; an order paper refuses (no quote) is logged and left for the next tick."""

    def square_off(user_id: str, account_id: str) -> int:
        events = Events(sink) if sink is not None else None
        try:
            return _square_off(db, cache, user_id, account_id, events, now)
        finally:
            if events is not None:
                events.send()

    return square_off


def _square_off(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    events: Events | None,
    now: Clock,
) -> int:
    """Idempotent: an earlier square-off's own exit still pending (an AMO while the market is
    closed: it fills at the open) is kept, and only what no pending order closes is placed."""
    done = 0
    for state in LIVE:
        for order in list_orders(db, user_id, account_id, limit=PAGE, state=state):
            if order.history and order.history[0].reason == REASON:
                continue  # an exit of ours, waiting for the open
            # None: it filled or ended meanwhile
            if end_order(db, cache, order.order_id, "canceled", REASON, now=now, events=events) is not None:
                done += 1
    for holding in portfolio(db, cache, user_id, account_id).holdings:
        free = holding.free  # a long's shares (a short's, negative) no pending order closes yet
        if free == 0:
            continue
        body = OrderIn.model_validate(
            {
                "symbol": holding.symbol,
                "exchange": holding.exchange,
                "side": "SELL" if free > 0 else "BUY",
                "type": "MARKET",
                "quantity": abs(free),
                "product": holding.product,
            }
        )
        try:
            place_order(db, cache, user_id, account_id, body, now=now, events=events, reason=REASON)
            done += 1
        except AppError as exc:
            logger.warning(
                "square-off order refused",
                extra={"accountId": account_id, "symbol": holding.symbol, "error": exc.message},
            )
    return done
