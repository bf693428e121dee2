"""Access tokens issued before a user's cut-off are refused (logout-all, role change, deletion)."""

from __future__ import annotations

import time

import redis

_KEY = "auth:nbf:{}"
# Longer than any access token it could refuse lives (access_tokens.LIFETIME, 15 minutes); no import
# of it here: the REST middleware checks revocations, and every handler's cold start would pay for JWT.
_KEEP_S = 15 * 60 + 60
_DELETED_KEEP_S = 400 * 24 * 3600


def revoke_access_before_now(cache: redis.Redis, user_id: str, *, deleted: bool = False) -> None:
    # Tokens carry iat to the millisecond; +1 ms so one issued in this very millisecond is refused too.
    cutoff = round(time.time() + 0.001, 3)
    cache.set(_KEY.format(user_id), repr(cutoff), ex=_DELETED_KEEP_S if deleted else _KEEP_S)


def is_revoked(cache: redis.Redis, user_id: str, issued_at: float) -> bool:
    cutoff = cache.get(_KEY.format(user_id))
    return cutoff is not None and issued_at < float(cutoff)
