"""Token-bucket rate limits in Redis, one atomic Lua call per check (Redis's own clock)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis

# KEYS[1]: bucket. ARGV: capacity, refill per second, cost. Returns {allowed, retry_after_ms}.
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return {allowed, wait}
"""


@dataclass(frozen=True)
class Limit:
    name: str
    capacity: int
    per_seconds: float  # the capacity refills over this many seconds

    @property
    def rate(self) -> float:
        return self.capacity / self.per_seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int


API_PER_USER = Limit("api", capacity=100, per_seconds=1)
LOGIN_PER_ACCOUNT = Limit("login-account", capacity=5, per_seconds=60)
LOGIN_PER_IP = Limit("login-ip", capacity=5, per_seconds=60)


def _key(limit: Limit, subject: str) -> str:
    return f"rl:{limit.name}:{subject}"


def take(cache: redis.Redis, limit: Limit, subject: str, cost: int = 1) -> Decision:
    allowed, wait_ms = cache.eval(_TAKE, 1, _key(limit, subject), limit.capacity, limit.rate, cost)
    return Decision(bool(allowed), max(1, math.ceil(int(wait_ms) / 1000)) if not allowed else 0)


def take_or_wait_ms(cache: redis.Redis, limit: Limit, subject: str, cost: int = 1) -> int:
    """0 when allowed (the tokens are taken), else how many milliseconds until they would be."""
    allowed, wait_ms = cache.eval(_TAKE, 1, _key(limit, subject), limit.capacity, limit.rate, cost)
    return 0 if allowed else max(1, int(wait_ms))


def refill(cache: redis.Redis, limit: Limit, subject: str) -> None:
    """The subject's bucket full again, as after `limit.per_seconds` without a take (an operator
    unblocking an address; a bench that logs in more often than a trader may)."""
    cache.delete(_key(limit, subject))
