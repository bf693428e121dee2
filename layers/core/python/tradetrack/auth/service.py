"""Register, log in, refresh, log out: the logic behind /v1/auth/*, over plain clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.auth import refresh_tokens
from tradetrack.auth.access_tokens import issue_access_token
from tradetrack.auth.keys import SigningKeySet
from tradetrack.auth.passwords import hash_password, spend_verification_time, verify_password
from tradetrack.auth.revocation import revoke_access_before_now
from tradetrack.cache.rate_limit import LOGIN_PER_ACCOUNT, LOGIN_PER_IP, take
from tradetrack.db.audit import record_audit
from tradetrack.db.users import create_user, find_by_email, get_user, to_user_out
from tradetrack.errors import RateLimited, Unauthenticated
from tradetrack.models.users import LoginRequest, RegisterRequest, TokenPair, UserOut
from tradetrack.observability import MetricUnit, logger, metrics

Document = dict[str, Any]
BAD_CREDENTIALS = "email or password is incorrect"
BAD_REFRESH = "refresh token is not valid"


@dataclass(frozen=True)
class Caller:
    ip: str | None
    user_agent: str | None = None


def register(db: Database[Document], request: RegisterRequest, *, bcrypt_cost: int) -> UserOut:
    doc = create_user(
        db,
        email=request.email,
        password_hash=hash_password(request.password, cost=bcrypt_cost),
        name=request.name,
        phone=request.phone,
    )
    record_audit(db, "user_registered", user_id=doc["_id"])
    return to_user_out(doc)


def _check_login_limits(cache: redis.Redis, email: str, caller: Caller) -> None:
    """5 attempts a minute per account and per IP. Without Redis, logins go on unlimited."""
    try:
        for limit, subject in (
            (LOGIN_PER_ACCOUNT, email.strip().lower()),
            (LOGIN_PER_IP, caller.ip or "unknown"),
        ):
            decision = take(cache, limit, subject)
            if not decision.allowed:
                raise RateLimited(
                    "too many login attempts; try again later", retry_after_s=decision.retry_after_s
                )
    except redis.exceptions.RedisError as exc:
        logger.error("login rate limit unavailable", extra={"error": str(exc)})
        metrics.add_metric(name="LoginRateLimitUnavailable", unit=MetricUnit.Count, value=1)


def _issue_pair(user: Document, keyset: SigningKeySet, refresh_token: str | None) -> TokenPair:
    access = issue_access_token(user["_id"], user.get("role", "user"), keyset.active)
    return TokenPair(access_token=access, refresh_token=refresh_token)


def _open_session(cache: redis.Redis, user_id: str) -> str | None:
    """A new refresh-token family; None when Redis is away (the access token alone still works)."""
    try:
        return refresh_tokens.start_family(cache, user_id)
    except redis.exceptions.RedisError as exc:
        logger.error("refresh token store unavailable; access token only", extra={"error": str(exc)})
        metrics.add_metric(name="RefreshStoreUnavailable", unit=MetricUnit.Count, value=1)
        return None


def login(
    db: Database[Document],
    cache: redis.Redis,
    request: LoginRequest,
    caller: Caller,
    *,
    keyset: SigningKeySet,
    bcrypt_cost: int,
) -> TokenPair:
    _check_login_limits(cache, request.email, caller)
    user = find_by_email(db, request.email)
    if user is None:
        spend_verification_time(request.password, cost=bcrypt_cost)
        record_audit(db, "login_failed", user_id=None, ip=caller.ip, details={"reason": "unknown_email"})
        raise Unauthenticated(BAD_CREDENTIALS)
    if not verify_password(request.password, user["passwordHash"]):
        record_audit(
            db, "login_failed", user_id=user["_id"], ip=caller.ip, details={"reason": "bad_password"}
        )
        raise Unauthenticated(BAD_CREDENTIALS)
    pair = _issue_pair(user, keyset, _open_session(cache, user["_id"]))
    record_audit(
        db, "login_succeeded", user_id=user["_id"], ip=caller.ip, details={"userAgent": caller.user_agent}
    )
    return pair


def refresh(
    db: Database[Document], cache: redis.Redis, token: str, caller: Caller, *, keyset: SigningKeySet
) -> TokenPair:
    rotation = refresh_tokens.rotate_token(cache, token)
    if rotation.outcome == "reused":
        record_audit(
            db,
            "refresh_token_reused",
            user_id=rotation.user_id,
            ip=caller.ip,
            details={"familyId": rotation.family_id, "action": "family_revoked"},
        )
        metrics.add_metric(name="RefreshTokenReuse", unit=MetricUnit.Count, value=1)
        raise Unauthenticated(BAD_REFRESH)
    if rotation.outcome == "missing" or rotation.user_id is None or rotation.token is None:
        raise Unauthenticated(BAD_REFRESH)
    user = get_user(db, rotation.user_id)
    if user is None:  # deleted since: its tokens die with it
        refresh_tokens.revoke_all(cache, rotation.user_id)
        raise Unauthenticated(BAD_REFRESH)
    return _issue_pair(user, keyset, rotation.token)


def logout(db: Database[Document], cache: redis.Redis, token: str, caller: Caller) -> None:
    """Revoke the family of this refresh token. Unknown tokens are accepted quietly (idempotent)."""
    owner = refresh_tokens.token_owner(cache, token)
    if owner is None:
        return
    user_id, family_id = owner
    refresh_tokens.revoke_family(cache, user_id, family_id)
    record_audit(db, "logout", user_id=user_id, ip=caller.ip, details={"familyId": family_id})


def logout_all(db: Database[Document], cache: redis.Redis, user_id: str, caller: Caller) -> None:
    families = refresh_tokens.revoke_all(cache, user_id)
    revoke_access_before_now(cache, user_id)
    record_audit(db, "logout_all", user_id=user_id, ip=caller.ip, details={"families": families})
