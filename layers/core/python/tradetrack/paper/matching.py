"""Matching live orders against quotes (a tick's, the cache's, or the feed's), through the price
indexes: untriggered stops by trigger (SL then rests at its limit, SL-M fills at the market), then
the limit orders the price crosses, oldest first, each filling what is left of the tick's simulated
volume for its instrument and side (all of it when the volume is unlimited)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import redis
from pymongo.database import Database

from tradetrack.market.cache import STALE_AFTER_S, cache_quotes, cached_quotes, marked_quotes
from tradetrack.market.calendar import is_market_open
from tradetrack.market.providers import ProviderError, QuoteProvider, fetch_in_batches
from tradetrack.money import to_scaled
from tradetrack.observability import logger
from tradetrack.paper import account_store, book, holding_store, order_store
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.fills import crosses_position, fill_order, opens, remaining
from tradetrack.paper.ledger import cost_of
from tradetrack.paper.models import LIVE_STATES
from tradetrack.paper.orders import end_order
from tradetrack.paper.placement import market_price
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.paper.stopout import stop_out
from tradetrack.timeutil import ist_date


def match_tick(
    db: Database[Document],
    cache: redis.Redis,
    quotes: dict[str, Decimal],
    *,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
) -> int:
    """Trigger and fill the live orders that `quotes` ({EXCHANGE:SYMBOL: last price}) reach (a limit
    fill is at the quote, at or better than its limit), then stop out the MIS positions the price
    takes to their margin call (tradetrack.paper.stopout). Returns the fills made."""
    rules = rules_or_settings(rules)
    if rules.market_hours and not is_market_open(now()):
        return 0  # nothing trades while the market is closed: orders wait for the open
    filled = 0
    for symbol, ltp in quotes.items():
        price = to_scaled(ltp)
        for stop in _stops(db, cache, symbol, price):
            filled += _trigger(db, cache, stop, price, now=now, rules=rules, events=events)
        volume = {"BUY": rules.tick_volume, "SELL": rules.tick_volume}
        for order in crossed_orders(db, cache, symbol, price):
            side = order["side"]
            if rules.tick_volume and volume[side] <= 0:
                continue
            if _position_turned(db, cache, order, now=now, events=events):
                continue
            if order["type"] == "MARKET":  # an AMO at the open: whole, at the market
                filled += _at_market(db, cache, order, price, "insufficient funds at the open", now=now,
                                     rules=rules, events=events)  # fmt: skip
                continue
            size = min(remaining(order), volume[side]) if rules.tick_volume else remaining(order)
            done = fill_order(
                db, cache, order["_id"], price, quantity=size, now=now, rules=rules, events=events
            )
            if done is not None:
                filled += 1
                volume[side] -= size
        stop_out(db, cache, symbol, price, now=now, rules=rules, events=events)  # the MIS margin call
    return filled


def _trigger(
    db: Database[Document],
    cache: redis.Redis,
    order: Document,
    price: int,
    *,
    now: Clock,
    rules: Rules,
    events: Events | None,
) -> int:
    """An SL order starts resting at its limit; an SL-M order fills whole at the market, a buy's
    hold topped up to the fill's cost first (rejected when the account cannot cover it)."""
    at = now()
    if order["type"] == "SL":
        rests = order_store.trigger(db, cache, order["_id"], at, {"price": order["limit"]})
        if rests is not None:
            book.triggered(cache, rests)
        return 0
    triggered = order_store.trigger(db, cache, order["_id"], at, {})
    if triggered is None:
        return 0
    book.triggered(cache, triggered)
    return _at_market(db, cache, triggered, price, "insufficient funds at the trigger", now=now,
                      rules=rules, events=events)  # fmt: skip


def _at_market(
    db: Database[Document],
    cache: redis.Redis,
    order: Document,
    price: int,
    short: str,
    *,
    now: Clock,
    rules: Rules,
    events: Events | None,
) -> int:
    """Fill a live order whole at the market (a triggered SL-M, an AMO at the open), a buy's hold
    topped up to the fill's cost first (rejected, saying `short`, when the account cannot cover it)."""
    if _position_turned(db, cache, order, now=now, events=events):
        return 0
    fill_at = market_price(price, buy=order["side"] == "BUY", quantity=remaining(order), rules=rules)
    if opens(order) and not _top_up(db, cache, order, fill_at, now(), rules):
        end_order(db, cache, order["_id"], "rejected", short, now=now, events=events)
        return 0
    return 1 if fill_order(db, cache, order["_id"], fill_at, now=now, rules=rules, events=events) else 0


def _position_turned(
    db: Database[Document], cache: redis.Redis, order: Document, *, now: Clock, events: Events | None
) -> bool:
    """An opening MIS order whose position turned the other way since it was placed (a short sale
    placed flat, a buy filled first): rejected instead of filled (one position per instrument)."""
    if order.get("product") != "MIS" or not opens(order):
        return False
    holding = holding_store.get_holding(db, order["accountId"], order["exchange"], order["symbol"], "MIS")
    if not crosses_position(order, holding):
        return False
    reason = "the MIS position turned the other way: close it first"
    end_order(db, cache, order["_id"], "rejected", reason, now=now, events=events)
    return True


def _top_up(
    db: Database[Document], cache: redis.Redis, order: Document, price: int, at: datetime, rules: Rules
) -> bool:
    """Hold what a buy's market fill at `price` needs beyond what it holds (SL-M held at its trigger)."""
    mis = order.get("product") == "MIS"
    need = cost_of(
        order["symbol"], mis=mis, leverage=int(order.get("leverage", rules.leverage)), day=ist_date(at),
        turnover=remaining(order) * price, buy=order["side"] == "BUY",
    ) - int(order["held"])  # fmt: skip
    if need <= 0:
        return True
    if not account_store.hold(db, cache, order["userId"], order["accountId"], need):
        return False
    if order_store.add_held(db, cache, order["_id"], need):
        return True
    account_store.release(db, cache, order["accountId"], need)  # it ended meanwhile
    return False


def _live(db: Database[Document], cache: redis.Redis, symbol: str, ids: list[str]) -> list[Document]:
    """The live orders of `ids`, oldest first; ids whose order ended (or never was) are forgotten."""
    found = [o for o in order_store.orders_by_ids(db, ids) if o["state"] in LIVE_STATES]
    book.forget(cache, symbol, sorted(set(ids) - {o["_id"] for o in found}))
    return sorted(found, key=lambda o: (o["createdAt"], o["_id"]))


def crossed_orders(db: Database[Document], cache: redis.Redis, symbol: str, price: int) -> list[Document]:
    """The live limit orders `price` crosses: their ids from the Redis price index, else (Redis
    down) through Mongo's resting_by_price index."""
    try:
        ids = book.crossed(cache, symbol, price)
    except redis.RedisError:
        return order_store.crossed(db, symbol, price)
    return [o for o in _live(db, cache, symbol, ids) if o.get("trigger") is None]


def _stops(db: Database[Document], cache: redis.Redis, symbol: str, price: int) -> list[Document]:
    """The untriggered stops `price` reaches (Redis index, else Mongo's stops_by_trigger)."""
    try:
        ids = book.stops_reached(cache, symbol, price)
    except redis.RedisError:
        return order_store.stops_triggered(db, symbol, price)
    live = _live(db, cache, symbol, ids)
    for repair in (o for o in live if o.get("trigger") is None):  # triggered, its index move lost
        book.triggered(cache, repair)
    return [o for o in live if o.get("trigger") is not None]


def resting_symbols(db: Database[Document], cache: redis.Redis) -> list[str]:
    """The instruments with live orders (the Redis index, rebuilt from Mongo if Redis lost it)."""
    try:
        if not book.built(cache):
            book.rebuild(cache, order_store.live_orders(db))
        return book.symbols(cache)
    except redis.RedisError:
        return order_store.resting_symbols(db)


def match_cached(
    db: Database[Document], cache: redis.Redis, *, now: Clock = utc_now, rules: Rules | None = None
) -> int:
    """One matching pass over the instruments with live orders, at their cached quotes."""
    symbols = resting_symbols(db, cache)
    quotes = marked_quotes(cache, symbols)
    return match_tick(db, cache, {s: q.quote.ltp for s, q in quotes.items()}, now=now, rules=rules)


def feed_quotes(db: Database[Document], cache: redis.Redis, provider: QuoteProvider) -> dict[str, Decimal]:
    """The instruments of the live orders and of the open MIS positions (their stop-out) quoted from
    the cache when fresh, else from the provider (then cached); a provider failure leaves what is
    cached."""
    symbols = sorted({*resting_symbols(db, cache), *holding_store.mis_position_symbols(db)})
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
    return {s: q.ltp for s, q in quotes.items()}
