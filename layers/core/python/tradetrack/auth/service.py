"""Register, log in, refresh, log out: the logic behind /v1/auth/*, over plain clients."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pymongo.errors
import redis
from pymongo.database import Database

from tradetrack.auth import refresh_tokens
from tradetrack.auth.access_tokens import LIFETIME, issue_access_token
from tradetrack.auth.keys import SigningKeySet
from tradetrack.auth.passwords import (
    context_words,
    hash_password,
    password_problem,
    spend_verification_time,
    verify_password,
)
from tradetrack.auth.revocation import revoke_access_before_now, revoke_access_token
from tradetrack.cache.rate_limit import LOGIN_PER_ACCOUNT, LOGIN_PER_IP, Limit, take
from tradetrack.db import daily_pnl
from tradetrack.db.audit import record_audit
from tradetrack.db.login_throttle import count_attempt
from tradetrack.db.users import create_user, find_by_email, get_user, to_user_out, update_user
from tradetrack.errors import DependencyUnavailable, RateLimited, Unauthenticated, ValidationFailed
from tradetrack.models.security import ChangePasswordRequest
from tradetrack.models.users import LoginRequest, RegisterRequest, TokenPair, UserOut
from tradetrack.observability import MetricUnit, logger, metrics

Document = dict[str, Any]
BAD_CREDENTIALS = "email or password is incorrect"
BAD_REFRESH = "refresh token is not valid"


@dataclass(frozen=True)
class Caller:
    ip: str | None
    user_agent: str | None = None


def check_new_password(password: str, *, email: str, name: str, field: str = "body.password") -> None:
    """400 naming the rule a new password breaks (never the password itself)."""
    problem = password_problem(password, context=context_words(email=email, name=name))
    if problem:
        raise ValidationFailed(
            problem, details=[{"field": field, "issue": "weak_password", "message": problem}]
        )


def register(db: Database[Document], request: RegisterRequest, *, bcrypt_cost: int) -> UserOut:
    check_new_password(request.password, email=request.email, name=request.name)
    doc = create_user(
        db,
        email=request.email,
        password_hash=hash_password(request.password, cost=bcrypt_cost),
        name=request.name,
        phone=request.phone,
    )
    record_audit(db, "user_registered", user_id=doc["_id"])
    # A user with no trades has their (empty) daily aggregates: the first trades update them in
    # place instead of reading every trade back to build them (a 100,000-row import's first step).
    daily_pnl.mark_built(db, doc["_id"])
    return to_user_out(doc)


TOO_MANY_LOGINS = "too many login attempts; try again later"
# Guesses of the current password with a stolen access token: 5 a minute per user.
PASSWORD_CHANGE_PER_USER = Limit("password-change", capacity=5, per_seconds=60)


def _check_login_limits(db: Database[Document], cache: redis.Redis, email: str, caller: Caller) -> None:
    """5 attempts a minute per account and per IP."""
    _check_limits(
        db, cache, ((LOGIN_PER_ACCOUNT, email.strip().lower()), (LOGIN_PER_IP, caller.ip or "unknown"))
    )


def _check_limits(
    db: Database[Document], cache: redis.Redis, subjects: tuple[tuple[Limit, str], ...]
) -> None:
    """Password attempts counted in Redis; while Redis is down, in Mongo (fixed windows); when
    neither answers, no attempt is made (503: fail closed)."""
    try:
        for limit, subject in subjects:
            decision = take(cache, limit, subject)
            if not decision.allowed:
                raise RateLimited(TOO_MANY_LOGINS, retry_after_s=decision.retry_after_s)
        return
    except redis.exceptions.RedisError as exc:
        logger.error("login rate limit unavailable in Redis; counting in Mongo", extra={"error": str(exc)})
        metrics.add_metric(name="LoginRateLimitUnavailable", unit=MetricUnit.Count, value=1)
    try:
        for limit, subject in subjects:
            attempts, retry_after_s = count_attempt(db, limit.name, subject, window_s=limit.per_seconds)
            if attempts > limit.capacity:
                raise RateLimited(TOO_MANY_LOGINS, retry_after_s=retry_after_s)
    except pymongo.errors.PyMongoError as exc:
        logger.error("login rate limit unavailable in Redis and Mongo", extra={"error": str(exc)})
        raise DependencyUnavailable("login is unavailable for a moment; try again shortly") from exc


def _issue_pair(
    cache: redis.Redis, user: Document, keyset: SigningKeySet, session: tuple[str, str] | None
) -> TokenPair:
    """An access token, and the session's refresh token (its family remembers the access token's
    jti, so that logging the session out refuses it too)."""
    now, jti = datetime.now(UTC), uuid.uuid4().hex
    access = issue_access_token(user["_id"], user.get("role", "user"), keyset.active, now=now, jti=jti)
    if session is None:
        return TokenPair(access_token=access, refresh_token=None)
    token, family_id = session
    try:
        refresh_tokens.remember_access(cache, family_id, jti, int((now + LIFETIME).timestamp()))
    except redis.exceptions.RedisError as exc:
        logger.warning("session's access token not remembered", extra={"error": str(exc)})
    return TokenPair(access_token=access, refresh_token=token)


def _open_session(cache: redis.Redis, user_id: str) -> tuple[str, str] | None:
    """A new refresh-token family (token, family id); None when Redis is away (access token only)."""
    try:
        return refresh_tokens.start_session(cache, user_id)
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
    _check_login_limits(db, cache, request.email, caller)
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
    pair = _issue_pair(cache, user, keyset, _open_session(cache, user["_id"]))
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
    if (
        rotation.outcome == "missing"
        or rotation.user_id is None
        or rotation.token is None
        or rotation.family_id is None
    ):
        raise Unauthenticated(BAD_REFRESH)
    user = get_user(db, rotation.user_id)
    if user is None:  # deleted since: its tokens die with it
        refresh_tokens.revoke_all(cache, rotation.user_id)
        raise Unauthenticated(BAD_REFRESH)
    cutoff = user.get("accessNotBefore")
    if cutoff is not None and rotation.issued_at < float(cutoff):
        # issued before a logout-all that Redis did not see (it was down): the session is over
        refresh_tokens.revoke_family(cache, rotation.user_id, rotation.family_id)
        raise Unauthenticated(BAD_REFRESH)
    return _issue_pair(cache, user, keyset, (rotation.token, rotation.family_id))


def logout(db: Database[Document], cache: redis.Redis, token: str, caller: Caller) -> None:
    """Revoke the family of this refresh token and the access token last issued in it (by jti, until
    it expires). Unknown tokens are accepted quietly (idempotent)."""
    owner = refresh_tokens.token_owner(cache, token)
    if owner is None:
        return
    user_id, family_id = owner
    access = refresh_tokens.session_access(cache, family_id)
    refresh_tokens.revoke_family(cache, user_id, family_id)
    if access is not None:
        revoke_access_token(db, cache, user_id, *access)
    record_audit(db, "logout", user_id=user_id, ip=caller.ip, details={"familyId": family_id})


def logout_all(db: Database[Document], cache: redis.Redis, user_id: str, caller: Caller) -> None:
    """Every access token issued until now is refused (the mark is in Mongo first, then Redis); the
    refresh-token families go too (a Redis that is down has none to serve meanwhile)."""
    revoke_access_before_now(db, cache, user_id)
    try:
        families: int | None = refresh_tokens.revoke_all(cache, user_id)
    except redis.exceptions.RedisError as exc:
        logger.error("refresh token store unavailable at logout-all", extra={"error": str(exc)})
        families = None
    record_audit(db, "logout_all", user_id=user_id, ip=caller.ip, details={"families": families})


def change_password(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    request: ChangePasswordRequest,
    caller: Caller,
    *,
    bcrypt_cost: int,
) -> None:
    """Check the current password (limited like logins), store the new one, end every session."""
    user = get_user(db, user_id)
    if user is None:
        raise Unauthenticated("this account no longer exists")
    _check_limits(db, cache, ((PASSWORD_CHANGE_PER_USER, user_id),))
    if not verify_password(request.current_password, user["passwordHash"]):
        record_audit(db, "password_change_failed", user_id=user_id, ip=caller.ip)
        message = "the current password is incorrect"
        raise ValidationFailed(message, details=[{"field": "body.currentPassword", "message": message}])
    check_new_password(request.new_password, email=user["email"], name=user["name"], field="body.newPassword")
    update_user(db, user_id, {"passwordHash": hash_password(request.new_password, cost=bcrypt_cost)})
    logout_all(db, cache, user_id, caller)
    record_audit(db, "password_changed", user_id=user_id, ip=caller.ip)
