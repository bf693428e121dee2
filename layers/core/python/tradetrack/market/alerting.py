"""Price alerts evaluated against each tick's quotes (flow 5).

A level is compared with >= / <=, never with equality, so a price that gaps through the level
between two ticks (99 → 105 through 100) still fires. An alert fires once: of two feed
invocations racing on the same alert exactly one claims the firing (a unique _id) and moves it
from active to triggered with a single-document update (modified_count == 1), and delivers it.
A repeating alert stays active but disarms when it fires and re-arms once the price is back on
the other side.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from tradetrack.db import alerts as repo
from tradetrack.display import alert_sentence, price
from tradetrack.market.quote import Quote
from tradetrack.money import from_scaled, money_str

Document = dict[str, Any]


@dataclass(frozen=True)
class FiredAlert:
    alert_id: str
    user_id: str
    symbol: str
    condition: str
    value: str
    price: str
    change_pct: str | None
    channels: list[str]
    message: str
    triggered_at: datetime

    def to_message(self) -> dict[str, Any]:
        """The WebSocket frame (API.md): {"type":"alert","alertId","symbol","message"}."""
        return {"type": "alert", "alertId": self.alert_id, "symbol": self.symbol, "message": self.message}

    def to_event(self) -> dict[str, Any]:
        """The notification event for the notifications queue."""
        return {
            "type": "price_alert",
            "userId": self.user_id,
            "alertId": self.alert_id,
            "symbol": self.symbol,
            "condition": self.condition,
            "value": self.value,
            "price": self.price,
            "changePct": self.change_pct,
            "channels": self.channels,
            "message": self.message,
            "triggeredAt": self.triggered_at.isoformat(),
        }


def observed(condition: str, quote: Quote) -> Decimal | None:
    """What the condition compares: the price, or the change in percent since the previous close."""
    return quote.ltp if condition in ("above", "below") else quote.change_pct


def is_met(condition: str, level: Decimal, value: Decimal) -> bool:
    return value >= level if condition in ("above", "pct_change_above") else value <= level


def _message(doc: Document, quote: Quote, level: Decimal) -> str:
    """The alert's sentence, as the inbox, email and SMS word it (tradetrack.display)."""
    sentence = alert_sentence(quote.symbol, doc["condition"], level, quote.ltp, quote.change_pct)
    return sentence or f"{quote.symbol} alert at {price(quote.ltp)}"


def evaluate(
    db: Database[Document],
    quotes: Mapping[str, Quote],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[FiredAlert]:
    """Fire the active alerts these quotes meet; re-arm repeating ones whose price went back."""
    fired: list[FiredAlert] = []
    for doc in repo.active_alerts(db, quotes):
        quote = quotes[doc["symbol"]]
        level = from_scaled(int(doc["value"]))
        value = observed(doc["condition"], quote)
        if value is None:
            continue
        met = is_met(doc["condition"], level, value)
        if not doc.get("armed", True):
            if not met and doc.get("repeat"):
                repo.rearm(db, doc["_id"])
            continue
        if not met:
            continue
        at = now()
        won = repo.fire_repeating(db, doc, at) if doc.get("repeat") else repo.fire_once(db, doc, at)
        if won:
            fired.append(
                FiredAlert(
                    alert_id=doc["_id"],
                    user_id=doc["userId"],
                    symbol=doc["symbol"],
                    condition=doc["condition"],
                    value=money_str(int(doc["value"])),
                    price=format(quote.ltp.normalize(), "f"),
                    change_pct=None if quote.change_pct is None else format(quote.change_pct, "f"),
                    channels=list(doc.get("channels") or []),
                    message=_message(doc, quote, level),
                    triggered_at=at,
                )
            )
    return fired


def publish_event(fired: FiredAlert, *, queue_url: str, sqs: Any = None) -> None:
    """To the notifications queue when one is configured, else to the log."""
    from tradetrack.observability import logger

    event = fired.to_event()
    if not queue_url:
        logger.info("price alert notification (no queue configured)", extra={"notification": event})
        return
    if sqs is None:
        from tradetrack.aws import aws_client

        sqs = aws_client("sqs")
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event))
