"""Paper trading's logic: accounts, order placement with holds, fills on quotes, cancel, portfolio.

Consistency without multi-document transactions (docs/paper.md): a buy's funds are held by one
conditional update before its order is stored (and given back if storing fails); an order changes
state only from the state it is in, so of two fills, or a fill and a cancel, exactly one wins; the
winner then applies its fill to the balance, the holding and the journal, each step guarded by the
fill's key (order id and fill sequence), so running a fill again, after a crash or a redelivered
tick, completes what is missing and changes nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db.executions import execution_id
from tradetrack.errors import Conflict, NotFound, SemanticError
from tradetrack.executions import record_execution
from tradetrack.market.cache import STALE_AFTER_S, cache_quotes, cached_quotes, marked_quotes
from tradetrack.market.calendar import market_status
from tradetrack.market.providers import ProviderError, QuoteProvider, fetch_in_batches
from tradetrack.market.symbols import canonical_symbol, quote_symbol
from tradetrack.models.executions import ExecutionIn, Source
from tradetrack.money import from_scaled, money_str, to_scaled
from tradetrack.observability import logger
from tradetrack.paper import repository as repo
from tradetrack.paper.ledger import BalanceView, Fill, buy_hold, make_fill, settle_buy
from tradetrack.paper.models import AccountIn, AccountOut, OrderIn, OrderOut, Portfolio
from tradetrack.queries import aware
from tradetrack.timeutil import IST, ist_date

Document = dict[str, Any]
Clock = Callable[[], datetime]
SOURCE: Source = "paper"


def _now() -> datetime:
    return datetime.now(UTC)


# Accounts


def account_out(doc: Document) -> AccountOut:
    balance = BalanceView(int(doc["available"]), int(doc["held"]))
    return AccountOut.model_validate(
        {
            "accountId": doc["_id"],
            "name": doc["name"],
            "status": doc["status"],
            "startingBalance": money_str(int(doc["startingBalance"])),
            "balance": balance.to_json(),
            "createdAt": aware(doc["createdAt"]).astimezone(IST),
        }
    )


def open_account(db: Database[Document], user_id: str, body: AccountIn, *, now: Clock = _now) -> AccountOut:
    start = to_scaled(body.amount)
    if start <= 0:
        raise SemanticError(
            "startingBalance must be more than zero",
            details=[{"field": "startingBalance", "issue": "not_positive"}],
        )
    doc: Document = {
        "_id": f"pa_{uuid.uuid4().hex[:20]}",
        "userId": user_id,
        "name": body.name,
        "status": "open",
        "startingBalance": start,
        "available": start,
        "held": 0,
        "resets": 0,
        "appliedFills": [],
        "createdAt": now(),
    }
    repo.insert_account(db, doc)
    return account_out(doc)


def _account(db: Database[Document], user_id: str, account_id: str) -> Document:
    doc = repo.get_account(db, user_id, account_id)
    if doc is None:
        raise NotFound("no such paper account")
    return doc


def get_account(db: Database[Document], user_id: str, account_id: str) -> AccountOut:
    return account_out(_account(db, user_id, account_id))


def list_accounts(db: Database[Document], user_id: str) -> list[AccountOut]:
    return [account_out(doc) for doc in repo.list_accounts(db, user_id)]


def _no_pending(db: Database[Document], user_id: str, account_id: str, what: str) -> None:
    if repo.has_pending(db, user_id, account_id):
        raise Conflict(
            f"cancel the account's pending orders before you {what} it",
            details=[{"field": "accountId", "issue": "pending_orders"}],
        )


def reset_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, *, now: Clock = _now
) -> AccountOut:
    """Back to the starting balance with no holdings (its journal executions stay)."""
    account = _account(db, user_id, account_id)
    if account["status"] != "open":
        raise Conflict("the paper account is closed", details=[{"field": "accountId", "issue": "closed"}])
    _no_pending(db, user_id, account_id, "reset")
    if not repo.reset_account(db, cache, user_id, account_id, now()):
        raise Conflict("the paper account changed meanwhile: try again")
    return get_account(db, user_id, account_id)


def close_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, *, now: Clock = _now
) -> AccountOut:
    account = _account(db, user_id, account_id)
    if account["status"] == "closed":
        return account_out(account)
    _no_pending(db, user_id, account_id, "close")
    if not repo.close_account(db, cache, user_id, account_id, now()):
        raise Conflict("the paper account changed meanwhile: try again")
    return get_account(db, user_id, account_id)


# Orders


def order_out(doc: Document) -> OrderOut:
    fills = [
        {
            **f,
            "price": money_str(f["price"]),
            "charges": money_str(f["charges"]),
            "at": aware(f["at"]).astimezone(IST),
        }
        for f in doc.get("fills", [])
    ]
    history = [{**h, "at": aware(h["at"]).astimezone(IST)} for h in doc["history"]]
    return OrderOut.model_validate(
        {
            "orderId": doc["_id"],
            "accountId": doc["accountId"],
            "symbol": doc["symbol"],
            "exchange": doc["exchange"],
            "side": doc["side"],
            "type": doc["type"],
            "quantity": doc["quantity"],
            "price": None if doc.get("price") is None else money_str(doc["price"]),
            "product": doc["product"],
            "validity": doc["validity"],
            "state": doc["state"],
            "held": money_str(int(doc.get("held", 0))),
            "fills": fills,
            "history": history,
            "createdAt": aware(doc["createdAt"]).astimezone(IST),
            "expiresAt": None if doc.get("expiresAt") is None else aware(doc["expiresAt"]).astimezone(IST),
        }
    )


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
    now: Clock = _now,
) -> OrderOut:
    """Hold (buy: funds; sell: quantity), store the order pending; a market order fills at once at
    the last quote. Refusals: 404 (account), 409 (closed), 422 (no quote, funds, quantity)."""
    _check_price(body)
    account = _account(db, user_id, account_id)
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
        _give_back(db, cache, doc)
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


def _give_back(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    if order["side"] == "BUY":
        repo.release(db, cache, order["accountId"], int(order["held"]))
    else:
        repo.unreserve(
            db, cache, order["accountId"], order["exchange"], order["symbol"], int(order["quantity"])
        )


def get_order(db: Database[Document], user_id: str, account_id: str, order_id: str) -> OrderOut:
    doc = repo.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    return order_out(doc)


def list_orders(
    db: Database[Document], user_id: str, account_id: str, *, limit: int, state: str | None = None
) -> list[OrderOut]:
    _account(db, user_id, account_id)
    return [order_out(d) for d in repo.list_orders(db, user_id, account_id, limit=limit, state=state)]


def cancel_order(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    order_id: str,
    *,
    now: Clock = _now,
) -> OrderOut:
    """Cancel a pending order and give back what it held; 409 once it executed or ended."""
    doc = repo.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    canceled = repo.transition(
        db,
        cache,
        order_id,
        source="pending",
        target="canceled",
        at=now(),
        reason="by user",
        fields={"held": 0},
    )
    if canceled is None:
        current = repo.get_order(db, user_id, order_id) or doc
        raise Conflict(
            f"the order is {current['state']}: only pending orders can be canceled",
            details=[{"field": "orderId", "issue": "not_pending", "state": current["state"]}],
        )
    _give_back(db, cache, doc)
    return order_out(canceled)


# Fills


def fill_order(
    db: Database[Document], cache: redis.Redis, order_id: str, price: int, *, now: Clock = _now
) -> Document | None:
    """Fill a pending order whole at `price` (fill 1), then apply that fill. The order's move from
    pending is the claim: a second caller (a replay, a parallel tick) finds it executed and only
    completes the fill's remaining steps, each of which applies once. None: no such order, or it
    was canceled first."""
    at = now()
    order = repo.order_by_id(db, order_id)
    if order is None:
        return None
    if order["state"] == "pending":
        fill = make_fill(
            order["symbol"],
            buy=order["side"] == "BUY",
            intraday=False,
            day=ist_date(at),
            quantity=int(order["quantity"]),
            price=price,
        )
        record = {
            "seq": 1,
            "quantity": fill.quantity,
            "price": fill.price,
            "charges": fill.charges,
            "at": at,
            "executionId": execution_id(order["userId"], order["accountId"], SOURCE, fill_key(order_id, 1)),
        }
        claimed = repo.transition(
            db,
            cache,
            order_id,
            source="pending",
            target="executed",
            at=at,
            fields={"fills": [record], "held": 0, "heldAtFill": int(order["held"])},
        )
        order = claimed or repo.order_by_id(db, order_id) or order
    if order["state"] != "executed":
        return None
    apply_fill(db, cache, order)
    return repo.order_by_id(db, order_id)


def fill_key(order_id: str, seq: int) -> str:
    return f"{order_id}:{seq}"


def apply_fill(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """Apply an executed order's fill to the balance, the holding and the journal, once each."""
    [record] = order["fills"]
    fill = Fill(int(record["quantity"]), int(record["price"]), int(record["charges"]))
    key = fill_key(order["_id"], int(record["seq"]))
    if order["side"] == "BUY":
        released, returned = settle_buy(int(order["heldAtFill"]), fill)
        repo.settle(db, cache, order["accountId"], key, held=released, available=returned)
        repo.apply_to_holding(db, cache, order, key, quantity=fill.quantity, free=fill.quantity)
    else:
        repo.settle(db, cache, order["accountId"], key, held=0, available=fill.cash_for_sell())
        repo.apply_to_holding(db, cache, order, key, quantity=-fill.quantity, free=0)
    item = ExecutionIn.model_validate(
        {
            "accountId": order["accountId"],
            "symbol": order["symbol"],
            "exchange": order["exchange"],
            "side": order["side"],
            "quantity": fill.quantity,
            "price": from_scaled(fill.price),
            "fees": from_scaled(fill.charges),
            "executedAt": aware(record["at"]),
            "product": order["product"],
            "externalId": key,
            "orderId": order["_id"],
        }
    )
    record_execution(db, cache, order["userId"], SOURCE, item)


def match_tick(
    db: Database[Document], cache: redis.Redis, quotes: dict[str, Decimal], *, now: Clock = _now
) -> int:
    """Fill the resting limit orders that `quotes` ({EXCHANGE:SYMBOL: last price}) cross, found
    through the price index; each fills at the quote (at or better than its limit). Returns fills."""
    filled = 0
    for symbol, ltp in quotes.items():
        price = to_scaled(ltp)
        for order in repo.crossed(db, symbol, price):
            if fill_order(db, cache, order["_id"], price, now=now) is not None:
                filled += 1
    return filled


def match_cached(db: Database[Document], cache: redis.Redis, *, now: Clock = _now) -> int:
    """One matching pass over the instruments with resting orders, at their cached quotes."""
    symbols = repo.resting_symbols(db)
    quotes = marked_quotes(cache, symbols)
    return match_tick(db, cache, {s: q.quote.ltp for s, q in quotes.items()}, now=now)


def match_feed(
    db: Database[Document], cache: redis.Redis, provider: QuoteProvider, *, now: Clock = _now
) -> int:
    """The feed's matching pass: the resting orders' instruments quoted (from the cache when fresh,
    else from the provider, then cached), then matched. A provider failure matches what is cached."""
    symbols = repo.resting_symbols(db)
    quotes = cached_quotes(cache, symbols, max_age_s=STALE_AFTER_S)
    missing = [s for s in symbols if s not in quotes]
    if missing:
        try:
            fetched = fetch_in_batches(provider, missing)
        except (ProviderError, OSError) as exc:
            logger.warning("paper matching: quotes unavailable", extra={"error": str(exc)})
            fetched = {}
        cache_quotes(cache, fetched.values())
        quotes.update(fetched)
    filled = match_tick(db, cache, {s: q.ltp for s, q in quotes.items()}, now=now)
    expire_day_orders(db, cache, now=now)
    return filled


def expire_day_orders(db: Database[Document], cache: redis.Redis, *, now: Clock = _now) -> int:
    """Expire the pending orders whose session has closed (DAY validity), giving back their holds;
    found by the pending_by_expiry index. Returns how many expired."""
    at, count = now(), 0
    for order in repo.expired(db, at):
        reason = "DAY order: the market closed"
        if repo.transition(
            db,
            cache,
            order["_id"],
            source="pending",
            target="expired",
            at=at,
            reason=reason,
            fields={"held": 0},
        ):
            _give_back(db, cache, order)
            count += 1
    return count


def portfolio(db: Database[Document], cache: redis.Redis, user_id: str, account_id: str) -> Portfolio:
    account = _account(db, user_id, account_id)
    holdings = repo.holdings_of(db, user_id, account_id)
    symbols = [quote_symbol(h["exchange"], h["symbol"]) for h in holdings]
    marks = marked_quotes(cache, symbols)
    return Portfolio.model_validate(
        {
            "accountId": account_id,
            "balance": BalanceView(int(account["available"]), int(account["held"])).to_json(),
            "holdings": [
                {
                    "symbol": h["symbol"],
                    "exchange": h["exchange"],
                    "quantity": h["quantity"],
                    "free": h["free"],
                    "lastPrice": money_str(to_scaled(m.quote.ltp)) if (m := marks.get(s)) else None,
                }
                for h, s in zip(holdings, symbols, strict=True)
            ],
        }
    )
