"""GET /v1/data-quality: the issues recomputation recorded for the user, sorted, with what to do.

An unmatched exit's `unitsNeeded` counts the unmatched units of its (account, instrument) pair up
to and including that sell: one opening lot of that many units, acquired before the sell's day,
covers it and every earlier unmatched sell of the pair (FIFO gives opening lots to the oldest).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.instruments.keys import display_symbol
from tradetrack.money import money_str
from tradetrack.observability import logger
from tradetrack.quality.models import (
    DataQualityReport,
    OrphanedAnnotationOut,
    QualityCounts,
    UnmatchedExitOut,
)
from tradetrack.quality.repository import issues_of
from tradetrack.queries import aware
from tradetrack.timeutil import IST

Document = dict[str, Any]


def resolve_hint(units: int, sold_on: str) -> str:
    return f"add an opening lot of at least {units} units acquired before {sold_on} (POST /v1/opening-lots)"


def _symbol(doc: Document) -> str:
    symbol = doc.get("symbol")
    return display_symbol(str(symbol), str(doc.get("segment") or "EQ")) if symbol else str(doc["instrument"])


def _unmatched(doc: Document) -> list[UnmatchedExitOut]:
    entries = [e for e in doc.get("unmatched") or () if isinstance(e.get("executedAt"), datetime)]
    entries.sort(key=lambda e: (aware(e["executedAt"]), str(e.get("executionId"))))
    found: list[UnmatchedExitOut] = []
    needed = 0
    for entry in entries:
        executed = aware(entry["executedAt"]).astimezone(IST)
        quantity = int(entry.get("quantity") or 0)
        needed += quantity
        found.append(
            UnmatchedExitOut(
                account_id=doc["accountId"],
                instrument=doc["instrument"],
                symbol=_symbol(doc),
                execution_id=str(entry.get("executionId")),
                quantity=quantity,
                units_needed=needed,
                price=money_str(int(entry.get("price") or 0)),
                executed_at=executed,
                resolve=resolve_hint(needed, executed.date().isoformat()),
            )
        )
    return found


def _orphans(doc: Document) -> list[OrphanedAnnotationOut]:
    return [
        OrphanedAnnotationOut(
            account_id=doc["accountId"],
            instrument=doc["instrument"],
            symbol=_symbol(doc),
            anchor=str(entry["anchor"]),
            notes=str(entry.get("notes") or ""),
            tags=[str(tag) for tag in entry.get("tags") or ()],
            strategy=entry.get("strategy"),
            category=entry.get("categoryOverride"),
        )
        for entry in doc.get("orphans") or ()
        if entry.get("anchor")
    ]


def data_quality(db: Database[Document], user_id: str) -> DataQualityReport:
    """Unmatched exits (by symbol, account, then time) and orphaned annotations (by symbol, account)."""
    unmatched: list[UnmatchedExitOut] = []
    orphans: list[OrphanedAnnotationOut] = []
    pairs = 0
    for doc in issues_of(db, user_id):
        if not doc.get("accountId") or not doc.get("instrument"):
            logger.warning("data-quality document without its pair", extra={"id": doc.get("_id")})
            continue
        found, lost = _unmatched(doc), _orphans(doc)
        pairs += bool(found or lost)
        unmatched.extend(found)
        orphans.extend(lost)
    unmatched.sort(key=lambda u: (u.symbol, u.account_id, u.instrument, u.executed_at, u.execution_id))
    orphans.sort(key=lambda o: (o.symbol, o.account_id, o.instrument, o.anchor))
    counts = QualityCounts(
        unmatched_exits=len(unmatched),
        unmatched_units=sum(u.quantity for u in unmatched),
        orphaned_annotations=len(orphans),
        instruments=pairs,
    )
    return DataQualityReport(unmatched_exits=unmatched, orphaned_annotations=orphans, counts=counts)
