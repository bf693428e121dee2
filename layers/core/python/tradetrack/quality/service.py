"""GET /v1/data-quality: the issues recomputation recorded for the user, sorted, with what to do.

An expired contract is a derivative position still open after its expiry day's close, for want of
the underlying's settlement price (PUT /v1/settlements). Recomputation records it; a contract that
expired since its pair was last recomputed is found among the user's open trades, so the report
does not wait for the next fill of that contract.

An unmatched exit's `unitsNeeded` counts the unmatched units of its (account, instrument) pair up
to and including that sell: one opening lot of that many units, acquired before the sell's day,
covers it and every earlier unmatched sell of the pair (FIFO gives opening lots to the oldest).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pymongo.database import Database

from tradetrack.analytics.expiry_rules import expired_keys
from tradetrack.db.trades import open_trades
from tradetrack.instruments.keys import display_symbol
from tradetrack.money import money_str
from tradetrack.observability import logger
from tradetrack.quality.models import (
    DataQualityReport,
    ExpiredContractOut,
    OpenIntradayOut,
    OrphanedAnnotationOut,
    QualityCounts,
    UnknownContractOut,
    UnmatchedExitOut,
)
from tradetrack.quality.repository import issues_of
from tradetrack.queries import aware
from tradetrack.timeutil import IST

Document = dict[str, Any]


def resolve_hint(units: int, sold_on: str) -> str:
    return f"add an opening lot of at least {units} units acquired before {sold_on} (POST /v1/opening-lots)"


def settlement_hint(expiry: str) -> str:
    return f"PUT /v1/settlements with the underlying's settlement price on {expiry}"


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


def _expired(doc: Document, expired: Any) -> ExpiredContractOut | None:
    """The pair's contract as still open past `expired`'s {exchange, underlying, expiry} day."""
    if not isinstance(expired, dict):
        return None
    try:
        exchange, underlying = str(expired["exchange"]), str(expired["underlying"])
        expiry = date.fromisoformat(str(expired["expiry"]))
    except (KeyError, ValueError):
        logger.warning("expired contract entry unreadable", extra={"id": doc.get("_id")})
        return None
    return ExpiredContractOut(
        account_id=doc["accountId"],
        instrument=doc["instrument"],
        symbol=_symbol(doc),
        exchange=exchange,
        underlying=underlying,
        expiry=expiry,
        resolve=settlement_hint(expiry.isoformat()),
    )


def _with_late_expiries(db: Database[Document], user_id: str, docs: list[Document]) -> list[Document]:
    """The pairs' documents, plus the expiry of every open trade of a contract past its expiry that
    they do not list yet (its pair was last recomputed before the expiry), by pair."""
    by_pair = {(doc["accountId"], doc["instrument"]): doc for doc in docs}
    trades = [
        trade
        for trade in open_trades(db, user_id)
        if trade.get("accountId")
        and trade.get("instrument")
        and not (by_pair.get((trade["accountId"], trade["instrument"])) or {}).get("expired")
    ]
    expired = expired_keys({str(trade["instrument"]) for trade in trades}, datetime.now(UTC))
    for trade in trades:
        key = expired.get(str(trade["instrument"]))
        if key is None:
            continue
        exchange, underlying, expiry = key
        pair = (trade["accountId"], trade["instrument"])
        doc = by_pair.setdefault(pair, {"_id": trade.get("_id"), "accountId": pair[0], "instrument": pair[1]})
        doc.setdefault("symbol", trade.get("symbol"))
        doc.setdefault("segment", trade.get("segment"))
        doc["expired"] = {"exchange": exchange, "underlying": underlying, "expiry": expiry.isoformat()}
    return list(by_pair.values())


def data_quality(db: Database[Document], user_id: str) -> DataQualityReport:
    """Unmatched exits (by symbol, account, then time), orphaned annotations (by symbol, account)
    and expired contracts (by expiry day, exchange, underlying, symbol, account)."""
    unmatched: list[UnmatchedExitOut] = []
    orphans: list[OrphanedAnnotationOut] = []
    expired: list[ExpiredContractOut] = []
    pairs = 0
    docs: list[Document] = []
    for doc in issues_of(db, user_id):
        if not doc.get("accountId") or not doc.get("instrument"):
            logger.warning("data-quality document without its pair", extra={"id": doc.get("_id")})
            continue
        docs.append(doc)
    unknown: list[UnknownContractOut] = []
    intraday: list[OpenIntradayOut] = []
    for doc in _with_late_expiries(db, user_id, docs):
        found, lost, late = _unmatched(doc), _orphans(doc), _expired(doc, doc.get("expired"))
        unread, stale = _unknown(doc), _open_intraday(doc)
        unknown.extend(unread)
        intraday.extend(stale)
        pairs += bool(found or lost or late or unread or stale)
        unmatched.extend(found)
        orphans.extend(lost)
        expired.extend([late] if late is not None else [])
    unmatched.sort(key=lambda u: (u.symbol, u.account_id, u.instrument, u.executed_at, u.execution_id))
    orphans.sort(key=lambda o: (o.symbol, o.account_id, o.instrument, o.anchor))
    expired.sort(key=lambda e: (e.expiry, e.exchange, e.underlying, e.symbol, e.account_id, e.instrument))
    counts = QualityCounts(
        unmatched_exits=len(unmatched),
        unmatched_units=sum(u.quantity for u in unmatched),
        orphaned_annotations=len(orphans),
        expired_contracts=len(expired),
        unknown_contracts=len(unknown),
        open_intraday=len(intraday),
        instruments=pairs,
    )
    return DataQualityReport(
        unmatched_exits=unmatched,
        orphaned_annotations=orphans,
        expired_contracts=expired,
        unknown_contracts=sorted(unknown, key=lambda u: (u.symbol, u.account_id)),
        open_intraday=sorted(intraday, key=lambda o: (o.opened_at, o.trade_id)),
        counts=counts,
    )


def _unknown(doc: Document) -> list[UnknownContractOut]:
    if not doc.get("unknownContract"):
        return []
    hint = (
        "a derivative symbol the journal cannot read: its expiry is unknown, so it is never closed at expiry"
    )
    return [
        UnknownContractOut(
            account_id=doc["accountId"], instrument=doc["instrument"], symbol=_symbol(doc), resolve=hint
        )
    ]


def _open_intraday(doc: Document) -> list[OpenIntradayOut]:
    hint = "add the broker's square-off fill (its tradebook or contract note has it)"
    return [
        OpenIntradayOut(
            account_id=doc["accountId"],
            instrument=doc["instrument"],
            symbol=_symbol(doc),
            trade_id=entry["tradeId"],
            direction=entry["direction"],
            open_quantity=int(entry["openQuantity"]),
            opened_at=aware(entry["openedAt"]).astimezone(IST),
            resolve=hint,
        )
        for entry in doc.get("openIntraday") or ()
    ]
