"""Signed one-click unsubscribe links: `v1.<userId>.<type>.<expiry>.<signature>`.

The signature is HMAC-SHA256 over "v1.<userId>.<type>.<expiry>" with a key kept in Secrets
Manager (read through Powertools Parameters, cached 5 minutes per container). A link that was
altered in any way is refused (400) before its expiry is even looked at; a genuine link past its
expiry is gone (410). Neither changes anything. A valid link turns that one type off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import quote

from pymongo.database import Database

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.db import users
from tradetrack.db.audit import record_audit
from tradetrack.errors import AppError, BadRequest
from tradetrack.notify.events import NotificationType

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

Document = dict[str, Any]
VERSION = "v1"
KEY_MAX_AGE_S = 300
UNSUBSCRIBE_PATH = "/v1/notifications/unsubscribe"
_TYPES = frozenset(get_args(NotificationType))


class LinkExpired(AppError):
    status, code = HTTPStatus.GONE, "LINK_EXPIRED"


@cache
def _secrets() -> SecretsProvider:
    # Powertools Parameters imports boto3 (~150 ms): made on first use, not at cold start.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


def signing_key() -> bytes:
    raw = _secrets().get(get_settings().unsubscribe_secret_name, max_age=KEY_MAX_AGE_S)
    key = str(raw).encode("utf-8")
    if len(key) < 32:
        raise RuntimeError("the unsubscribe signing key must be at least 32 bytes")
    return key


def reset_key_cache() -> None:
    _secrets.cache_clear()


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(user_id: str, kind: NotificationType, *, key: bytes, expires_at: int) -> str:
    payload = f"{VERSION}.{user_id}.{kind}.{expires_at}"
    return f"{payload}.{_signature(key, payload)}"


def new_token(user_id: str, kind: NotificationType, *, now: float | None = None) -> str:
    settings = get_settings()
    expires = int(now if now is not None else time.time()) + settings.unsubscribe_link_ttl_days * 86_400
    return make_token(user_id, kind, key=signing_key(), expires_at=expires)


def unsubscribe_url(user_id: str, kind: NotificationType) -> str:
    base = get_settings().public_api_url.rstrip("/")
    return f"{base}{UNSUBSCRIBE_PATH}?token={quote(new_token(user_id, kind), safe='')}"


def verify_token(token: str, *, key: bytes, now: float | None = None) -> tuple[str, NotificationType]:
    """(userId, type) of a genuine, unexpired link; BadRequest for anything forged, LinkExpired when old."""
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        raise BadRequest("this unsubscribe link is not valid")
    payload, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_signature(key, payload), signature):
        raise BadRequest("this unsubscribe link is not valid")
    _, user_id, kind, expiry = parts[:4]
    if kind not in _TYPES or not expiry.isdigit():  # signed by us, so never; checked all the same
        raise BadRequest("this unsubscribe link is not valid")
    if int(expiry) < (now if now is not None else time.time()):
        raise LinkExpired("this unsubscribe link has expired; change notifications in your settings")
    return user_id, kind  # type: ignore[return-value]  # checked against _TYPES above


def unsubscribe(db: Database[Document], token: str) -> NotificationType:
    """Turn off the type the link names for its user; the type."""
    user_id, kind = verify_token(token, key=signing_key())
    doc = users.get_user(db, user_id)
    if doc is None:
        raise BadRequest("this unsubscribe link is not valid")
    prefs = dict(doc.get("notificationPrefs") or {})
    types = dict(prefs.get("types") or {})
    if types.get(kind) is not False:
        types[kind] = False
        users.update_user(db, user_id, {"notificationPrefs": {**prefs, "types": types}})
        record_audit(db, "notification_unsubscribed", user_id=user_id, details={"type": kind})
    return kind
