"""One notification event, delivered: inbox record, then email, SMS and WebSocket push as the user wants.

Preferences (users.notificationPrefs): a type switched off in `types` means nothing at all, not
even the inbox; types not listed are on, except the daily summary, which users opt into. Then per
channel: `email`, `sms` (only to a phone number the user document marks phoneVerified) and
`push`. A price alert also goes only to the channels chosen on the alert, and is never pushed
here: the market feed pushed its WebSocket frame when it fired. A backfill summary follows the
trade confirmations' preferences.

A paper order placed or partially executed is pushed only, like a live event (the order-update
frame; no inbox item, email or SMS) unless types.paper_order_progress is on; its execution,
rejection, cancel and expiry are notifications as any other.

Live events (sync succeeded, trades changed) are no notifications: they are pushed to the user's
open connections whatever the preferences say, and recorded nowhere (docs/websocket.md).

Outcomes per channel are recorded on the notification (deliveries.<channel>.status):
sent; failed (the address or number was refused: recorded, not retried); skipped (with the
reason); retrying (throttled or down: the event is raised back to SQS, and retried without
sending again on the channels that already went out).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.config import Settings
from tradetrack.db import notifications as repo
from tradetrack.db import users
from tradetrack.market import subscriptions
from tradetrack.notify.email import send_email
from tradetrack.notify.events import (
    LIVE_EVENTS,
    BackfillSummary,
    LiveEvent,
    NeedsLogin,
    Notice,
    NotificationEvent,
    NotificationType,
    PaperOrder,
    PriceAlert,
    ReportReady,
    RiskViolation,
    SyncFailed,
    TradeConfirmation,
    event_key,
    live_frame,
    parse_event,
    preference_type,
)
from tradetrack.notify.idempotency import Idempotency
from tradetrack.notify.render import Content, content, email_body
from tradetrack.notify.sms import send_sms
from tradetrack.notify.unsubscribe import unsubscribe_url
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.websocket.actions import disconnect

Document = dict[str, Any]
Result = dict[str, Any]
Post = Callable[[str, bytes], bool]  # (connection id, frame) → False when the connection is gone

CHANNELS = ("email", "sms", "push")
TYPE_DEFAULTS: dict[NotificationType, bool] = {
    "trade_confirmation": True,
    "price_alert": True,
    "sync_failed": True,
    "needs_login": True,
    "daily_summary": False,
    "report_ready": True,
    "risk_violation": True,
    "paper_order": True,
}
PROGRESS_EVENTS = frozenset({"placed", "partially_executed"})
PROGRESS_PREFERENCE = "paper_order_progress"  # types.paper_order_progress: off unless the user opts in


class RetryLater(Exception):
    """A channel failed for a reason that may pass (throttling, an outage): retry the event."""


def type_enabled(prefs: Document, kind: NotificationType) -> bool:
    return bool((prefs.get("types") or {}).get(kind, TYPE_DEFAULTS[kind]))


def references(event: Notice) -> Document:
    """What the inbox item is about (ids only: no amounts are copied into it)."""
    if isinstance(event, TradeConfirmation):
        return {"tradeId": event.trade_id, "symbol": event.symbol}
    if isinstance(event, PriceAlert):
        return {"alertId": event.alert_id, "symbol": event.symbol}
    if isinstance(event, SyncFailed | NeedsLogin | BackfillSummary):
        sync = {"syncId": event.sync_id} if isinstance(event, BackfillSummary) else {}
        return {"accountId": event.account_id, "broker": event.broker, **sync}
    if isinstance(event, ReportReady):
        return {"reportId": event.report_id, "kind": event.kind, "format": event.format}
    if isinstance(event, RiskViolation | PaperOrder):
        about = (
            {"orderId": event.order_id, "symbol": event.symbol}
            if isinstance(event, PaperOrder)
            else {"violationId": event.violation_id, "rule": event.rule}
        )
        return {**about, "accountId": event.account_id}
    return {"date": event.day.isoformat()}


def push_frame(event: Notice, notification_id: str, text: Content) -> Document:
    """The WebSocket frame (API.md "trade"/"sync" frames; the daily summary as a "notification")."""
    if isinstance(event, TradeConfirmation):
        return {"type": "trade", "tradeId": event.trade_id, "symbol": event.symbol, "status": event.status}
    if isinstance(event, SyncFailed | NeedsLogin):
        status = "needs_login" if isinstance(event, NeedsLogin) else "error"
        return {"type": "sync", "accountId": event.account_id, "status": status}
    if isinstance(event, ReportReady):
        return {"type": "report", "reportId": event.report_id, "status": "ready",
                "notificationId": notification_id}  # fmt: skip
    if isinstance(event, PaperOrder):  # the order-update frame (docs/websocket.md)
        return paper_order_frame(event) | {"notificationId": notification_id}
    frame: Document = {
        "type": "notification",
        "notificationId": notification_id,
        "notificationType": event.type,
        "title": text.title,
        "message": text.line,
    }
    if isinstance(event, RiskViolation):  # what was breached, where (docs/websocket.md)
        frame |= risk_violation_fields(event)
    return frame


def paper_order_frame(event: PaperOrder) -> Document:
    """A paper_order frame without its notificationId: what the SPA words its toast from (the
    order, its instrument and side, the last fill, a rejection's reason). Money as decimal strings."""
    optional = {
        "lastFillQuantity": event.last_fill_quantity,
        "lastFillPrice": None if event.last_fill_price is None else str(event.last_fill_price),
        "reason": event.reason,
    }
    return {
        "type": "paper_order",
        "accountId": event.account_id,
        "orderId": event.order_id,
        "event": event.event,
        "state": event.state,
        "symbol": event.symbol,
        "exchange": event.exchange,
        "side": event.side,
        "orderType": event.order_type,
        "product": event.product,
        "quantity": event.quantity,
        "filledQuantity": event.filled_quantity,
        "at": event.at.isoformat(),
        **{key: value for key, value in optional.items() if value is not None},
    }


def risk_violation_fields(event: RiskViolation) -> Document:
    """A risk_violation notification frame's structured fields (money as decimal strings)."""
    measured = {
        "value": None if event.value is None else str(event.value),
        "limit": None if event.limit is None else str(event.limit),
    }
    return {
        "violationId": event.violation_id,
        "accountId": event.account_id,
        "rule": event.rule,
        "day": event.day.isoformat(),
        "squaredOff": event.squared_off,
        **{key: value for key, value in measured.items() if value is not None},
    }


def push_only(event: Notice, prefs: Document) -> bool:
    """A paper order's progress (placed, partially executed) is pushed only (the order-update frame:
    no inbox item, no email or SMS), unless the user's types.paper_order_progress asks for them."""
    progress = isinstance(event, PaperOrder) and event.event in PROGRESS_EVENTS
    return progress and not (prefs.get("types") or {}).get(PROGRESS_PREFERENCE, False)


@dataclass(frozen=True)
class Prepared:
    """A notification about to be delivered: the event, its user and words, its inbox document."""

    event: Notice
    key: str
    user: Document
    prefs: Document
    text: Content
    notification_id: str
    inbox: Document


Outcome = tuple[str, Result, Exception | None]  # (channel, delivery, transient error)


def deliveries_of(outcomes: list[Outcome]) -> tuple[dict[str, Result], Exception | None]:
    deliveries = {channel: delivery for channel, delivery, _ in outcomes}
    return deliveries, next((error for _, _, error in outcomes if error is not None), None)


def result_of(
    event: Notice, notification_id: str, deliveries: dict[str, Result], failure: Exception | None
) -> Result:
    if failure is not None:
        raise RetryLater(f"{event.type} for a user: a channel failed transiently") from failure
    return {"status": "done", "notificationId": notification_id, "deliveries": deliveries}


@dataclass
class Notifier:
    db: Database[Document]
    cache: redis.Redis
    settings: Settings
    idempotency: Idempotency
    ses: Any
    sns: Any
    post: Post | None = None  # None: no WebSocket API configured, nothing is pushed

    def handle(self, raw: Document) -> Result:
        """Deliver one queue message (ValidationError for a body that is not an event)."""
        event = parse_event(raw)
        key = event_key(event, raw)
        return self.idempotency.event(key, lambda: self._deliver(event, key))

    def _deliver(self, event: NotificationEvent, key: str) -> Result:
        if isinstance(event, LIVE_EVENTS):
            return self.deliver_live(event)
        prepared = self.prepare(event, key, users.get_user(self.db, event.user_id))
        if not isinstance(prepared, Prepared):
            return prepared
        repo.insert_once(self.db, prepared.inbox)
        outcomes = [self.channel(prepared, channel) for channel in CHANNELS]
        deliveries, failure = deliveries_of(outcomes)
        repo.set_deliveries(self.db, prepared.notification_id, deliveries)
        return result_of(event, prepared.notification_id, deliveries, failure)

    def deliver_live(self, event: LiveEvent) -> Result:
        """A live event to the user's open connections (best effort: nothing is retried)."""
        if self.post is None:
            return {"status": "skipped", "reason": "websocket_not_configured"}
        return {"status": "done", "deliveries": {"push": self._push(event.user_id, live_frame(event))}}

    def deliver_progress(self, event: PaperOrder) -> Result:
        """A paper order's progress to the user's open connections only, as a live event is (no
        inbox item, so the frame has no notificationId; best effort: nothing is retried)."""
        if self.post is None:
            return {"status": "skipped", "reason": "websocket_not_configured"}
        return {"status": "done", "deliveries": {"push": self._push(event.user_id, paper_order_frame(event))}}

    def prepare(self, event: Notice, key: str, user: Document | None) -> Prepared | Result:
        """What to deliver and where to record it, or the result when nothing is recorded (nothing
        delivered, or a paper order's progress pushed only: done here, for one event or a batch)."""
        if user is None:
            logger.info("notification for an unknown user dropped", extra={"type": event.type})
            return {"status": "skipped", "reason": "no_such_user"}
        prefs = user.get("notificationPrefs") or {}
        if not type_enabled(prefs, preference_type(event)):
            metrics.add_metric(name="NotificationsSuppressed", unit=MetricUnit.Count, value=1)
            return {"status": "skipped", "reason": "type_off"}
        if isinstance(event, PaperOrder) and push_only(event, prefs):
            return self.deliver_progress(event)
        text = content(event)
        notification_id = repo.notification_id(key)
        inbox = {
            "_id": notification_id,
            "userId": event.user_id,
            "type": event.type,
            "title": text.title,
            "message": text.line,
            "data": references(event),
            "eventKey": key,
            "createdAt": datetime.now(UTC),
            "readAt": None,
            "deliveries": {},
        }
        return Prepared(event, key, user, prefs, text, notification_id, inbox)

    def channel(self, prepared: Prepared, channel: str) -> Outcome:
        """One channel of a prepared notification: (channel, its delivery, the transient error
        that sends the event back to the queue, if any). Exactly once per event and channel."""
        reason = self.skip_reason(channel, prepared.event, prepared.user, prepared.prefs)
        if reason:
            return channel, {"status": "skipped", "reason": reason}, None
        return self.send(prepared, channel)

    def send(self, prepared: Prepared, channel: str) -> Outcome:
        """channel() for a channel that is not skipped."""
        event = prepared.event
        work = partial(self._send, channel, event, prepared.text, prepared.user, prepared.notification_id)
        try:
            return channel, self.idempotency.channel(prepared.key, channel, work), None
        except Exception as exc:  # transient: this channel is retried with the event
            logger.warning("delivery will be retried", extra={"channel": channel, "error": str(exc)})
            metrics.add_metric(name="DeliveriesRetried", unit=MetricUnit.Count, value=1)
            return channel, {"status": "retrying", "reason": type(exc).__name__}, exc

    def skip_reason(self, channel: str, event: Notice, user: Document, prefs: Document) -> str | None:
        """Why this channel is not used for this event, or None to send on it (first reason wins)."""
        alert = isinstance(event, PriceAlert)
        checks = (
            # NotificationPrefs defaults: email and push on, sms off
            (not prefs.get(channel, channel != "sms"), "channel_off"),
            (alert and channel == "push", "pushed_by_market_feed"),
            (isinstance(event, PriceAlert) and channel not in event.channels, "not_chosen_for_alert"),
            (channel == "email" and not user.get("email"), "no_email"),
            (channel == "sms" and not user.get("phone"), "no_phone"),
            (channel == "sms" and user.get("phoneVerified") is not True, "phone_not_verified"),
            (channel == "push" and self.post is None, "websocket_not_configured"),
        )
        return next((reason for skip, reason in checks if skip), None)

    def _send(
        self, channel: str, event: Notice, text: Content, user: Document, notification_id: str
    ) -> Result:
        if channel == "email":
            link = unsubscribe_url(event.user_id, preference_type(event))
            mail = send_email(
                self.ses,
                sender=self.settings.notify_from_email,
                recipient=str(user["email"]),
                body=email_body(text, unsubscribe_url=link),
                unsubscribe_url=link,
                configuration_set=self.settings.ses_configuration_set,
            )
            return self._outcome("Email", mail.message_id, mail.error)
        if channel == "sms":
            sms = send_sms(self.sns, str(user["phone"]), text.line, sender_id=self.settings.sms_sender_id)
            return self._outcome("Sms", sms.message_id, sms.error)
        return self._push(event.user_id, push_frame(event, notification_id, text))

    @staticmethod
    def _outcome(metric: str, message_id: str | None, error: str | None) -> Result:
        if error is not None:
            logger.warning("delivery refused", extra={"channel": metric.lower(), "error": error})
            metrics.add_metric(name=f"{metric}Failed", unit=MetricUnit.Count, value=1)
            return {"status": "failed", "reason": error}
        metrics.add_metric(name=f"{metric}Sent", unit=MetricUnit.Count, value=1)
        return {"status": "sent", "messageId": message_id}

    def _push(self, user_id: str, frame: Document) -> Result:
        assert self.post is not None  # skip_reason rules it out
        connections = sorted(subscriptions.user_connections(self.cache, user_id))
        data = json.dumps(frame, separators=(",", ":")).encode()
        delivered = 0
        for connection in connections:
            try:
                if self.post(connection, data):
                    delivered += 1
                else:
                    disconnect(self.cache, connection)
            except Exception as exc:  # a push is best effort: the inbox has the notification
                logger.warning("push failed", extra={"connectionId": connection, "error": str(exc)})
        if not delivered:
            return {"status": "skipped", "reason": "not_connected"}
        metrics.add_metric(name="PushSent", unit=MetricUnit.Count, value=delivered)
        return {"status": "sent", "connections": delivered}
