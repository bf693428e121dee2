"""The MIS margin call (auto stop-out): when a tick's price takes an MIS position's mark-to-market
loss to `Rules.stopout_pct`% of the margin it blocks (PAPER_MIS_STOPOUT_PCT, default 100), the
feed's pass cancels the account's live MIS orders in that instrument and closes the position at
market at that tick's price (slippage applied): a long sold, a short bought back. A gap through
the stop-out can still lose more than the margin: the fill's settlement takes the rest from
`available` and records what `available` cannot pay as the account's `debit`
(tradetrack.paper.ledger.credit), never a negative balance."""

from __future__ import annotations

import contextlib

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.symbols import quote_symbol
from tradetrack.money import money_str
from tradetrack.observability import logger
from tradetrack.paper import book, holding_store, order_store
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.ledger import position_loss, stopout_loss
from tradetrack.paper.orders import end_order
from tradetrack.paper.placement import place_order
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.paper.squareoff import closing_order


def reached(position: Document, price: int, rules: Rules) -> bool:
    """Whether `price` takes the position's loss to its stop-out."""
    margin = int(position.get("margin", 0))
    loss = position_loss(int(position["quantity"]), int(position.get("cost", 0)), price)
    return margin > 0 and loss >= stopout_loss(margin, rules.stopout_pct)


def stop_out(
    db: Database[Document],
    cache: redis.Redis,
    symbol: str,
    price: int,
    *,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
) -> int:
    """Stop out the MIS positions of `symbol` ("NSE:INFY") whose loss at `price` reached their
    stop-out. Returns the positions sold."""
    rules = rules_or_settings(rules)
    exchange, _, trading_symbol = symbol.partition(":")
    stopped = 0
    for position in _candidates(db, cache, symbol, price, rules):
        if not reached(position, price, rules):
            continue
        account_id = str(position["accountId"])
        loss = position_loss(int(position["quantity"]), int(position.get("cost", 0)), price)
        reason = (
            f"MIS stop-out: loss {money_str(loss)} reached {rules.stopout_pct}% of the margin "
            f"{money_str(int(position['margin']))}"
        )
        for order in order_store.live_mis_orders_of(db, account_id, quote_symbol(exchange, trading_symbol)):
            end_order(db, cache, order["_id"], "canceled", reason, now=now, events=events)
        current = holding_store.get_holding(db, account_id, exchange, trading_symbol, "MIS") or {}
        body = closing_order(current) if current else None
        if body is None:
            continue
        try:
            place_order(
                db, cache, str(position["userId"]), account_id, body,
                now=now, rules=rules, events=events, reason=reason, price=price,
            )  # fmt: skip
            stopped += 1
        except (SemanticError, Conflict) as exc:  # the account closed meanwhile: logged, next tick
            logger.warning("MIS stop-out deferred", extra={"holding": position["_id"], "error": exc.message})
    return stopped


def _candidates(
    db: Database[Document], cache: redis.Redis, symbol: str, price: int, rules: Rules
) -> list[Document]:
    """The MIS positions of `symbol` the stop-out index says `price` reaches, read by id (those
    closed or gone meanwhile dropped from the index); the index rebuilt from Mongo's open MIS
    positions first when Redis lost it. Without Redis: every open MIS position of the instrument
    (the open_by_product index)."""
    exchange, _, trading_symbol = symbol.partition(":")
    try:
        if not book.stopouts_built(cache, rules.stopout_pct):
            book.rebuild_stopouts(cache, holding_store.open_mis_positions(db), rules.stopout_pct)
        ids = book.stopouts_reached(cache, symbol, price)
    except redis.RedisError:
        return holding_store.mis_positions_in(db, exchange, trading_symbol)
    found = holding_store.holdings_by_id(db, ids)
    open_ids = {str(doc["_id"]) for doc in found if int(doc.get("quantity", 0))}
    with contextlib.suppress(redis.RedisError):
        book.forget_positions(cache, symbol, [i for i in ids if i not in open_ids])
    return [doc for doc in found if str(doc["_id"]) in open_ids]
