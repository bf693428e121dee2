"""Refresh tokens: opaque 256-bit values, stored hashed in Redis, in families.

Every use spends the token and issues its successor in the same family. Presenting a spent
token means it was stolen or replayed: the whole family is revoked. Rotation and reuse
detection happen in one Lua script, so two concurrent uses cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Literal

import redis

TTL_S = 7 * 24 * 3600

_TOKEN = "auth:rt:{}"  # noqa: S105 - a key pattern, not a secret
_FAMILY = "auth:rtf:{}"
_USER_FAMILIES = "auth:rtu:{}"
_FAMILY_ACCESS = "auth:rtfa:{}"  # the jti and expiry of the access token last issued in a family

# KEYS: presented token, successor token. ARGV: successor hash, now, ttl, key prefixes.
_ROTATE = """
local t = redis.call('HGETALL', KEYS[1])
if #t == 0 then return {'missing'} end
local rec = {}
for i = 1, #t, 2 do rec[t[i]] = t[i + 1] end
local family_key = ARGV[4] .. rec.familyId
local user_key = ARGV[5] .. rec.userId
if rec.state ~= 'active' or redis.call('EXISTS', family_key) == 0 then
  for _, member in ipairs(redis.call('SMEMBERS', family_key)) do
    redis.call('DEL', ARGV[6] .. member)
  end
  redis.call('DEL', family_key, KEYS[1])
  redis.call('SREM', user_key, rec.familyId)
  return {'reused', rec.userId, rec.familyId, rec.issuedAt or '0'}
end
redis.call('HSET', KEYS[1], 'state', 'spent')
redis.call('HSET', KEYS[2], 'userId', rec.userId, 'familyId', rec.familyId, 'state', 'active',
           'issuedAt', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', family_key, ARGV[1])
redis.call('EXPIRE', family_key, ARGV[3])
redis.call('EXPIRE', user_key, ARGV[3])
return {'ok', rec.userId, rec.familyId, rec.issuedAt or '0'}
"""

# KEYS: family, user families. ARGV: token key prefix.
_REVOKE_FAMILY = """
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Rotation:
    outcome: Literal["ok", "reused", "missing"]
    user_id: str | None = None
    family_id: str | None = None
    token: str | None = None  # the successor, when outcome is "ok"
    issued_at: float = 0.0  # when the presented token was issued (epoch seconds)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _now() -> str:
    return repr(round(time.time(), 3))


def start_family(cache: redis.Redis, user_id: str) -> str:
    """A refresh token opening a new family (a login)."""
    return start_session(cache, user_id)[0]


def start_session(cache: redis.Redis, user_id: str) -> tuple[str, str]:
    """A refresh token opening a new family (a login), and the family's id."""
    token, family_id = new_token(), uuid.uuid4().hex
    digest = _digest(token)
    pipe = cache.pipeline()
    pipe.hset(
        _TOKEN.format(digest),
        mapping={
            "userId": user_id,
            "familyId": family_id,
            "state": "active",
            "issuedAt": _now(),
        },
    )
    pipe.expire(_TOKEN.format(digest), TTL_S)
    pipe.sadd(_FAMILY.format(family_id), digest)
    pipe.expire(_FAMILY.format(family_id), TTL_S)
    pipe.sadd(_USER_FAMILIES.format(user_id), family_id)
    pipe.expire(_USER_FAMILIES.format(user_id), TTL_S)
    pipe.execute()
    return token, family_id


def rotate_token(cache: redis.Redis, token: str) -> Rotation:
    """Spend `token` and issue its successor; a spent or unknown token issues nothing."""
    successor = new_token()
    result = cache.eval(
        _ROTATE,
        2,
        _TOKEN.format(_digest(token)),
        _TOKEN.format(_digest(successor)),
        _digest(successor),
        _now(),
        str(TTL_S),
        _FAMILY.format(""),
        _USER_FAMILIES.format(""),
        _TOKEN.format(""),
    )
    outcome = str(result[0])
    if outcome == "missing":
        return Rotation("missing")
    user_id, family_id, issued_at = str(result[1]), str(result[2]), float(result[3])
    if outcome == "reused":
        return Rotation("reused", user_id, family_id, issued_at=issued_at)
    return Rotation("ok", user_id, family_id, successor, issued_at)


def token_owner(cache: redis.Redis, token: str) -> tuple[str, str] | None:
    """(userId, familyId) of a token that is still stored, spent or not."""
    record = cache.hgetall(_TOKEN.format(_digest(token)))
    if not record:
        return None
    return str(record["userId"]), str(record["familyId"])


def revoke_family(cache: redis.Redis, user_id: str, family_id: str) -> None:
    cache.eval(
        _REVOKE_FAMILY,
        2,
        _FAMILY.format(family_id),
        _USER_FAMILIES.format(user_id),
        _TOKEN.format(""),
        family_id,
    )


def remember_access(cache: redis.Redis, family_id: str, jti: str, expires_at: int) -> None:
    """The access token just issued in this family (logging the session out refuses it too)."""
    ttl = expires_at - int(time.time())
    if ttl > 0:
        cache.set(_FAMILY_ACCESS.format(family_id), f"{jti} {expires_at}", ex=ttl)


def session_access(cache: redis.Redis, family_id: str) -> tuple[str, int] | None:
    """(jti, expiry) of the access token last issued in this family, while it is valid."""
    value = cache.get(_FAMILY_ACCESS.format(family_id))
    if not value:
        return None
    jti, _, expires_at = str(value).partition(" ")
    return jti, int(expires_at)


def revoke_all(cache: redis.Redis, user_id: str) -> int:
    """Revoke every family of the user; returns how many there were."""
    families = [str(f) for f in cache.smembers(_USER_FAMILIES.format(user_id))]
    for family_id in families:
        revoke_family(cache, user_id, family_id)
    cache.delete(_USER_FAMILIES.format(user_id))
    return len(families)
