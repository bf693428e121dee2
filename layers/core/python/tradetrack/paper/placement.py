"""Placing a paper order: the holds (funds for a buy, quantity for a sell) taken by conditional
updates before the order is stored (and given back if storing fails); a market order fills at once."""

from __future__ import annotations

import uuid
from decimal import Decimal

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.cache import marked_quotes
from tradetrack.market.calendar import market_status
from tradetrack.market.symbols import canonical_symbol, quote_symbol
from tradetrack.money import money_str, to_scaled
from tradetrack.paper import repository as repo
from tradetrack.paper.accounts import account_doc
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.fills import fill_order
from tradetrack.paper.ledger import buy_hold
from tradetrack.paper.models import OrderIn, OrderOut
from tradetrack.paper.orders import give_back
from tradetrack.paper.views import order_out
from tradetrack.timeutil import ist_date


def last_price(cache: redis.Redis, symbol: str) -> int | None:
    """The instrument's last quote in the market-data cache (scaled), None when it has none."""
    found = marked_quotes(cache, [canonical_symbol(symbol)]).get(canonical_symbol(symbol))
    return None if found is None else to_scaled(found.quote.ltp)


def place_order(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    body: OrderIn,
    *,
    now: Clock = utc_now,
) -> OrderOut:
    """Hold (buy: funds; sell: quantity), store the order pending; a market order fills at once at
    the last quote. Refusals: 404 (account), 409 (closed), 422 (no quote, funds, quantity)."""
    _check_price(body)
    account = account_doc(db, user_id, account_id)
    if account["status"] != "open":
        raise Conflict("the paper account is closed", details=[{"field": "accountId", "issue": "closed"}])
    symbol = quote_symbol(body.exchange, body.symbol)
    at = now()
    market = last_price(cache, symbol) if body.type == "MARKET" else None
    if body.type == "MARKET" and market is None:
        raise SemanticError(
            f"no quote for {symbol}: unknown instrument or not yet quoted",
            details=[{"field": "symbol", "issue": "no_quote", "value": symbol}],
        )
    price = market if market is not None else to_scaled(body.limit or Decimal(0))
    buy = body.side == "BUY"
    held = (
        buy_hold(body.symbol, intraday=False, day=ist_date(at), quantity=body.quantity, price=price)
        if buy
        else 0
    )
    if buy and not repo.hold(db, cache, user_id, account_id, held):
        raise SemanticError(
            f"insufficient funds: this order needs {money_str(held)} (value and charges)",
            details=[{"field": "quantity", "issue": "insufficient_funds", "needed": money_str(held)}],
        )
    if not buy and not repo.reserve(db, cache, account_id, body.exchange, body.symbol, body.quantity):
        raise SemanticError(
            f"cannot sell {body.quantity} {symbol}: the account holds fewer (not reserved by other sells)",
            details=[{"field": "quantity", "issue": "insufficient_holdings"}],
        )
    doc: Document = {
        "_id": f"po_{uuid.uuid4().hex[:20]}",
        "userId": user_id,
        "accountId": account_id,
        "symbol": body.symbol,
        "exchange": body.exchange,
        "quoteSymbol": symbol,
        "side": body.side,
        "type": body.type,
        "quantity": body.quantity,
        "price": None if body.type == "MARKET" else price,
        "product": body.product,
        "validity": body.validity,
        "state": "pending",
        "held": held,
        "fills": [],
        "history": [{"state": "pending", "at": at, "reason": None}],
        "createdAt": at,
        "updatedAt": at,
        "expiresAt": market_status(at).next_close,  # DAY: the close of its session
    }
    try:
        repo.insert_order(db, doc)
    except Exception:
        give_back(db, cache, doc)
        raise
    if market is not None:
        return order_out(fill_order(db, cache, doc["_id"], market, now=now) or doc)
    return order_out(doc)


def _check_price(body: OrderIn) -> None:
    """A LIMIT order has a price above zero; a MARKET order has none (422: the schema allows both)."""
    if body.type == "LIMIT" and (body.limit is None or to_scaled(body.limit) <= 0):
        issue = "required" if body.limit is None else "not_positive"
        raise SemanticError(
            "a LIMIT order needs a price above zero", details=[{"field": "price", "issue": issue}]
        )
    if body.type == "MARKET" and body.price is not None:
        raise SemanticError(
            "a MARKET order takes no price: it fills at the last quote",
            details=[{"field": "price", "issue": "not_allowed"}],
        )
