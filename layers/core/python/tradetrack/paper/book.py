"""The price index of live orders in Redis (the only module naming its keys): per instrument and
side, a sorted set of resting orders by limit price (`paper:book:<symbol>:<side>`) and one of
untriggered stops by trigger price (`paper:stops:<symbol>:<side>`), and the set of instruments
that have any (`paper:books`). Mongo stays the record: a tick reads the ids in range here, then
the orders by id, and only live ones fill; an id whose order ended is dropped when met.

Why not the Mongo index alone: FerretDB v1 (the local and test store) filters by scanning, so one
tick's lookup among 100,000 resting orders took 14 s there; a sorted-set range is O(log n + found)
on any store (docs/paper.md, Benchmarks). Without Redis (an error) the caller falls back to Mongo's
resting_by_price and stops_by_trigger indexes; when Redis has lost the index (`paper:books:built`
missing) the feed's pass rebuilds it from Mongo's live orders first.

The stop-out index does the same for the MIS margin call: per instrument, a sorted set of open MIS
longs by the price at or under which each is stopped out (`paper:stopout:<symbol>:long`) and one of
shorts by the price at or over which (`…:short`), members the holdings' ids, kept by every fill
applied to an MIS holding (under the holding's lock, after its write). A tick reads the ids in
range, then those holdings by id, and stops out only those the record says reached it (an id whose
position closed is dropped). `paper:stopouts:built` holds the stop-out percentage the scores were
computed at; missing (Redis lost it) or another percentage, the tick rebuilds the index from Mongo's
open MIS positions first.
"""

from __future__ import annotations

import contextlib

import redis

from tradetrack.observability import logger
from tradetrack.paper.clock import Document
from tradetrack.paper.ledger import stopout_price

_BOOK = "paper:book:{}:{}"
_STOPS = "paper:stops:{}:{}"
_SYMBOLS = "paper:books"
_BUILT = "paper:books:built"  # set once the index holds every live order (gone after a flush)
SIDES = ("BUY", "SELL")
_STOPOUT = "paper:stopout:{}:{}"  # "long": stopped at or under its score; "short": at or over
_STOPOUT_BUILT = "paper:stopouts:built"  # the stop-out percentage the scores were computed at
POSITION_SIDES = ("long", "short")


def add(cache: redis.Redis, order: Document) -> None:
    """Index a live order: at its book price (LIMIT, triggered SL) or its trigger (SL, SL-M)."""
    symbol, side = order["quoteSymbol"], order["side"]
    pipe = cache.pipeline()
    if order.get("trigger") is not None:
        pipe.zadd(_STOPS.format(symbol, side), {order["_id"]: int(order["trigger"])})
    if order.get("price") is not None:
        pipe.zadd(_BOOK.format(symbol, side), {order["_id"]: int(order["price"])})
    pipe.sadd(_SYMBOLS, symbol)
    pipe.execute()


def triggered(cache: redis.Redis, order: Document) -> None:
    """A stop triggered: out of the stops; an SL rests at its limit from now on."""
    symbol, side = order["quoteSymbol"], order["side"]
    pipe = cache.pipeline()
    pipe.zrem(_STOPS.format(symbol, side), order["_id"])
    if order.get("price") is not None:
        pipe.zadd(_BOOK.format(symbol, side), {order["_id"]: int(order["price"])})
    pipe.execute()


def remove(cache: redis.Redis, order: Document) -> None:
    """An order ended (executed, canceled, expired, rejected): out of the index."""
    symbol, side = order["quoteSymbol"], order["side"]
    pipe = cache.pipeline()
    pipe.zrem(_BOOK.format(symbol, side), order["_id"])
    pipe.zrem(_STOPS.format(symbol, side), order["_id"])
    pipe.execute()


def unindex(cache: redis.Redis, order: Document) -> None:
    """`remove`, best effort: the order ended in Mongo already; a stale id is dropped when met."""
    try:
        remove(cache, order)
    except redis.RedisError as exc:
        logger.warning("paper price index: removal lost", extra={"orderId": order["_id"], "error": str(exc)})


def crossed(cache: redis.Redis, symbol: str, price: int) -> list[str]:
    """Ids of the resting orders a trade at `price` crosses: buys limited at or above it, sells at
    or below it."""
    pipe = cache.pipeline()
    pipe.zrangebyscore(_BOOK.format(symbol, "BUY"), price, "+inf")
    pipe.zrangebyscore(_BOOK.format(symbol, "SELL"), "-inf", price)
    buys, sells = pipe.execute()
    return [_text(i) for i in [*buys, *sells]]


def stops_reached(cache: redis.Redis, symbol: str, price: int) -> list[str]:
    """Ids of the untriggered stops a trade at `price` triggers: buys at or under it, sells at or
    over it."""
    pipe = cache.pipeline()
    pipe.zrangebyscore(_STOPS.format(symbol, "BUY"), "-inf", price)
    pipe.zrangebyscore(_STOPS.format(symbol, "SELL"), price, "+inf")
    buys, sells = pipe.execute()
    return [_text(i) for i in [*buys, *sells]]


def forget(cache: redis.Redis, symbol: str, order_ids: list[str]) -> None:
    """Drop ids whose orders are no longer live (an end whose removal was lost)."""
    if not order_ids:
        return
    pipe = cache.pipeline()
    for side in SIDES:
        pipe.zrem(_BOOK.format(symbol, side), *order_ids)
        pipe.zrem(_STOPS.format(symbol, side), *order_ids)
    pipe.execute()


def symbols(cache: redis.Redis) -> list[str]:
    """The instruments with indexed orders now. (One that had some stays in `paper:books`, a set
    bounded by the instruments ever traded: removing it could race a placement adding it back.)"""
    every = sorted(_text(s) for s in cache.smembers(_SYMBOLS))
    if not every:
        return []
    pipe = cache.pipeline()
    for symbol in every:
        for side in SIDES:
            pipe.zcard(_BOOK.format(symbol, side))
            pipe.zcard(_STOPS.format(symbol, side))
    counts = pipe.execute()
    return [symbol for i, symbol in enumerate(every) if any(counts[i * 4 : i * 4 + 4])]


def built(cache: redis.Redis) -> bool:
    return bool(cache.exists(_BUILT))


def rebuild(cache: redis.Redis, live_orders: list[Document]) -> None:
    """Index every live order again (Redis lost its data: a flush, a failover without a replica)."""
    for order in live_orders:
        add(cache, order)
    cache.set(_BUILT, "1")


def index_position(cache: redis.Redis, holding: Document) -> None:
    """Index an MIS holding as it is now at its stop-out price (out of the index when closed or
    without margin), at the percentage the index was built at; nothing until it is built (the next
    tick rebuilds it from Mongo). Best effort: a lost write drops the built mark (rebuilt next)."""
    try:
        pct = cache.get(_STOPOUT_BUILT)
        if pct is None:
            return
        symbol = f"{holding['exchange']}:{holding['symbol']}"
        at = _stopout_at(holding, int(pct))
        pipe = cache.pipeline()
        for side in POSITION_SIDES:
            if at is not None and at[0] == side:
                pipe.zadd(_STOPOUT.format(symbol, side), {holding["_id"]: at[1]})
            else:
                pipe.zrem(_STOPOUT.format(symbol, side), holding["_id"])
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning(
            "paper stop-out index: write lost", extra={"holding": holding["_id"], "error": str(exc)}
        )
        with contextlib.suppress(redis.RedisError):
            cache.delete(_STOPOUT_BUILT)


def stopouts_built(cache: redis.Redis, pct: int) -> bool:
    """Whether the stop-out index holds every open MIS position at `pct`."""
    return _text(cache.get(_STOPOUT_BUILT) or "") == str(pct)


def rebuild_stopouts(cache: redis.Redis, positions: list[Document], pct: int) -> None:
    """Index every open MIS position again at `pct` (Redis lost the index, or the percentage
    changed): the old scores are dropped first."""
    stale = [_text(k) for k in cache.scan_iter(match=_STOPOUT.format("*", "*"), count=1000)]
    pipe = cache.pipeline()
    if stale:
        pipe.delete(*stale)
    for holding in positions:
        at = _stopout_at(holding, pct)
        if at is not None:
            symbol = f"{holding['exchange']}:{holding['symbol']}"
            pipe.zadd(_STOPOUT.format(symbol, at[0]), {holding["_id"]: at[1]})
    pipe.set(_STOPOUT_BUILT, str(pct))
    pipe.execute()


def stopouts_reached(cache: redis.Redis, symbol: str, price: int) -> list[str]:
    """Ids of the MIS holdings a trade at `price` stops out: longs stopped at or above it, shorts
    at or under it."""
    pipe = cache.pipeline()
    pipe.zrangebyscore(_STOPOUT.format(symbol, "long"), price, "+inf")
    pipe.zrangebyscore(_STOPOUT.format(symbol, "short"), "-inf", price)
    longs, shorts = pipe.execute()
    return [_text(i) for i in [*longs, *shorts]]


def forget_positions(cache: redis.Redis, symbol: str, holding_ids: list[str]) -> None:
    """Drop ids whose positions are closed or gone (a reset, a write lost)."""
    if not holding_ids:
        return
    pipe = cache.pipeline()
    for side in POSITION_SIDES:
        pipe.zrem(_STOPOUT.format(symbol, side), *holding_ids)
    pipe.execute()


def _stopout_at(holding: Document, pct: int) -> tuple[str, int] | None:
    quantity, cost, margin = (int(holding.get(k, 0)) for k in ("quantity", "cost", "margin"))
    return stopout_price(quantity, cost, margin, pct)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
