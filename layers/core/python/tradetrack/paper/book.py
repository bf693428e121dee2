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
"""

from __future__ import annotations

import redis

from tradetrack.observability import logger
from tradetrack.paper.clock import Document

_BOOK = "paper:book:{}:{}"
_STOPS = "paper:stops:{}:{}"
_SYMBOLS = "paper:books"
_BUILT = "paper:books:built"  # set once the index holds every live order (gone after a flush)
SIDES = ("BUY", "SELL")


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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
