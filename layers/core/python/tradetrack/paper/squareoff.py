"""The intraday square-off (MIS): at 15:20 IST on a trading day the feed's pass cancels the live
MIS orders of the day's session and closes every open MIS position at market at its quote: a long
sold, a short bought back (a position without a quote waits for the next pass)."""

from __future__ import annotations

from datetime import datetime

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.calendar import is_trading_day, market_status
from tradetrack.observability import logger
from tradetrack.paper import holding_store, order_store
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.models import OrderIn
from tradetrack.paper.orders import end_order
from tradetrack.paper.placement import place_order
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.queries import aware
from tradetrack.timeutil import to_ist

REASON = "MIS square-off (15:20 IST)"


def due(at: datetime, rules: Rules) -> bool:
    """From the square-off time to the close of a trading day."""
    ist = to_ist(at)
    close = market_status(at).next_close
    return is_trading_day(ist.date()) and rules.squareoff <= ist.time().replace(tzinfo=None) and at < close


def closing_order(position: Document) -> OrderIn | None:
    """The market order closing what of an MIS position is not reserved by a pending order: a sell
    of a long's free quantity, a buy of a short's (negative `free`); None: nothing free."""
    free = int(position.get("free", 0))
    if free == 0:
        return None
    return OrderIn.model_validate(
        {"symbol": position["symbol"], "exchange": position["exchange"],
         "side": "SELL" if free > 0 else "BUY", "type": "MARKET", "quantity": abs(free), "product": "MIS"}
    )  # fmt: skip


def square_off(
    db: Database[Document],
    cache: redis.Redis,
    *,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
) -> int:
    """When due: cancel the session's live MIS orders, then sell every open MIS position at the
    market. Returns the positions squared off."""
    rules = rules_or_settings(rules)
    at = now()
    if not due(at, rules):
        return 0
    close = market_status(at).next_close
    for order in order_store.live_mis_orders(db):
        if aware(order["expiresAt"]) <= close:  # today's session (not one placed for the next)
            end_order(db, cache, order["_id"], "canceled", REASON, now=now, events=events)
    squared = 0
    for position in holding_store.open_mis_positions(db):
        body = closing_order(position)
        if body is None:
            continue
        try:
            place_order(
                db, cache, position["userId"], position["accountId"], body,
                now=now, rules=rules, events=events, reason=REASON,
            )  # fmt: skip
            squared += 1
        except (SemanticError, Conflict) as exc:  # no quote yet, or the account closed: next pass
            logger.warning(
                "MIS square-off deferred", extra={"holding": position["_id"], "error": exc.message}
            )
    return squared
