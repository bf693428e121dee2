"""Connecting a broker account: the login URL with its `state`, and the OAuth callback.

`state` is 256 random bits, stored in Redis (hashed) for ten minutes with the user and account
that asked for it, and spent on first use (GETDEL): the callback cannot be replayed, and a
callback whose state this server did not hand out, or handed to another broker, is refused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.accounts.service import account_out, enqueue_sync
from tradetrack.brokers import factory, registry
from tradetrack.brokers.base import (
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerPermissionError,
    TokenGrant,
)
from tradetrack.brokers.tokens import encrypt_token
from tradetrack.db import broker_accounts
from tradetrack.db.audit import record_audit
from tradetrack.errors import BadRequest, Conflict, DependencyUnavailable, Forbidden, NotFound
from tradetrack.models.brokers import BrokerAccountOut, ConnectOut, ConnectRequest, FinishLoginRequest
from tradetrack.observability import logger

Document = dict[str, Any]
STATE_TTL_S = 600


def _state_key(state: str) -> str:
    return f"oauth:state:{hashlib.sha256(state.encode()).hexdigest()}"


def connect(
    db: Database[Document], cache: redis.Redis, user_id: str, request: ConnectRequest, *, now: datetime
) -> ConnectOut:
    """Start (or restart) the broker login: an account in `pending` and the URL to send the user to."""
    if request.account_id is not None:
        account = broker_accounts.get_account(db, request.account_id, user_id=user_id)
        if account is None:
            raise NotFound("no such broker account")
        if account["broker"] != request.broker:
            raise Conflict(f"account {account['_id']} is a {account['broker']} account, not {request.broker}")
    else:
        pending = [
            a
            for a in broker_accounts.user_accounts(db, user_id)
            if a["status"] == "pending" and a["broker"] == request.broker
        ]
        account = pending[0] if pending else None
        if account is None:
            account = {
                "_id": broker_accounts.new_account_id(),
                "userId": user_id,
                "broker": request.broker,
                "status": "pending",
                "createdAt": now,
                "failures": 0,
            }
            broker_accounts.insert_account(db, account)
    login = factory.login_client(request.broker)
    state = secrets.token_urlsafe(32)
    record = {"userId": user_id, "accountId": account["_id"], "broker": request.broker}
    cache.set(_state_key(state), json.dumps(record), ex=STATE_TTL_S)
    return ConnectOut(
        account_id=account["_id"], login_url=login.login_url(state), state_expires_in=STATE_TTL_S
    )


def _claim_state(cache: redis.Redis, broker: str, state: str | None) -> dict[str, str]:
    if not state:
        raise BadRequest("the callback has no state", details=[{"field": "state", "issue": "missing"}])
    raw = cache.getdel(_state_key(state))
    if raw is None:
        raise BadRequest(
            "this login link has expired or was already used: connect the broker again",
            details=[{"field": "state", "issue": "unknown_or_spent"}],
        )
    record: dict[str, str] = json.loads(raw)
    if record.get("broker") != broker:
        raise BadRequest(
            "the state was issued for another broker", details=[{"field": "state", "issue": "broker"}]
        )
    return record


def _exchange(broker: str, params: dict[str, str]) -> TokenGrant:
    try:
        return factory.login_client(broker).complete_login(params)
    except (BrokerInputError, BrokerAuthError) as exc:
        raise BadRequest(
            f"{broker} refused the login: {exc.message}", details=[{"errorType": exc.error_type}]
        ) from exc
    except BrokerPermissionError as exc:
        raise Forbidden(f"{broker} refused the login: {exc.message}") from exc
    except BrokerError as exc:
        raise DependencyUnavailable(
            broker, f"{broker} could not complete the login ({exc.error_type})"
        ) from exc


def finished_by_owner(broker: str, params: Mapping[str, str]) -> bool:
    """Whether this callback cannot be bound to a user: a broker whose login sends no state back,
    and none came. Its owner, signed in, finishes it (complete_session)."""
    return not params.get("state") and registry.spec(broker).login != "oauth_redirect"


def complete_login(
    db: Database[Document],
    cache: redis.Redis,
    kms: Any,
    sqs: Any,
    broker: str,
    params: dict[str, str],
    *,
    key_id: str,
    sync_queue_url: str,
    now: datetime,
) -> BrokerAccountOut:
    """The OAuth callback: spend the state, exchange the code for a token, store it encrypted, sync."""
    if finished_by_owner(broker, params):
        raise BadRequest(
            f"{broker}'s login page sends no state back: send what it returned as `params` to "
            "POST /v1/broker-accounts with the accountId, signed in",
            details=[{"field": "state", "issue": "not_sent_by_broker"}],
        )
    record = _claim_state(cache, broker, params.get("state"))
    account = broker_accounts.get_account(db, record["accountId"], user_id=record["userId"])
    if account is None:
        raise NotFound("the broker account this login was for has been removed")
    return _connected(db, kms, sqs, account, params, key_id=key_id, sync_queue_url=sync_queue_url, now=now)


def complete_session(
    db: Database[Document],
    kms: Any,
    sqs: Any,
    user_id: str,
    request: FinishLoginRequest,
    *,
    key_id: str,
    sync_queue_url: str,
    now: datetime,
) -> BrokerAccountOut:
    """Finish a login whose broker sends no state back (a session key the user brings from the
    broker's login page, an API login's credentials): the signed-in user names their account, so
    nothing else has to bind the login to them (POST /v1/broker-accounts with `params`)."""
    account = broker_accounts.get_account(db, request.account_id, user_id=user_id)
    if account is None:
        raise NotFound("no such broker account")
    if account["broker"] != request.broker:
        raise Conflict(f"account {account['_id']} is a {account['broker']} account, not {request.broker}")
    if registry.spec(request.broker).login == "oauth_redirect":
        raise Conflict(
            f"{request.broker} logs in through its login page and back: follow the loginUrl",
            details=[{"field": "params", "issue": "oauth_redirect"}],
        )
    params = dict(request.params)
    return _connected(db, kms, sqs, account, params, key_id=key_id, sync_queue_url=sync_queue_url, now=now)


def _connected(
    db: Database[Document],
    kms: Any,
    sqs: Any,
    account: Document,
    params: dict[str, str],
    *,
    key_id: str,
    sync_queue_url: str,
    now: datetime,
) -> BrokerAccountOut:
    """Exchange the login's parameters for a token, store it encrypted, and sync (a backfill first)."""
    broker = account["broker"]
    grant = _exchange(broker, params)
    ciphertext = encrypt_token(
        kms, key_id, grant.access_token, user_id=account["userId"], account_id=account["_id"]
    )
    first = account.get("connectedAt") is None
    fields = {
        "status": "active",
        "brokerUserId": grant.broker_user_id,
        "brokerUserName": grant.user_name,
        "tokenCiphertext": ciphertext,
        "tokenExpiresAt": grant.expires_at,
        "connectedAt": account.get("connectedAt") or now,
        "reconnectedAt": now,
        "failures": 0,
    }
    broker_accounts.set_fields(db, account["_id"], fields, unset=("lastError", "needsLoginSince"))
    logger.info(
        "broker account connected", extra={"accountId": account["_id"], "broker": broker, "first": first}
    )
    record_audit(
        db,
        "broker_connected",
        user_id=account["userId"],
        details={"accountId": account["_id"], "broker": broker, "first": first},
    )
    enqueue_sync(sqs, sync_queue_url, account, reason="connect", now=now, backfill=first)
    updated = broker_accounts.get_account(db, account["_id"])
    return account_out(updated or {**account, **fields})
