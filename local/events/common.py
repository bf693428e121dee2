"""Identifiers shared by every emulated AWS service."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

ACCOUNT_ID = "123456789012"
REGION = "ap-south-1"
STAGE = "local"
REST_API_ID = "tradetrackrest"
WS_API_ID = "tradetrackws"


def api_gateway_time(epoch_ms: int) -> str:
    """API Gateway's requestTime, e.g. 09/Apr/2015:12:34:56 +0000."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def new_connection_id() -> str:
    """An id shaped like API Gateway's (16 base64 characters, e.g. "L0SM9cOFvHcCIhw=")."""
    return base64.b64encode(os.urandom(11)).decode("ascii")


def body_field(body: bytes) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text when it is UTF-8, base64 otherwise, None when empty."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True
