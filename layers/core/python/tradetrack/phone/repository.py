"""Where phone verification keeps its state: Redis only (codes are short-lived by design).

phone:otp:{userId}          hash: the pending code's phone, salt, digest, attempts, expiresAt
                            (expires with the code)
phone:sent:user:{userId}    sorted set of send times (the rate limits' sliding window, 1 hour)
phone:sent:phone:{phone}    the same per number, whoever asked
phone:sending:user:{userId} / phone:sending:phone:{phone}
                            held (10 s at most) while a code is checked against the limits and
                            sent, so two requests at once cannot both pass them
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

SENDING_TTL_S = 10  # a crashed sender's hold lapses after this
WINDOW_S = 3600  # the longest rate-limit window: send times older than this are forgotten

# KEYS[1]: the code's hash. One more attempt counted, atomically, only when a code is pending
# (HINCRBY alone would create a hash without expiry). Returns the hash's fields, or nil.
_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return redis.call('HGETALL', KEYS[1])
"""


def _otp_key(user_id: str) -> str:
    return f"phone:otp:{user_id}"


def _sent_keys(user_id: str, phone: str) -> tuple[str, str]:
    return f"phone:sent:user:{user_id}", f"phone:sent:phone:{phone}"


@dataclass(frozen=True)
class Pending:
    phone: str
    salt: str  # hex
    digest: str  # hex HMAC-SHA256 of the code, keyed by the salt
    attempts: int
    expires_at: float  # epoch seconds


def save_pending(cache: redis.Redis, user_id: str, pending: Pending, *, ttl_s: int) -> None:
    """The user's pending code (a new one replaces the previous one)."""
    key = _otp_key(user_id)
    pipe = cache.pipeline(transaction=True)  # never a code without its expiry
    pipe.delete(key)
    pipe.hset(
        key,
        mapping={
            "phone": pending.phone,
            "salt": pending.salt,
            "digest": pending.digest,
            "attempts": pending.attempts,
            "expiresAt": repr(pending.expires_at),
        },
    )
    pipe.expire(key, ttl_s)
    pipe.execute()


def count_attempt(cache: redis.Redis, user_id: str) -> Pending | None:
    """The pending code with this attempt counted, or None when none is pending."""
    raw = cache.eval(_ATTEMPT, 1, _otp_key(user_id))
    if not raw:
        return None
    items = [str(item.decode() if isinstance(item, bytes) else item) for item in raw]
    fields = dict(zip(items[::2], items[1::2], strict=True))
    return Pending(
        phone=fields["phone"],
        salt=fields["salt"],
        digest=fields["digest"],
        attempts=int(fields["attempts"]),
        expires_at=float(fields["expiresAt"]),
    )


def consume(cache: redis.Redis, user_id: str) -> bool:
    """Remove the pending code; True for the one caller that removed it."""
    return bool(cache.delete(_otp_key(user_id)))


def send_times(
    cache: redis.Redis, user_id: str, phone: str, *, now: float
) -> tuple[list[float], list[float]]:
    """The send times within the window, oldest first: the user's, the number's."""
    pipe = cache.pipeline(transaction=False)
    for key in _sent_keys(user_id, phone):
        pipe.zremrangebyscore(key, "-inf", now - WINDOW_S)
        pipe.zrange(key, 0, -1, withscores=True)
    replies = pipe.execute()
    return [float(score) for _, score in replies[1]], [float(score) for _, score in replies[3]]


def record_send(cache: redis.Redis, user_id: str, phone: str, *, now: float, send_id: str) -> None:
    pipe = cache.pipeline(transaction=True)
    for key in _sent_keys(user_id, phone):
        pipe.zadd(key, {send_id: now})
        pipe.expire(key, WINDOW_S)
    pipe.execute()


@contextmanager
def sending(cache: redis.Redis, user_id: str, phone: str) -> Iterator[bool]:
    """Hold the user and the number while a code is sent: True when both were free (released on
    exit), False when another request holds either."""
    held: list[str] = []
    try:
        for key in (f"phone:sending:user:{user_id}", f"phone:sending:phone:{phone}"):
            if not cache.set(key, "1", nx=True, ex=SENDING_TTL_S):
                break
            held.append(key)
        yield len(held) == 2
    finally:
        for key in held:
            cache.delete(key)
