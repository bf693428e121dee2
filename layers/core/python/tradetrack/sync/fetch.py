"""What a sync reads from the broker: the day's fills, orders, positions and holdings, on an
account's first sync its history (Upstox) — tradetrack.sync.worker turns them into a sync.

Holdings are read on every sync (their snapshot is served by GET /v1/holdings); the first sync also
stores them as opening lots. A failing holdings call never fails the sync: the previous snapshot
stays, and the sync log says why (`holdingsSnapshot`; on a first sync also `holdings`)."""

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
    held: list[BrokerHolding] | None = None  # every sync: the snapshot to store; None: the call failed
    held_error: str | None = None  # why `held` is None


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
    fetched.held, fetched.held_error = _read_holdings(client, account)
    if request.backfill:
        fetched.holdings, fetched.holdings_log = _opening_holdings(fetched, account)
    return fetched


def _read_holdings(client: Broker, account: Document) -> tuple[list[BrokerHolding] | None, str | None]:
    """The broker's holdings (through the same rate-limit gate as every call), or why not: a
    failing call is logged, never fails the sync."""
    try:
        return list(client.holdings()), None
    except BrokerError as exc:
        logger.warning(
            "broker holdings failed; the sync goes on without them",
            extra={"accountId": account["_id"], "broker": account["broker"], "errorType": exc.error_type},
        )
        metrics.add_metric(name="SyncHoldingsFailed", unit=MetricUnit.Count, value=1)
        return None, f"{exc.error_type}: {exc.message}"[:1000]


def _opening_holdings(
    fetched: Fetched, account: Document
) -> tuple[list[BrokerHolding] | None, dict[str, Any] | None]:
    """A first sync's holdings to store as opening lots, or the sync log's `holdings` when there
    are none to store."""
    broker = account["broker"]
    if not broker_holdings.supported(broker):
        return None, {"status": "unsupported", "reason": f"{broker} holdings are not stored as opening lots"}
    if fetched.held is None:
        return None, {"status": "failed", "reason": fetched.held_error or "unknown"}
    return fetched.held, None
