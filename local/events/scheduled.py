"""EventBridge "Scheduled Event" payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from local.events.common import ACCOUNT_ID, REGION


def rule_arn(rule: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"


def scheduled_event(rule: str, *, event_id: str, time: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule_arn(rule)],
        "detail": {},
    }
