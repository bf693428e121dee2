"""Which of an account's fills the journal already has, remembered in Redis per account.

The trade-updates worker adds a fill's externalId once it is stored; the sync worker sends only the
others. Redis is a shortcut, not the truth: when it forgets, fills are sent again and the unique
execution identity turns them into counted duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import redis

from tradetrack.observability import logger

TTL_S = 7 * 86_400


def _key(account_id: str) -> str:
    return f"sync:known:{account_id}"


def known_ids(cache: redis.Redis, account_id: str, external_ids: Sequence[str]) -> set[str]:
    if not external_ids:
        return set()
    try:
        flags = cache.smismember(_key(account_id), list(external_ids))
    except redis.exceptions.RedisError as exc:
        logger.warning("known-fills lookup failed; sending every fill", extra={"error": str(exc)})
        return set()
    return {external_id for external_id, flag in zip(external_ids, flags, strict=True) if flag}


def remember(cache: redis.Redis, account_id: str, external_ids: Sequence[str]) -> None:
    if not external_ids:
        return
    try:
        with cache.pipeline(transaction=False) as pipe:
            pipe.sadd(_key(account_id), *external_ids)
            pipe.expire(_key(account_id), TTL_S)
            pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("known-fills update failed", extra={"error": str(exc)})


def remember_many(cache: redis.Redis, by_account: Mapping[str, Sequence[str]]) -> None:
    """remember for several accounts in one round trip."""
    wanted = {account: ids for account, ids in by_account.items() if ids}
    if not wanted:
        return
    try:
        with cache.pipeline(transaction=False) as pipe:
            for account_id, external_ids in sorted(wanted.items()):
                pipe.sadd(_key(account_id), *external_ids)
                pipe.expire(_key(account_id), TTL_S)
            pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("known-fills update failed", extra={"error": str(exc)})


def forget_account(cache: redis.Redis, account_id: str) -> None:
    try:
        cache.delete(_key(account_id))
    except redis.exceptions.RedisError as exc:
        logger.warning("known-fills cleanup failed", extra={"error": str(exc)})
