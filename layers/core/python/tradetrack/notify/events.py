"""The notification events producers put on the `notifications` SQS queue: one JSON object per message.

Every event has `type` (the discriminator), `userId` and, optionally, `eventId`: a producer that
may send the same event twice gives it a stable id (the daily summary: "daily_summary:<user>:<day>").
Without one the event's key is a hash of its content, so an exact duplicate is still recognized.
Money and prices are decimal strings, as in the REST API. Unknown fields are ignored, so a producer
may add fields before the consumer reads them.

    trade_confirmation  tradeId, symbol, exchange, direction, status, quantity, avgEntry?, avgExit?, netPnl?
    price_alert         alertId, symbol, condition, value, price, changePct?, channels, message, triggeredAt
                        (exactly what tradetrack.market.alerting.FiredAlert.to_event() sends)
    sync_failed         accountId, broker, error, syncId?
    needs_login         accountId, broker
    daily_summary       date, tradeCount, realizedPnl, charges, netPnl,
                        best?, worst? (each {tradeId, symbol, netPnl})
    backfill_summary    accountId, broker, syncId, fills, since? (the first sync's history: one
                        notice instead of a trade confirmation per old trade; preferences and
                        unsubscribe links of trade_confirmation apply)
    report_ready        reportId, kind, period, format, fileName (a requested report is in S3:
                        GET /v1/reports/{reportId} gives its download link, docs/reports.md)
    risk_violation      violationId, accountId, rule, message, day, value?, limit?, squaredOff
                        (a risk limit breached, once per rule, account and day: docs/risk.md)
    paper_order         accountId, orderId, event (placed, partially_executed, executed, canceled,
                        expired, rejected), state, symbol, exchange, side, orderType, product,
                        quantity, filledQuantity, lastFillQuantity?, lastFillPrice?, reason?, at
                        (a paper order's transition: docs/paper.md; placed and partially_executed
                        are pushed only, unless the user's types.paper_order_progress asks for them)

Live events: pushed to the user's open WebSocket connections only (no inbox item, no email or SMS),
so the SPA refreshes what changed (docs/websocket.md):

    sync_succeeded      accountId, broker, syncId, fetched, sent
    trades_changed      source (sync, import, manual, paper), tradeIds (at most 500; `more` counts the rest)
    paper_balance       accountId, available, held, total, version? (a paper account's balance
                        changed; version grows with every change, so a frame older than a read is known)
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

NotificationType = Literal[
    "trade_confirmation",
    "price_alert",
    "sync_failed",
    "needs_login",
    "daily_summary",
    "report_ready",
    "risk_violation",
    "paper_order",
]
NOTIFICATION_TYPES: tuple[NotificationType, ...] = (
    "trade_confirmation",
    "price_alert",
    "sync_failed",
    "needs_login",
    "daily_summary",
    "report_ready",
    "risk_violation",
    "paper_order",
)
Channel = Literal["email", "sms", "push"]

_Id = Annotated[str, Field(min_length=1, max_length=128)]
_Text = Annotated[str, Field(max_length=1000)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)
    event_id: _Id | None = Field(None, alias="eventId")
    user_id: _Id = Field(alias="userId")


class TradeConfirmation(_Event):
    type: Literal["trade_confirmation"]
    trade_id: _Id = Field(alias="tradeId")
    symbol: _Id
    exchange: str = "NSE"
    direction: Literal["LONG", "SHORT"]
    status: Literal["open", "closed"]
    quantity: int
    avg_entry: Decimal | None = Field(None, alias="avgEntry")
    avg_exit: Decimal | None = Field(None, alias="avgExit")
    net_pnl: Decimal | None = Field(None, alias="netPnl")


class PriceAlert(_Event):
    type: Literal["price_alert"]
    alert_id: _Id = Field(alias="alertId")
    symbol: _Id
    condition: str
    value: Decimal
    price: Decimal
    change_pct: Decimal | None = Field(None, alias="changePct")
    channels: list[Channel] = Field(default_factory=list)
    message: _Text
    triggered_at: datetime = Field(alias="triggeredAt")


class SyncFailed(_Event):
    type: Literal["sync_failed"]
    account_id: _Id = Field(alias="accountId")
    broker: _Id
    error: _Text = ""
    sync_id: _Id | None = Field(None, alias="syncId")


class NeedsLogin(_Event):
    type: Literal["needs_login"]
    account_id: _Id = Field(alias="accountId")
    broker: _Id


class BackfillSummary(_Event):
    type: Literal["backfill_summary"]
    account_id: _Id = Field(alias="accountId")
    broker: _Id
    sync_id: _Id = Field(alias="syncId")
    fills: int = Field(ge=0)
    since: date | None = None


class ReportReady(_Event):
    type: Literal["report_ready"]
    report_id: _Id = Field(alias="reportId")
    kind: _Id
    period: _Id
    format: _Id
    file_name: _Id = Field(alias="fileName")


class RiskViolation(_Event):
    type: Literal["risk_violation"]
    violation_id: _Id = Field(alias="violationId")
    account_id: _Id = Field(alias="accountId")
    rule: _Id
    message: _Text
    day: date
    value: Decimal | None = None  # what was measured (money: INR)
    limit: Decimal | None = None  # the limit it breached
    squared_off: bool = Field(False, alias="squaredOff")


PaperOrderEvent = Literal["placed", "partially_executed", "executed", "canceled", "expired", "rejected"]


class PaperOrder(_Event):
    type: Literal["paper_order"]
    account_id: _Id = Field(alias="accountId")
    order_id: _Id = Field(alias="orderId")
    event: PaperOrderEvent
    state: _Id
    symbol: _Id
    exchange: _Id
    side: Literal["BUY", "SELL"]
    order_type: _Id = Field(alias="orderType")
    product: _Id
    quantity: int = Field(ge=1)
    filled_quantity: int = Field(0, alias="filledQuantity", ge=0)
    last_fill_quantity: int | None = Field(None, alias="lastFillQuantity")
    last_fill_price: Decimal | None = Field(None, alias="lastFillPrice")
    reason: _Text | None = None
    at: datetime


class PaperBalance(_Event):
    type: Literal["paper_balance"]
    account_id: _Id = Field(alias="accountId")
    available: Decimal
    held: Decimal
    total: Decimal
    version: int | None = Field(None, ge=0)  # the balance's version (None: a producer that sends none)


class SyncSucceeded(_Event):
    type: Literal["sync_succeeded"]
    account_id: _Id = Field(alias="accountId")
    broker: _Id
    sync_id: _Id = Field(alias="syncId")
    fetched: int = Field(0, ge=0)
    sent: int = Field(0, ge=0)


MAX_TRADE_IDS = 500  # a trades_changed event names at most this many trades (and counts the rest)
TradeSource = Literal["sync", "import", "manual", "paper"]  # paper: a paper account's fill (docs/paper.md)


class TradesChanged(_Event):
    type: Literal["trades_changed"]
    source: TradeSource
    trade_ids: list[_Id] = Field(alias="tradeIds", max_length=MAX_TRADE_IDS)
    more: int = Field(0, ge=0)


LiveEvent = SyncSucceeded | TradesChanged | PaperBalance
LIVE_EVENTS = (SyncSucceeded, TradesChanged, PaperBalance)


class TradeLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)
    trade_id: _Id = Field(alias="tradeId")
    symbol: _Id
    net_pnl: Decimal = Field(alias="netPnl")


class DailySummary(_Event):
    type: Literal["daily_summary"]
    day: date = Field(alias="date")
    trade_count: int = Field(alias="tradeCount", ge=0)
    realized_pnl: Decimal = Field(alias="realizedPnl")
    charges: Decimal
    net_pnl: Decimal = Field(alias="netPnl")
    best: TradeLine | None = None
    worst: TradeLine | None = None


NotificationEvent = Annotated[
    TradeConfirmation
    | PriceAlert
    | SyncFailed
    | NeedsLogin
    | DailySummary
    | BackfillSummary
    | ReportReady
    | RiskViolation
    | PaperOrder
    | SyncSucceeded
    | TradesChanged
    | PaperBalance,
    Field(discriminator="type"),
]


# Built on first use, like the models (defer_build): most functions only send an event or two, and
# the schemas of a dozen models are a cold start's cost (~30 M instructions) (docs/performance.md).
@cache
def _adapter() -> TypeAdapter[NotificationEvent]:
    return TypeAdapter(NotificationEvent)


# The events that are notifications (an inbox item, then email, SMS and push as preferred).
Notice = (
    TradeConfirmation
    | PriceAlert
    | SyncFailed
    | NeedsLogin
    | DailySummary
    | BackfillSummary
    | ReportReady
    | RiskViolation
    | PaperOrder
)


def preference_type(event: Notice) -> NotificationType:
    """The type whose preferences and unsubscribe link apply (a backfill summary is about trades)."""
    return "trade_confirmation" if isinstance(event, BackfillSummary) else event.type


def trades_changed(
    user_id: str, source: TradeSource, trade_ids: list[str], *, event_id: str | None = None
) -> TradesChanged:
    """One user's trades_changed event (the first MAX_TRADE_IDS ids, sorted; `more` counts the rest)."""
    ids = sorted(set(trade_ids))
    return TradesChanged(
        type="trades_changed",
        event_id=event_id,
        user_id=user_id,
        source=source,
        trade_ids=ids[:MAX_TRADE_IDS],
        more=max(0, len(ids) - MAX_TRADE_IDS),
    )


def live_frame(event: LiveEvent) -> dict[str, Any]:
    """The WebSocket frame of a live event (docs/websocket.md)."""
    if isinstance(event, SyncSucceeded):
        return {
            "type": "sync",
            "accountId": event.account_id,
            "broker": event.broker,
            "syncId": event.sync_id,
            "status": "success",
            "fetched": event.fetched,
            "sent": event.sent,
        }
    if isinstance(event, PaperBalance):
        return {
            "type": "paper_balance",
            "accountId": event.account_id,
            "available": str(event.available),
            "held": str(event.held),
            "total": str(event.total),
            **({} if event.version is None else {"version": event.version}),
        }
    return {"type": "trades", "source": event.source, "tradeIds": list(event.trade_ids), "more": event.more}


def parse_event(raw: dict[str, Any]) -> NotificationEvent:
    """The event in a message body (pydantic.ValidationError when it is not one)."""
    return _adapter().validate_python(raw)


def event_key(event: NotificationEvent, raw: dict[str, Any]) -> str:
    """What identifies the event across retries and duplicate sends."""
    if event.event_id:
        return event.event_id
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return f"{event.type}:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def to_body(event: NotificationEvent) -> str:
    """The queue message body of an event (producers in Python use this)."""
    return event.model_dump_json(by_alias=True, exclude_none=True)
