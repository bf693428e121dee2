"""POST /v1/opening-lots/import: a Zerodha holdings export stored as snapshot opening lots.

Each holding row becomes a lot of the holding on `asOf` (`snapshot: true`): the FIFO engine
subtracts what the journal's own fills before that date explain. Its externalId is
`holdings:<asOf>:<ISIN, else the symbol>`, so the same file imported again stores nothing new
(`unchanged`), and a corrected file for the same date replaces the rows that changed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import refuse_paper_account
from tradetrack.db.executions import insert_executions
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.db.ledgers import Pair
from tradetrack.errors import AppError, ValidationFailed
from tradetrack.imports.holdings import HoldingRow, parse_holdings
from tradetrack.models.executions import ExecutionIn
from tradetrack.models.uploads import MAX_REJECTIONS_SHOWN, Rejection
from tradetrack.money import to_scaled
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.openings import repository
from tradetrack.openings.lots import lot_document, lot_execution
from tradetrack.openings.models import HoldingsImportReport, HoldingsImportRequest, ist_today
from tradetrack.queries import aware
from tradetrack.trades import recompute

Document = dict[str, Any]
HOLDINGS_EXCHANGE = "NSE"  # the files name no exchange; a holding is one ISIN on either exchange
_PRICE_QUANTUM = Decimal("0.0001")
# What makes two lots of the same id the same lot.
_COMPARED = (
    "quantity",
    "price",
    "cost",
    "executedAt",
    "symbol",
    "isin",
    "instrument",
    "exchange",
    "snapshot",
    "longTerm",
)


def _file_data(request: HoldingsImportRequest) -> bytes | str:
    if request.encoding == "text":
        return request.file
    try:
        return base64.b64decode(request.file, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "file is not valid base64", details=[{"field": "body.file", "issue": "invalid_base64"}]
        ) from None


def _as_of(request: HoldingsImportRequest, stated: date | None) -> date:
    """The holdings' date: the request's, else the file's; they must agree when both are given."""
    if request.as_of is not None and stated is not None and request.as_of != stated:
        raise ValidationFailed(
            f"asOf {request.as_of.isoformat()} contradicts the file, a statement as on {stated.isoformat()}",
            details=[{"field": "body.asOf", "issue": "contradicts_file", "fileDate": stated.isoformat()}],
        )
    day = request.as_of or stated
    if day is None:
        raise ValidationFailed(
            "the file states no date: give asOf, the date the holdings are as of",
            details=[{"field": "body.asOf", "issue": "missing"}],
        )
    if day > ist_today():
        raise ValidationFailed(
            f"the file's date {day.isoformat()} is in the future",
            details=[{"field": "body.asOf", "issue": "future"}],
        )
    return day


def _items(
    rows: Sequence[HoldingRow], account_id: str, as_of: date
) -> tuple[list[tuple[ExecutionIn, Document]], list[tuple[int, str]]]:
    """The rows as lot executions with their stored extras (the exact cost: Console's average
    carries more decimals than a price, so the lot's cost is average × units to 4 decimals; the
    long-term units), and the rows that cannot be one (line, reason)."""
    items: list[tuple[ExecutionIn, Document]] = []
    rejected: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
        key = row.isin or row.symbol.strip().upper()
        if key in seen:
            rejected.append((row.line, f"the same holding as line {seen[key]} ({key})"))
            continue
        try:
            item = lot_execution(
                account_id=account_id,
                symbol=row.symbol,
                exchange=HOLDINGS_EXCHANGE,
                isin=row.isin,
                quantity=row.quantity,
                # An average price is a computed figure: shown to the platform's 4 decimals
                price=row.average_price.quantize(_PRICE_QUANTUM, rounding=ROUND_HALF_EVEN),
                acquired_on=as_of,
                external_id=f"holdings:{as_of.isoformat()}:{key}",
            )
        except AppError as exc:
            reasons = [f"{d['field'].removeprefix('body.')}: {d['message']}" for d in exc.details]
            rejected.append((row.line, "; ".join(reasons) or exc.message))
            continue
        seen[key] = row.line
        items.append((item, {"cost": to_scaled(row.average_price * row.quantity), "longTerm": row.long_term}))
    return items, rejected


def _pair(doc: Document) -> Pair:
    return (doc["accountId"], doc["instrument"])


def _same(stored: Document, new: Document) -> bool:
    def value(doc: Document, key: str) -> Any:
        found = doc.get(key)
        return aware(found) if isinstance(found, datetime) else found

    return all(value(stored, key) == value(new, key) for key in _COMPARED)


def import_holdings(
    db: Database[Document], cache: redis.Redis, user_id: str, request: HoldingsImportRequest
) -> HoldingsImportReport:
    """Store the file's holdings as snapshot lots of `asOf` and re-derive their instruments."""
    refuse_paper_account(request.account_id, what="a holdings file")
    parsed = parse_holdings(_file_data(request))
    as_of = _as_of(request, parsed.as_of)
    lots, rejected = _items(parsed.rows, request.account_id, as_of)
    items = with_isins(db, [item for item, _ in lots])
    documents = [
        lot_document(user_id, item, snapshot=True, opening_of="holdings_file") | extra
        for item, (_, extra) in zip(items, lots, strict=True)
    ]
    stored = repository.lots_by_id(db, [doc["_id"] for doc in documents])
    new = [doc for doc in documents if doc["_id"] not in stored]
    changed = [doc for doc in documents if doc["_id"] in stored and not _same(stored[doc["_id"]], doc)]
    changed_ids = {doc["_id"] for doc in changed}
    unchanged = [
        stored[doc["_id"]] for doc in documents if doc["_id"] in stored and doc["_id"] not in changed_ids
    ]
    # A changed row replaces its lot under the same id, and its pair (before and after) is then
    # read afresh: a pair's ledger keeps the first form of a fill it knows by id.
    repository.delete_lots(db, sorted(changed_ids))
    inserted = insert_executions(db, new + changed)
    rebuilt = {_pair(doc) for doc in changed} | {_pair(stored[lot_id]) for lot_id in changed_ids}
    # Unchanged lots are facts too: a re-import after a failed run brings their ledgers up to date.
    facts = [doc for doc in inserted.inserted + unchanged if _pair(doc) not in rebuilt]
    recompute(db, cache, user_id, (), facts=facts)
    if rebuilt:
        recompute(db, cache, user_id, rebuilt)
    all_rejected = sorted(list(parsed.rejected) + rejected)
    touched = inserted.touched | rebuilt
    report = HoldingsImportReport(
        imported=len(inserted.inserted),
        unchanged=len(unchanged) + inserted.duplicates,
        rejected=[Rejection(line=line, reason=why) for line, why in all_rejected[:MAX_REJECTIONS_SHOWN]],
        rejected_count=len(all_rejected),
        instruments=len(touched),
    )
    logger.info(
        "holdings import",
        extra={"imported": report.imported, "unchanged": report.unchanged, "rejected": report.rejected_count},
    )
    metrics.add_metric(name="ImportedOpeningLots", unit=MetricUnit.Count, value=report.imported)
    return report
