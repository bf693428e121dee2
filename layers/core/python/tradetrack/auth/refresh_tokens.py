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
  return {'reused', rec.userId, rec.familyId}
end
redis.call('HSET', KEYS[1], 'state', 'spent')
redis.call('HSET', KEYS[2], 'userId', rec.userId, 'familyId', rec.familyId, 'state', 'active',
           'issuedAt', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', family_key, ARGV[1])
redis.call('EXPIRE', family_key, ARGV[3])
redis.call('EXPIRE', user_key, ARGV[3])
return {'ok', rec.userId, rec.familyId}
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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start_family(cache: redis.Redis, user_id: str) -> str:
    """A refresh token opening a new family (a login)."""
    token, family_id = new_token(), uuid.uuid4().hex
    digest = _digest(token)
    pipe = cache.pipeline()
    pipe.hset(
        _TOKEN.format(digest),
        mapping={
            "userId": user_id,
            "familyId": family_id,
            "state": "active",
            "issuedAt": str(int(time.time())),
        },
    )
    pipe.expire(_TOKEN.format(digest), TTL_S)
    pipe.sadd(_FAMILY.format(family_id), digest)
    pipe.expire(_FAMILY.format(family_id), TTL_S)
    pipe.sadd(_USER_FAMILIES.format(user_id), family_id)
    pipe.expire(_USER_FAMILIES.format(user_id), TTL_S)
    pipe.execute()
    return token


def rotate_token(cache: redis.Redis, token: str) -> Rotation:
    """Spend `token` and issue its successor; a spent or unknown token issues nothing."""
    successor = new_token()
    result = cache.eval(
        _ROTATE,
        2,
        _TOKEN.format(_digest(token)),
        _TOKEN.format(_digest(successor)),
        _digest(successor),
        str(int(time.time())),
        str(TTL_S),
        _FAMILY.format(""),
        _USER_FAMILIES.format(""),
        _TOKEN.format(""),
    )
    outcome = str(result[0])
    if outcome == "missing":
        return Rotation("missing")
    user_id, family_id = str(result[1]), str(result[2])
    if outcome == "reused":
        return Rotation("reused", user_id, family_id)
    return Rotation("ok", user_id, family_id, successor)


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


def revoke_all(cache: redis.Redis, user_id: str) -> int:
    """Revoke every family of the user; returns how many there were."""
    families = [str(f) for f in cache.smembers(_USER_FAMILIES.format(user_id))]
    for family_id in families:
        revoke_family(cache, user_id, family_id)
    cache.delete(_USER_FAMILIES.format(user_id))
    return len(families)
