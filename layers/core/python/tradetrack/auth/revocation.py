"""Revoked access tokens: a per-user cut-off (logout-all, role change, deletion, password change) and
single tokens by jti (logout). Kept in Mongo (the user document, tradetrack.db.users), cached in Redis.

A check reads Redis first; when Redis does not hold the user's marks (an empty restart, an expired
entry) or is down, it reads Mongo and, Redis answering, fills it again. So neither an outage nor an
empty Redis brings a revoked token back. Both stores down: `RevocationUnknown`, callers fail closed.
A revocation written while Redis is unreachable reaches Mongo only; a Redis that comes back still
holding its old entries serves them at most `_LOADED_S` more seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis

from tradetrack.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:  # pymongo is imported on the first Mongo read, not at the authorizer's cold start
    from pymongo.database import Database

DatabaseOf = Callable[[], "Database[dict[str, Any]]"]

_CUTOFF = "auth:nbf:{}"
_DENIED = "auth:jti:{}"
_LOADED = "auth:rev:{}"  # present: Redis holds this user's marks as Mongo had them (within _LOADED_S)
# Longer than any access token it could refuse lives (access_tokens.LIFETIME, 15 minutes); no import
# of it here: the REST middleware checks revocations, and every handler's cold start would pay for JWT.
_KEEP_S = 15 * 60 + 60
_DELETED_KEEP_S = 400 * 24 * 3600
_LOADED_S = 60
_MONGO_RETRY_S = 10  # Mongo down, Redis up: Redis decides alone this long before Mongo is tried again

# KEYS[1]: cut-off. ARGV: cut-off, ttl. Never lowers a cut-off (a refill of an old one races a revoker).
_RAISE_CUTOFF = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1
"""


class RevocationUnknown(Exception):
    """Neither Redis nor Mongo answered: whether the token is revoked cannot be told."""


def _database_of(database: DatabaseOf | None) -> Database[dict[str, Any]]:
    if database is not None:
        return database()
    from tradetrack.db.client import get_database

    return get_database()


def _cache_cutoff(cache: redis.Redis, user_id: str, cutoff: float, ttl_s: int) -> None:
    cache.eval(_RAISE_CUTOFF, 1, _CUTOFF.format(user_id), repr(cutoff), str(ttl_s))


def revoke_access_before_now(
    db: Database[dict[str, Any]], cache: redis.Redis, user_id: str, *, deleted: bool = False
) -> float:
    """Refuse every access token of the user issued until now; returns the cut-off."""
    from tradetrack.db.users import set_access_cutoff

    # Tokens carry iat to the millisecond; +1 ms so one issued in this very millisecond is refused too.
    cutoff = round(time.time() + 0.001, 3)
    set_access_cutoff(db, user_id, cutoff)  # first: the durable mark
    try:
        _cache_cutoff(cache, user_id, cutoff, _DELETED_KEEP_S if deleted else _KEEP_S)
    except redis.exceptions.RedisError as exc:
        logger.error("revocation not cached; Mongo holds it", extra={"error": str(exc)})
        metrics.add_metric(name="RevocationNotCached", unit=MetricUnit.Count, value=1)
    return cutoff


def revoke_access_token(
    db: Database[dict[str, Any]], cache: redis.Redis, user_id: str, jti: str, expires_at: int
) -> None:
    """Refuse one access token (by jti) until it expires."""
    from tradetrack.db.users import deny_access_token

    ttl = expires_at - int(time.time()) + 60
    if ttl <= 60:
        return  # already expired
    deny_access_token(db, user_id, jti, expires_at)
    try:
        cache.set(_DENIED.format(jti), user_id, ex=ttl)
    except redis.exceptions.RedisError as exc:
        logger.error("revocation not cached; Mongo holds it", extra={"error": str(exc)})
        metrics.add_metric(name="RevocationNotCached", unit=MetricUnit.Count, value=1)


def _from_mongo(database: DatabaseOf | None, user_id: str) -> tuple[float | None, dict[str, int]]:
    import pymongo.errors

    from tradetrack.db.users import access_revocations

    try:
        return access_revocations(_database_of(database), user_id)
    except pymongo.errors.PyMongoError as exc:
        raise RevocationUnknown(str(exc)) from exc


def _fill(cache: redis.Redis, user_id: str, cutoff: float | None, denied: dict[str, int]) -> None:
    now = int(time.time())
    if cutoff is not None and cutoff > now - _KEEP_S:
        _cache_cutoff(cache, user_id, cutoff, _KEEP_S)
    pipe = cache.pipeline(transaction=False)
    for jti, expires_at in denied.items():
        if expires_at > now:
            pipe.set(_DENIED.format(jti), user_id, ex=expires_at - now + 60)
    pipe.set(_LOADED.format(user_id), "1", ex=_LOADED_S)
    pipe.execute()


def is_revoked(
    cache: redis.Redis,
    user_id: str,
    issued_at: float,
    jti: str | None = None,
    *,
    database: DatabaseOf | None = None,
) -> bool:
    """Whether this access token was revoked. Raises RevocationUnknown when no store answers."""
    try:
        cutoff_s, loaded, denied_s = cache.mget(
            [_CUTOFF.format(user_id), _LOADED.format(user_id), _DENIED.format(jti or "-")]
        )
    except redis.exceptions.RedisError as exc:
        logger.warning("revocation cache unavailable; reading Mongo", extra={"error": str(exc)})
        metrics.add_metric(name="RevocationCacheUnavailable", unit=MetricUnit.Count, value=1)
        cutoff, denied = _from_mongo(database, user_id)
        return (cutoff is not None and issued_at < cutoff) or (jti is not None and jti in denied)
    if (cutoff_s is not None and issued_at < float(cutoff_s)) or denied_s is not None:
        return True
    if loaded is not None:
        return False
    try:
        cutoff, denied = _from_mongo(database, user_id)
    except RevocationUnknown as exc:  # Redis answered: decide on what it holds
        logger.error("revocation marks unavailable in Mongo; Redis decides", extra={"error": str(exc)})
        metrics.add_metric(name="RevocationStoreUnavailable", unit=MetricUnit.Count, value=1)
        with contextlib.suppress(redis.exceptions.RedisError):  # not every request waits for Mongo
            cache.set(_LOADED.format(user_id), "0", ex=_MONGO_RETRY_S)
        return False
    try:
        _fill(cache, user_id, cutoff, denied)
    except redis.exceptions.RedisError as exc:
        logger.warning("revocation cache not filled", extra={"error": str(exc)})
    return (cutoff is not None and issued_at < cutoff) or (jti is not None and jti in denied)
