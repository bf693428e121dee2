"""What a sync reads from the broker: the day's fills, orders and positions, on an account's first
sync its history (Upstox) and holdings — tradetrack.sync.worker turns them into a sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tradetrack.brokers.base import (
    Broker,
    BrokerError,
    BrokerFill,
    BrokerHolding,
    BrokerOrder,
    BrokerPosition,
    BrokerUnsupported,
)
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.openings import broker_holdings
from tradetrack.sync.messages import SyncRequest
from tradetrack.timeutil import ist_date

Document = dict[str, Any]
ZERODHA_BACKFILL = (
    "Zerodha offers no API for past trades: import your Console tradebook (CSV) to bring in "
    "history before this account was connected."
)


@dataclass
class Fetched:
    client: Broker
    fills: list[BrokerFill]
    orders: list[BrokerOrder]
    rejected_orders: int
    positions: list[BrokerPosition]
    backfill: dict[str, Any] | None
    holdings: list[BrokerHolding] | None = None  # first sync only: to store as opening lots
    holdings_log: dict[str, Any] | None = None  # first sync only, when there are none to store


def financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def fetch(client: Broker, account: Document, request: SyncRequest, now: datetime) -> Fetched:
    fills = list(client.trades())
    orders = client.orders()
    positions = list(client.positions())
    backfill: dict[str, Any] | None = None
    if request.backfill:
        today = ist_date(now)
        start = financial_year_start(today).replace(year=financial_year_start(today).year - 1)
        try:
            history = client.historical_trades(start, today - timedelta(days=1))
            fills = history + fills
            backfill = {"status": "done", "from": start.isoformat(), "fetched": len(history), "at": now}
        except BrokerUnsupported:
            backfill = {"status": "import_required", "message": ZERODHA_BACKFILL, "at": now}
    rejected = sum(1 for order in orders if order.status.upper() == "REJECTED")
    fetched = Fetched(client, fills, orders, rejected, positions, backfill)
    if request.backfill:
        fetched.holdings, fetched.holdings_log = _holdings(client, account)
    return fetched


def _holdings(client: Broker, account: Document) -> tuple[list[BrokerHolding] | None, dict[str, Any] | None]:
    """The broker's holdings (through the same rate-limit gate as every call), or the sync log's
    `holdings` when there are none to store: a failing call is logged, never fails the sync."""
    broker = account["broker"]
    if not broker_holdings.supported(broker):
        return None, {"status": "unsupported", "reason": f"{broker} holdings are not stored as opening lots"}
    try:
        return list(client.holdings()), None
    except BrokerError as exc:
        reason = f"{exc.error_type}: {exc.message}"
        logger.warning(
            "broker holdings failed; the sync goes on without them",
            extra={"accountId": account["_id"], "broker": broker, "errorType": exc.error_type},
        )
        metrics.add_metric(name="SyncHoldingsFailed", unit=MetricUnit.Count, value=1)
        return None, {"status": "failed", "reason": reason[:1000]}
