"""A connected broker's holdings as snapshot opening lots: what an account's first sync stores.

Each holding becomes a lot of the holding on `as_of` (the first sync's IST date, `snapshot: true`,
`openingOf` the broker): FIFO opens only the units that the journal's own delivery fills before
that date (a tradebook imported later, Upstox's backfilled history) do not explain, so a holding
is never counted twice. Its externalId is `broker-holdings:<as_of>:<ISIN, else the symbol>` and its
cost the broker's average price × units, exact to 4 decimals. The same holdings stored again (SQS
delivering the first sync again) are duplicates: nothing changes, their pairs are brought up to date.

Rows that are not a holding (quantity 0 or less, no average price) or cannot be an equity lot are
skipped and counted, never fatal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.brokers.base import BrokerHolding
from tradetrack.brokers.names import BROKER_NAMES
from tradetrack.db.executions import insert_executions
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.errors import AppError
from tradetrack.models.executions import ExecutionIn
from tradetrack.money import to_scaled
from tradetrack.notify.live import announce_trades_changed
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.openings import repository
from tradetrack.openings.lots import lot_document, lot_execution
from tradetrack.openings.models import OpeningOf
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]
# The brokers whose holdings become lots, and the `openingOf` their lots carry.
# Every broker of the registry: its holdings are the lots an account's first sync opens with.
OPENING_OF: dict[str, OpeningOf] = {name: name for name in BROKER_NAMES}
EQUITY_EXCHANGES = ("NSE", "BSE")
DEFAULT_EXCHANGE = "NSE"  # an equity is one instrument (its ISIN) on either exchange
MAX_SKIPPED_SHOWN = 100
_PRICE_QUANTUM = Decimal("0.0001")


@dataclass
class BrokerHoldingsReport:
    as_of: date
    lots: int = 0  # lots the holdings are: stored now or already stored (duplicates)
    duplicates: int = 0  # of `lots`, already stored (the same holdings again)
    skipped: int = 0
    skipped_rows: list[Document] = field(default_factory=list)  # {symbol, reason}, the first 100

    def log(self) -> Document:
        """The sync log's `holdings` field."""
        return {
            "status": "done",
            "lots": self.lots,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "skippedRows": self.skipped_rows,
            "asOf": self.as_of.isoformat(),
        }


def supported(broker: str) -> bool:
    return broker in OPENING_OF


def external_id(as_of: date, holding: BrokerHolding) -> str:
    return f"broker-holdings:{as_of.isoformat()}:{_key(holding)}"


def _key(holding: BrokerHolding) -> str:
    return (holding.isin or "").strip().upper() or holding.symbol.strip().upper()


def _lot(account_id: str, holding: BrokerHolding, as_of: date) -> tuple[ExecutionIn, int] | str:
    """The holding's lot execution and exact cost (scaled), or why it is skipped."""
    if holding.quantity <= 0:
        return f"the quantity held is {holding.quantity}"
    average = holding.average_price
    if average is None or average <= 0:
        return "no average price"
    try:
        item = lot_execution(
            account_id=account_id,
            symbol=holding.symbol,
            exchange=holding.exchange if holding.exchange in EQUITY_EXCHANGES else DEFAULT_EXCHANGE,
            isin=(holding.isin or "").strip() or None,
            quantity=holding.quantity,
            # The broker's average carries more decimals than a price: the lot shows it to 4
            # decimals; its cost is average × units, exact to 4 decimals.
            price=average.quantize(_PRICE_QUANTUM, rounding=ROUND_HALF_EVEN),
            acquired_on=as_of,
            external_id=external_id(as_of, holding),
        )
    except AppError as exc:
        reasons = [f"{d['field'].removeprefix('body.')}: {d['message']}" for d in exc.details]
        return "; ".join(reasons) or exc.message
    return item, to_scaled(average * holding.quantity)


def store_broker_holdings(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    broker: str,
    holdings: Sequence[BrokerHolding],
    as_of: date,
) -> BrokerHoldingsReport:
    """Store `holdings` as the account's snapshot lots of `as_of` and re-derive their pairs."""
    opening_of = OPENING_OF.get(broker)
    if opening_of is None:
        raise ValueError(f"{broker!r} holdings are not stored as opening lots")
    report = BrokerHoldingsReport(as_of=as_of)
    items: list[ExecutionIn] = []
    costs: dict[str | None, int] = {}
    for holding in holdings:
        built = _lot(account_id, holding, as_of)
        if not isinstance(built, str) and built[0].external_id in costs:
            built = f"the same holding as an earlier row ({_key(holding)})"
        if isinstance(built, str):
            report.skipped += 1
            if len(report.skipped_rows) < MAX_SKIPPED_SHOWN:
                report.skipped_rows.append({"symbol": holding.symbol, "reason": built})
            continue
        item, cost = built
        items.append(item)
        costs[item.external_id] = cost
    documents = [
        lot_document(user_id, item, snapshot=True, opening_of=opening_of) | {"cost": costs[item.external_id]}
        for item in with_isins(db, items)
    ]
    inserted = insert_executions(db, documents)
    new = {doc["_id"] for doc in inserted.inserted}
    # Already stored (a redelivered first sync): the stored lot stands, and is a fact again, so a
    # run that died between storing and recomputing leaves no pair behind.
    stored = repository.lots_by_id(db, [doc["_id"] for doc in documents if doc["_id"] not in new])
    derived = recompute_pairs(db, cache, user_id, (), facts=inserted.inserted + list(stored.values()))
    if inserted.inserted:  # the user's open tabs re-read their trades (a sync's lots, like its fills)
        announce_trades_changed(user_id, "sync", [trade["_id"] for trade in derived])
    report.lots = len(inserted.inserted) + len(stored)
    report.duplicates = len(stored)
    logger.info(
        "broker holdings stored as opening lots",
        extra={
            "accountId": account_id,
            "broker": broker,
            "asOf": as_of.isoformat(),
            "lots": report.lots,
            "duplicates": report.duplicates,
            "skipped": report.skipped,
        },
    )
    metrics.add_metric(name="BrokerHoldingsLots", unit=MetricUnit.Count, value=len(inserted.inserted))
    return report
