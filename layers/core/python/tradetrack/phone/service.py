"""Proving a phone number: a 6-digit code by SMS (SNS), then the code back.

A code lives 10 minutes and allows 5 attempts; a new request replaces it. Only an HMAC-SHA256 of
it is stored, keyed by a random per-code salt (Redis holds nothing a reader could send back
within the code's life without guessing). Codes go out at most once a minute and 5 times an hour
per user, and the same per number, whoever asks (so nobody can flood a number). A verified code
sets the user's `phone` and `phoneVerified`; changing the number through PATCH /v1/me unsets
`phoneVerified` (tradetrack.users), and SMS notifications go only to a verified number
(tradetrack.notify.service).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from botocore.exceptions import BotoCoreError, ClientError
from pymongo.database import Database

from tradetrack.db import users
from tradetrack.errors import DependencyUnavailable, RateLimited, SemanticError, Unauthenticated
from tradetrack.notify.sms import send_sms
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.phone import repository as repo
from tradetrack.phone.models import CodeSent, PhoneOut

Document = dict[str, Any]
Clock = Callable[[], float]

CODE_TTL_S = 600
MAX_ATTEMPTS = 5
RESEND_AFTER_S = 60
SENDS_PER_HOUR = 5


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_digest(salt: str, phone: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_text(code: str) -> str:
    return f"{code} is your TradeTrack verification code. It expires in {CODE_TTL_S // 60} minutes."


def _wait_s(times: list[float], now: float) -> int:
    """Seconds before one more send is allowed by these send times (0: now)."""
    waits = [0.0]
    if times:
        waits.append(times[-1] + RESEND_AFTER_S - now)
    if len(times) >= SENDS_PER_HOUR:
        waits.append(times[-SENDS_PER_HOUR] + repo.WINDOW_S - now)
    return max(0, math.ceil(max(waits)))


def send_code(
    cache: redis.Redis,
    sns: Any,
    user_id: str,
    phone: str,
    *,
    sender_id: str = "",
    clock: Clock = time.time,
    code_factory: Callable[[], str] = new_code,
) -> CodeSent:
    """Send a new code to `phone` for this user (429 when the rate limits say wait)."""
    with repo.sending(cache, user_id, phone) as alone:
        if not alone:
            raise RateLimited("a code is being sent to this user or number: try again", retry_after_s=1)
        return _send_code(cache, sns, user_id, phone, sender_id=sender_id, now=clock(), code=code_factory())


def _send_code(
    cache: redis.Redis, sns: Any, user_id: str, phone: str, *, sender_id: str, now: float, code: str
) -> CodeSent:
    of_user, of_phone = repo.send_times(cache, user_id, phone, now=now)
    wait = max(_wait_s(of_user, now), _wait_s(of_phone, now))
    if wait:
        metrics.add_metric(name="PhoneCodesRefused", unit=MetricUnit.Count, value=1)
        raise RateLimited(f"a code was sent recently: try again in {wait} s", retry_after_s=wait)
    salt = secrets.token_hex(16)
    repo.record_send(cache, user_id, phone, now=now, send_id=uuid.uuid4().hex)
    pending = repo.Pending(phone, salt, code_digest(salt, phone, code), 0, now + CODE_TTL_S)
    repo.save_pending(cache, user_id, pending, ttl_s=CODE_TTL_S)
    try:
        sent = send_sms(sns, phone, sms_text(code), sender_id=sender_id)
    except (ClientError, BotoCoreError) as exc:  # throttled or down: nothing went out
        repo.consume(cache, user_id)
        logger.warning("verification SMS not sent", extra={"error": str(exc)})
        raise DependencyUnavailable("sms", "SMS could not be sent right now: try again later") from exc
    if sent.error is not None:
        repo.consume(cache, user_id)
        raise SemanticError(
            "this number cannot receive SMS", details=[{"field": "phone", "issue": "rejected"}]
        )
    metrics.add_metric(name="PhoneCodesSent", unit=MetricUnit.Count, value=1)
    return CodeSent(phone=phone, expires_in=CODE_TTL_S, resend_after=RESEND_AFTER_S)


def _refuse(message: str, issue: str) -> SemanticError:
    return SemanticError(message, details=[{"field": "code", "issue": issue}])


def verify_code(
    db: Database[Document], cache: redis.Redis, user_id: str, code: str, *, clock: Clock = time.time
) -> PhoneOut:
    """Check the code; the right one marks the number verified on the user (422 otherwise)."""
    pending = repo.count_attempt(cache, user_id)
    if pending is None:
        raise _refuse("no code is pending (it expired or was never sent): request a new one", "no_code")
    if clock() >= pending.expires_at:
        repo.consume(cache, user_id)
        raise _refuse("the code has expired: request a new one", "expired")
    if pending.attempts > MAX_ATTEMPTS:
        repo.consume(cache, user_id)
        raise _refuse("too many wrong codes: request a new one", "too_many_attempts")
    if not hmac.compare_digest(code_digest(pending.salt, pending.phone, code), pending.digest):
        left = MAX_ATTEMPTS - pending.attempts
        if left <= 0:
            repo.consume(cache, user_id)
            raise _refuse("wrong code, and no attempts are left: request a new one", "too_many_attempts")
        raise _refuse(f"wrong code: {left} attempt{'s' if left != 1 else ''} left", "wrong_code")
    if not repo.consume(cache, user_id):  # a concurrent attempt used it first
        raise _refuse("no code is pending (it was just used): request a new one", "no_code")
    doc = users.update_user(
        db, user_id, {"phone": pending.phone, "phoneVerified": True, "phoneVerifiedAt": datetime.now(UTC)}
    )
    if doc is None:
        raise Unauthenticated("this account no longer exists")
    metrics.add_metric(name="PhonesVerified", unit=MetricUnit.Count, value=1)
    return PhoneOut(phone=pending.phone, phone_verified=True)
