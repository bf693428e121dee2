"""The logic behind /v1/brokers and /v1/broker-accounts: list, disconnect, sync, sync logs
(connecting, the OAuth side, is in accounts/oauth.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.brokers import factory
from tradetrack.brokers.base import BrokerError
from tradetrack.brokers.registry import REGISTRY, BrokerSpec, configured_brokers
from tradetrack.brokers.tokens import decrypt_token
from tradetrack.cache.rate_limit import Limit, take
from tradetrack.db import broker_accounts, holdings, sync_logs
from tradetrack.errors import Conflict, DependencyUnavailable, NotFound, RateLimited
from tradetrack.models.brokers import (
    BrokerAccountList,
    BrokerAccountOut,
    BrokerCapabilities,
    BrokerInfo,
    BrokerList,
    SyncAccepted,
    SyncLogOut,
    SyncLogPage,
)
from tradetrack.observability import logger
from tradetrack.queries import aware, decode_position, encode_position
from tradetrack.queues import send_all
from tradetrack.sync import known
from tradetrack.sync.messages import SyncReason, SyncRequest, new_sync_id
from tradetrack.timeutil import IST

Document = dict[str, Any]
MANUAL_SYNC = Limit("manual-sync", capacity=2, per_seconds=120)  # per account


def broker_info(row: BrokerSpec) -> BrokerInfo:
    """A registry row as GET /v1/brokers shows it."""
    can = row.capabilities
    return BrokerInfo(
        broker=row.name,
        name=row.title,
        login_expires=row.token_expiry.describe(),
        login=row.login,
        capabilities=BrokerCapabilities(
            sync="fills" in can,
            historical_trades="history" in can,
            exact_charges="charges" in can,
            positions="positions" in can,
            holdings="holdings" in can,
            orders="orders" in can,
        ),
    )


# Every broker TradeTrack can speak to (the registry's rows); GET /v1/brokers offers the configured ones.
CATALOGUE = BrokerList(items=[broker_info(row) for row in REGISTRY.values()])


def list_brokers(configured: Callable[[], Collection[str]] = configured_brokers) -> BrokerList:
    """The brokers a user can connect here: those whose app credentials are in the broker-apps
    secret, and a local-only one (the simulated broker) only on the local stack."""
    offered = configured()
    return BrokerList(items=[info for info in CATALOGUE.items if info.broker in offered])


def require_offered(broker: str, configured: Callable[[], Collection[str]] = configured_brokers) -> None:
    """A clear 409, before anything is stored, for a broker this deployment has no app for."""
    if broker not in configured():
        raise Conflict(
            f"{broker} is not configured on this server: GET /v1/brokers lists the brokers you can connect",
            details=[{"field": "broker", "issue": "not_configured"}],
        )


def _iso(value: Any) -> str | None:
    return aware(value).astimezone(IST).isoformat() if isinstance(value, datetime) else None


def account_out(doc: Document) -> BrokerAccountOut:
    backfill = doc.get("backfill")
    return BrokerAccountOut(
        account_id=doc["_id"],
        broker=doc["broker"],
        broker_user_id=doc.get("brokerUserId"),
        status=doc["status"],
        last_sync_at=_iso(doc.get("lastSyncAt")),
        last_sync_status=doc.get("lastSyncStatus"),
        last_error=doc.get("lastError"),
        token_expires_at=_iso(doc.get("tokenExpiresAt")),
        created_at=_iso(doc["createdAt"]) or "",
        backfill={k: _iso(v) if isinstance(v, datetime) else v for k, v in backfill.items()}
        if backfill
        else None,
    )


def enqueue_sync(
    sqs: Any,
    queue_url: str,
    account: Document,
    *,
    reason: SyncReason,
    now: datetime,
    backfill: bool = False,
    sync_id: str | None = None,
) -> str:
    if not queue_url:
        raise DependencyUnavailable("sync-queue", "SYNC_QUEUE_URL is not set")
    request = SyncRequest(
        user_id=account["userId"],
        account_id=account["_id"],
        sync_id=sync_id or new_sync_id(),
        reason=reason,
        requested_at=now,
        backfill=backfill,
    )
    send_all(sqs, queue_url, [request.body()])
    return request.sync_id


def list_accounts(db: Database[Document], user_id: str) -> BrokerAccountList:
    return BrokerAccountList(items=[account_out(doc) for doc in broker_accounts.user_accounts(db, user_id)])


def _log_out_at_broker(kms: Any, account: Document) -> None:
    """Invalidate the access token at the broker too (best effort: our copy is deleted anyway)."""
    if not account.get("tokenCiphertext"):
        return
    try:
        token = decrypt_token(
            kms, account["tokenCiphertext"], user_id=account["userId"], account_id=account["_id"]
        )
        client = factory.session(account["broker"], token)
        logout = getattr(client, "logout", None)
        if logout is not None:
            logout()
    except (BrokerError, DependencyUnavailable) as exc:
        logger.warning(
            "broker logout failed; the token lapses at the broker's daily expiry",
            extra={"accountId": account["_id"], "broker": account["broker"], "error": str(exc)},
        )


def disconnect(db: Database[Document], cache: redis.Redis, kms: Any, user_id: str, account_id: str) -> None:
    """Forget the account, its token (logged out at the broker first) and its holdings snapshot; the
    executions and orders it brought in stay (they are the journal and its history)."""
    account = broker_accounts.get_account(db, account_id, user_id=user_id)
    if account is None:
        raise NotFound("no such broker account")
    _log_out_at_broker(kms, account)
    broker_accounts.delete_account(db, account_id)
    holdings.delete_snapshot(db, account_id)
    known.forget_account(cache, account_id)
    logger.info("broker account disconnected", extra={"accountId": account_id, "broker": account["broker"]})


def request_sync(
    db: Database[Document],
    cache: redis.Redis,
    sqs: Any,
    user_id: str,
    account_id: str,
    *,
    queue_url: str,
    now: datetime,
) -> SyncAccepted:
    account = broker_accounts.get_account(db, account_id, user_id=user_id)
    if account is None:
        raise NotFound("no such broker account")
    if account["status"] != "active":
        raise Conflict(
            f"the account is {account['status']}: log in to {account['broker']} again before syncing",
            details=[{"field": "status", "issue": account["status"]}],
        )
    decision = take(cache, MANUAL_SYNC, account_id)
    if not decision.allowed:
        raise RateLimited(
            "this account was synced moments ago; try again shortly", retry_after_s=decision.retry_after_s
        )
    if not queue_url:
        raise DependencyUnavailable("sync-queue", "SYNC_QUEUE_URL is not set")
    sync_id = new_sync_id()  # logged as queued before the worker can see it
    sync_logs.start_log(
        db,
        {
            "_id": sync_id,
            "userId": user_id,
            "accountId": account_id,
            "broker": account["broker"],
            "reason": "manual",
            "status": "queued",
            "startedAt": now,
            "finishedAt": None,
            "fetched": 0,
            "known": 0,
            "sent": 0,
        },
    )
    enqueue_sync(sqs, queue_url, account, reason="manual", now=now, sync_id=sync_id)
    return SyncAccepted(sync_id=sync_id)


# An attempt of a sync runs at most the sync worker's 120 s (functions/manifest.py) and restarts
# its log (`startedAt`) when SQS delivers the request again, 180 s after an attempt that did not
# finish. A log still "running" well past that was cut off: the function timed out or died on its
# last attempt (the request then in the dead-letter queue), or a worker before 7 Dec failed on our
# side without saying so. It is served as failed, not as a sync forever in progress.
INTERRUPTED_AFTER = timedelta(minutes=15)


def _log_out(doc: Document, now: datetime) -> SyncLogOut:
    fields = {**doc}
    started = aware(doc["startedAt"])
    if doc.get("status") == "running" and started < now - INTERRUPTED_AFTER:
        fields["status"] = "failed"
        fields["error"] = "Interrupted: the sync stopped without finishing; the next one starts afresh"
    return SyncLogOut.model_validate(
        {
            **fields,
            "syncId": doc["_id"],
            "startedAt": _iso(started),
            "finishedAt": _iso(doc.get("finishedAt")),
        }
    )


def list_sync_logs(
    db: Database[Document],
    user_id: str,
    account_id: str,
    *,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> SyncLogPage:
    if broker_accounts.get_account(db, account_id, user_id=user_id) is None:
        raise NotFound("no such broker account")
    after = decode_position("sync", cursor)
    docs = sync_logs.account_logs(db, account_id, limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_position("sync", docs[-1]["startedAt"], docs[-1]["_id"]) if more and docs else None
    at = now or utc_now()
    return SyncLogPage(items=[_log_out(doc, at) for doc in docs], next_cursor=next_cursor)


def utc_now() -> datetime:
    return datetime.now(UTC)
