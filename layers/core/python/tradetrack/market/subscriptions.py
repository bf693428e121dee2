"""Who listens to what, in Redis, expiring with API Gateway's 2-hour connection limit.

ws:sym:{symbol}       set of connection ids subscribed to the symbol
ws:subs:{connection}  set of symbols the connection subscribed to (at most MAX_SYMBOLS)
ws:user:{userId}      set of the user's open connection ids (alerts are pushed there)
ws:symbols            set of symbols that have (or recently had) subscribers: the feed's work list
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import redis

from tradetrack.market.symbols import MAX_SYMBOLS

SYMBOLS_KEY = "ws:symbols"


def symbol_key(symbol: str) -> str:
    return f"ws:sym:{symbol}"


def connection_key(connection_id: str) -> str:
    return f"ws:subs:{connection_id}"


def user_key(user_id: str) -> str:
    return f"ws:user:{user_id}"


class TooManySymbols(Exception):
    def __init__(self, have: int, adding: int, limit: int) -> None:
        super().__init__(f"a connection may subscribe to at most {limit} symbols ({have} + {adding} new)")
        self.have, self.adding, self.limit = have, adding, limit


# Atomic check-and-add: KEYS[1] the connection's set, ARGV: limit, ttl, symbols...; the count of
# new symbols added, or -(count the connection would have) when that is over the limit.
_SUBSCRIBE = """
local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local new = 0
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then new = new + 1 end
end
local total = redis.call('SCARD', KEYS[1]) + new
if total > limit then return -total end
for i = 3, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ttl)
return new
"""


_DROP_IDLE = """
for i = 1, #ARGV do
  if redis.call('SCARD', 'ws:sym:' .. ARGV[i]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end
end
return 0
"""


def subscribe(
    cache: redis.Redis,
    connection_id: str,
    symbols: Sequence[str],
    *,
    ttl_s: int,
    limit: int = MAX_SYMBOLS,
) -> int:
    """Add `symbols` to the connection (all or none); TooManySymbols past `limit`. Returns the new total."""
    result = int(cache.eval(_SUBSCRIBE, 1, connection_key(connection_id), limit, ttl_s, *symbols))
    if result < 0:
        total = -result
        raise TooManySymbols(total - len(symbols), len(symbols), limit)
    pipe = cache.pipeline(transaction=False)
    for symbol in symbols:
        pipe.sadd(symbol_key(symbol), connection_id)
        pipe.expire(symbol_key(symbol), ttl_s)
    pipe.sadd(SYMBOLS_KEY, *symbols)
    pipe.expire(SYMBOLS_KEY, ttl_s)
    pipe.scard(connection_key(connection_id))
    return int(pipe.execute()[-1])


def unsubscribe(cache: redis.Redis, connection_id: str, symbols: Iterable[str]) -> int:
    """Remove `symbols` from the connection; returns how many it still has."""
    symbols = list(symbols)
    pipe = cache.pipeline(transaction=False)
    for symbol in symbols:
        pipe.srem(symbol_key(symbol), connection_id)
    if symbols:
        pipe.srem(connection_key(connection_id), *symbols)
    pipe.scard(connection_key(connection_id))
    return int(pipe.execute()[-1])


def subscriptions_of(cache: redis.Redis, connection_id: str) -> set[str]:
    return {str(s) for s in cache.smembers(connection_key(connection_id))}


def add_user_connection(cache: redis.Redis, user_id: str, connection_id: str, *, ttl_s: int) -> None:
    pipe = cache.pipeline(transaction=False)
    pipe.sadd(user_key(user_id), connection_id)
    pipe.expire(user_key(user_id), ttl_s)
    pipe.execute()


def user_connections(cache: redis.Redis, user_id: str) -> set[str]:
    return {str(c) for c in cache.smembers(user_key(user_id))}


def forget_subscriptions(cache: redis.Redis, connection_id: str, user_id: str | None) -> None:
    """$disconnect (or a 410 from the Management API): the connection leaves every set."""
    symbols = subscriptions_of(cache, connection_id)
    pipe = cache.pipeline(transaction=False)
    for symbol in symbols:
        pipe.srem(symbol_key(symbol), connection_id)
    pipe.delete(connection_key(connection_id))
    if user_id:
        pipe.srem(user_key(user_id), connection_id)
    pipe.execute()


def subscribed_symbols(cache: redis.Redis) -> list[str]:
    return sorted(str(s) for s in cache.smembers(SYMBOLS_KEY))


def subscribers(cache: redis.Redis, symbols: Sequence[str]) -> dict[str, set[str]]:
    """Connection ids per symbol; symbols nobody listens to any more leave the work list."""
    pipe = cache.pipeline(transaction=False)
    for symbol in symbols:
        pipe.smembers(symbol_key(symbol))
    found = {
        symbol: {str(c) for c in members} for symbol, members in zip(symbols, pipe.execute(), strict=True)
    }
    idle = [symbol for symbol, members in found.items() if not members]
    if idle:  # checked again inside Redis: a subscribe that raced this read keeps its symbol
        cache.eval(_DROP_IDLE, 1, SYMBOLS_KEY, *idle)
    return {symbol: members for symbol, members in found.items() if members}
