"""Placing a paper order: the holds (funds for a buy, quantity for a sell) taken by conditional
updates before the order is stored (and given back if storing fails); a market order fills at once
(at the quote moved by the slippage model), an IOC order fills what the quote allows now and its
rest is canceled, LIMIT orders rest at their price and SL / SL-M orders at their trigger."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime

import redis
from pymongo.database import Database
from pymongo.errors import PyMongoError

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.cache import marked_quotes
from tradetrack.market.calendar import is_market_open, is_trading_day, market_status
from tradetrack.market.symbols import canonical_symbol, quote_symbol
from tradetrack.money import money_str, to_scaled
from tradetrack.observability import logger
from tradetrack.paper import account_store, book, holding_store, order_store
from tradetrack.paper.accounts import account_doc
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.fills import fill_order, remaining
from tradetrack.paper.ledger import cost_of, slipped
from tradetrack.paper.models import OrderIn, OrderOut
from tradetrack.paper.orders import end_order, give_back
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.paper.views import order_out
from tradetrack.risk.rules import OrderIntent
from tradetrack.risk.service import pre_trade as risk_check
from tradetrack.timeutil import ist_date, to_ist

AMO_BUY_PRICE = 10**15  # scaled: ₹10^11, above any price (exact as a Redis score)


def last_price(cache: redis.Redis, symbol: str) -> int | None:
    """The instrument's last quote in the market-data cache (scaled), None when it has none."""
    found = marked_quotes(cache, [canonical_symbol(symbol)]).get(canonical_symbol(symbol))
    return None if found is None else to_scaled(found.quote.ltp)


def market_price(price: int, *, buy: bool, quantity: int, rules: Rules) -> int:
    """Where a market order of `quantity` fills against a quote of `price` (the slippage model)."""
    return slipped(
        price, buy=buy, quantity=quantity, bps_per_lot=rules.slippage_bps_per_lot, lot=rules.slippage_lot
    )


AMO_REASON = "after market hours: fills at the open"


def amo_price(buy: bool) -> int:
    """Where an AMO market order rests in the price index: a buy above any price, a sell under any."""
    return AMO_BUY_PRICE if buy else 0


def after_squareoff(at: datetime, rules: Rules) -> bool:
    """Between the MIS square-off and the close of a trading day: no MIS order is taken."""
    ist = to_ist(at)
    clock = ist.time().replace(tzinfo=None)
    return is_trading_day(ist.date()) and rules.squareoff <= clock < market_status(at).next_close.time()


def place_order(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    body: OrderIn,
    *,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
    reason: str | None = None,
    price: int | None = None,
) -> OrderOut:
    """Hold (buy: funds; sell: quantity), store the order pending; a market order fills at once
    (at `price`, a tick's, when given: else the cache's last quote), an IOC order fills what it can
    now and cancels the rest. Refusals: 404 (account), 409 (closed), 422 (prices, no quote, funds,
    quantity, MIS after the square-off)."""
    rules = rules_or_settings(rules)
    events = events if events is not None else Events()
    _check_prices(body)
    account = account_doc(db, user_id, account_id)
    if account["status"] != "open":
        raise Conflict("the paper account is closed", details=[{"field": "accountId", "issue": "closed"}])
    at = now()
    mis = body.product == "MIS"
    amo = _session(body, at, rules, forced=reason is not None)
    symbol = quote_symbol(body.exchange, body.symbol)
    buy = body.side == "BUY"
    quoted = body.type == "MARKET" or body.validity == "IOC"
    quote = price if price is not None else (last_price(cache, symbol) if quoted else None)
    if body.type == "MARKET" and quote is None:
        raise SemanticError(
            f"no quote for {symbol}: unknown instrument or not yet quoted",
            details=[{"field": "symbol", "issue": "no_quote", "value": symbol}],
        )
    market = (
        market_price(quote, buy=buy, quantity=body.quantity, rules=rules)
        if body.type == "MARKET" and quote is not None
        else None
    )
    limit = None if body.limit is None else to_scaled(body.limit)
    trigger = None if body.trigger is None else to_scaled(body.trigger)
    hold_at = market or limit or trigger or 0  # SL-M: at its trigger (topped up when it triggers)
    position = _position(db, cache, account, body)
    opening = buy != (position == "short")
    held = (
        cost_of(
            body.symbol, mis=mis, leverage=rules.leverage, day=ist_date(at), turnover=body.quantity * hold_at,
            buy=buy,
        )
        if opening
        else 0
    )  # fmt: skip
    _hold(db, cache, user_id, account_id, body, held=held, short=position == "short")
    stop = body.type in ("SL", "SL-M")
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
        # where it rests in the book (price index): its limit; an AMO market order crosses any price
        "price": limit if body.type == "LIMIT" else (amo_price(buy) if amo else None),
        "limit": limit,
        "trigger": trigger if stop else None,  # untriggered stops (trigger index)
        "triggerPrice": trigger,
        "product": body.product,
        "leverage": rules.leverage if mis else 1,
        "position": position,  # long; or an MIS short (a short sale, a buy covering it)
        "validity": body.validity,
        "state": "pending",
        "held": held,
        "filled": 0,
        "turnover": 0,
        "seq": 0,
        "fills": [],
        "history": [{"state": "pending", "at": at, "reason": reason or (AMO_REASON if amo else None)}],
        "createdAt": at,
        "updatedAt": at,
        "expiresAt": market_status(at).next_close,  # DAY: the close of its session
    }
    intent = OrderIntent(body.exchange, body.symbol, body.side, body.quantity, hold_at)
    rejection = risk_check(db, cache, user_id, account_id, intent)
    if rejection is not None:  # the pre-trade risk check (docs/risk.md): stored rejected, hold given back
        give_back(db, cache, doc)
        step = {"state": "rejected", "at": at, "reason": rejection.reason}
        doc |= {"state": "rejected", "held": 0, "history": [*doc["history"], step]}
        order_store.insert_order(db, doc)
        events.order(doc)
        return order_out(doc)
    try:
        book.add(cache, doc)  # indexed first: an id without its order is dropped when met
        order_store.insert_order(db, doc)
    except Exception:
        give_back(db, cache, doc)
        with contextlib.suppress(redis.RedisError):
            book.remove(cache, doc)
        raise
    events.order(doc, event="placed")
    if opening:
        events.balance(doc)
    if amo:  # filled by the feed's pass at the open
        return order_out(doc)
    placed = _at_once(db, cache, doc, market=market, quote=quote, now=now, rules=rules, events=events)
    return order_out(placed)


def _position(db: Database[Document], cache: redis.Redis, account: Document, body: OrderIn) -> str:
    """The position the order trades: "long", or "short" for an MIS sell while the account holds
    no MIS long of the instrument (a short sale) and an MIS buy while it is short (a cover). A CNC
    sell always closes a long (there is no delivery short selling). The MIS position is the one the
    account document keeps (no round trip); an account that keeps none has its holding read, and
    starts keeping them (`_keep_positions`: once, three more round trips). The
    hold or reservation that follows is the guard either way: a position read a fill ahead of its
    holding (settled on the account first) makes a cover or sell that finds too little refused."""
    if body.product != "MIS":
        return "long"
    quantity = account_store.kept_position(account, body.exchange, body.symbol)
    if quantity is None:
        holding = holding_store.get_holding(db, account["_id"], body.exchange, body.symbol, "MIS") or {}
        quantity = int(holding.get("quantity", 0))
        _keep_positions(db, cache, account)
    return "short" if (quantity < 0 if body.side == "BUY" else quantity <= 0) else "long"


def _keep_positions(db: Database[Document], cache: redis.Redis, account: Document) -> None:
    """An account opened before the MIS positions were kept starts keeping them, from its holdings,
    when no fill is in flight (else at a later placement). Best effort: a store error leaves it
    reading its holdings."""
    try:
        ready, version = account_store.unkept_positions_version(db, account["_id"])
        if not ready:
            return
        positions = {
            account_store.position_key(h["exchange"], h["symbol"]): int(h["quantity"])
            for h in holding_store.holdings_of(db, account["userId"], account["_id"])
            if h.get("product") == "MIS"
        }
        account_store.keep_positions(db, cache, account["_id"], version, positions)
    except (PyMongoError, redis.RedisError) as exc:
        logger.warning(
            "paper: MIS positions not kept yet", extra={"accountId": account["_id"], "error": str(exc)}
        )


def _hold(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    body: OrderIn,
    *,
    held: int,
    short: bool,
) -> None:
    """Take the order's hold: funds for an order opening a position (`held` > 0), else the quantity
    it closes (of a long, or of a short for a cover). 422 when the account has too little."""
    if held and not account_store.hold(db, cache, user_id, account_id, held):
        raise SemanticError(
            f"insufficient funds: this order needs {money_str(held)} (value or margin, and charges)",
            details=[{"field": "quantity", "issue": "insufficient_funds", "needed": money_str(held)}],
        )
    closing = (body.side == "SELL") != short
    if closing and not holding_store.reserve(
        db, cache, account_id, body.exchange, body.symbol, body.quantity, body.product, short=short
    ):
        what = "cover" if short else "sell"
        raise SemanticError(
            f"cannot {what} {body.quantity} {body.exchange}:{body.symbol} {body.product}: the position is "
            f"smaller (less what other orders reserve); a CNC sell needs the shares, an MIS sell while "
            "long closes the long first",
            details=[{"field": "quantity", "issue": "insufficient_holdings"}],
        )


def _session(body: OrderIn, at: datetime, rules: Rules, *, forced: bool) -> bool:
    """Whether the order is an AMO (a market order placed while the market is closed: it rests
    until the open's first tick). 422: an MIS order between the square-off and the close (unless
    `forced`: the square-off's own), an IOC order while the market is closed."""
    if body.product == "MIS" and not forced and after_squareoff(at, rules):
        raise SemanticError(
            "MIS orders are not taken after the intraday square-off (15:20 IST) until the close",
            details=[{"field": "product", "issue": "mis_after_squareoff"}],
        )
    closed = rules.market_hours and not is_market_open(at)
    if closed and body.validity == "IOC":
        raise SemanticError(
            "the market is closed: an IOC order fills at once or not at all (place it DAY, or at the open)",
            details=[{"field": "validity", "issue": "market_closed"}],
        )
    return closed and body.type == "MARKET"


def _at_once(
    db: Database[Document],
    cache: redis.Redis,
    doc: Document,
    *,
    market: int | None,
    quote: int | None,
    now: Clock,
    rules: Rules,
    events: Events,
) -> Document:
    """A market order fills whole now; an IOC limit order fills what the quote crosses (up to one
    tick's volume), and what it did not fill is canceled."""
    order = doc
    if market is not None:
        order = fill_order(db, cache, doc["_id"], market, now=now, rules=rules, events=events) or order
    elif doc["validity"] == "IOC" and quote is not None and _crosses(doc, quote):
        volume = rules.tick_volume or remaining(doc)
        filled = fill_order(
            db, cache, doc["_id"], quote, quantity=volume, now=now, rules=rules, events=events
        )
        order = filled or order
    if order["validity"] == "IOC" and order["state"] in ("pending", "partially_executed"):
        ended = end_order(
            db, cache, order["_id"], "canceled", "IOC: what did not fill at once", now=now, events=events
        )
        order = ended or order
    return order


def _crosses(order: Document, price: int) -> bool:
    limit = int(order["limit"])
    return price <= limit if order["side"] == "BUY" else price >= limit


def _check_prices(body: OrderIn) -> None:
    """LIMIT and SL have a price above zero, MARKET and SL-M none; SL and SL-M have a trigger, on the
    right side of an SL's limit; IOC is for MARKET and LIMIT (422: rules the schema cannot state)."""
    priced = body.type in ("LIMIT", "SL")
    if priced and (body.limit is None or to_scaled(body.limit) <= 0):
        issue = "required" if body.limit is None else "not_positive"
        raise SemanticError(
            f"a {body.type} order needs a price above zero", details=[{"field": "price", "issue": issue}]
        )
    if not priced and body.price is not None:
        raise SemanticError(
            f"a {body.type} order takes no price: it fills at the market",
            details=[{"field": "price", "issue": "not_allowed"}],
        )
    stop = body.type in ("SL", "SL-M")
    if stop and (body.trigger is None or to_scaled(body.trigger) <= 0):
        issue = "required" if body.trigger is None else "not_positive"
        raise SemanticError(
            f"a {body.type} order needs a trigger price above zero",
            details=[{"field": "triggerPrice", "issue": issue}],
        )
    if not stop and body.trigger_price is not None:
        raise SemanticError(
            f"a {body.type} order takes no trigger price",
            details=[{"field": "triggerPrice", "issue": "not_allowed"}],
        )
    if body.type == "SL" and body.limit is not None and body.trigger is not None:
        wrong = body.trigger > body.limit if body.side == "BUY" else body.trigger < body.limit
        if wrong:
            raise SemanticError(
                "a stop-loss buy triggers at or under its limit, a stop-loss sell at or over it",
                details=[{"field": "triggerPrice", "issue": "beyond_limit"}],
            )
    if stop and body.validity == "IOC":
        raise SemanticError(
            "IOC applies to MARKET and LIMIT orders", details=[{"field": "validity", "issue": "not_allowed"}]
        )
