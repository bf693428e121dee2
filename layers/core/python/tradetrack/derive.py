"""Execution documents of one (account, instrument) → trade documents and data-quality facts.

The pure half of recomputation (tradetrack.trades does the reading, locking and writing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tradetrack.analytics.adjustments import Adjustment, SpawnedLot
from tradetrack.analytics.categories import DEFAULT_SWING_DAYS, FNO_SEGMENTS, categorize, holding_days
from tradetrack.analytics.fifo import Fill, Trade, UnmatchedExit, match
from tradetrack.analytics.trade_charges import trade_charges
from tradetrack.book import is_paper
from tradetrack.collector import collector_paused
from tradetrack.instruments.keys import display_symbol
from tradetrack.money import rounded_average
from tradetrack.timeutil import ist_date

Document = dict[str, Any]
_DIGITS = re.compile(r"\d+")
OPENING_SOURCE = "opening"  # an opening lot, stored as an execution of this source
CORPORATE_SOURCE = "corporate"  # a lot a corporate action created (never stored as an execution)
_OPENING_SOURCES = frozenset({OPENING_SOURCE, CORPORATE_SOURCE})


def to_fill(doc: Document) -> Fill:
    # Positional, in Fill's field order: this runs for every fill of every recomputation.
    executed = doc["executedAt"]
    fees = int(doc["fees"])
    given = doc.get("feesGiven")
    cost = doc.get("cost")
    return Fill(
        doc["_id"],
        doc["side"],
        int(doc["quantity"]),
        int(doc["price"]) * int(doc.get("multiplier") or 1),  # the value of one unit of quantity
        fees,
        executed if executed.tzinfo else executed.replace(tzinfo=UTC),
        doc.get("product"),
        natural_key(f"{doc['source']}:{doc['externalId']}"),
        # Documents from before `feesGiven` existed: fees of 0 meant "none given".
        bool(given) if given is not None else fees > 0,
        doc.get("source") in _OPENING_SOURCES,
        bool(doc.get("snapshot")),
        None if cost is None else int(cost),
        int(doc.get("longTerm") or 0),
    )


def natural_key(text: str) -> str:
    """Digit runs compared as numbers: fills of one instant are ordered by the exchange's trade id
    (a tradebook's same-second fills, FIFO-ordered as the broker's own tax P&L orders them)."""
    head, _, tail = text.rpartition(":")
    if tail.isdigit():  # the usual shape, `source:EXCHANGE:date:trade id`: no regex needed
        return f"{head}:{tail.zfill(24)}"
    return _DIGITS.sub(lambda found: found.group().zfill(24), text)


def _avg(value: int, quantity: int) -> int | None:
    return rounded_average(value, quantity) if quantity else None


def _latest(docs: Iterable[Document]) -> tuple[Any, Any]:
    """The symbol and the ISIN of the latest execution that has one (a renamed symbol shows its
    new name)."""
    symbol = isin = None
    symbol_at = isin_at = None
    for doc in docs:
        at = (doc["executedAt"], doc["_id"])
        if doc.get("symbol") and (symbol_at is None or at > symbol_at):
            symbol, symbol_at = doc["symbol"], at
        if doc.get("isin") and (isin_at is None or at > isin_at):
            isin, isin_at = doc["isin"], at
    return symbol, isin


def trade_document(
    trade: Trade,
    sample: Document,
    *,
    as_of: datetime,
    swing_days: int = DEFAULT_SWING_DAYS,
    symbol: str | None = None,
    isin: str | None = None,
) -> Document:
    """The stored form of a derived trade (`sample` is one of its executions, for the instrument)."""
    multiplier = int(sample.get("multiplier") or 1)
    doc: Document = {
        "_id": trade.trade_id,
        "userId": sample["userId"],
        "accountId": sample["accountId"],
        "instrument": sample["instrument"],
        "symbol": symbol or sample["symbol"],
        "isin": isin if isin is not None else sample.get("isin"),
        "exchange": sample["exchange"],
        "segment": sample["segment"],
        "isFno": sample["segment"] in FNO_SEGMENTS,
        "book": trade.book,
        "direction": trade.direction,
        "status": "open" if trade.is_open else "closed",
        "autoCategory": categorize(trade, as_of=as_of, swing_days=swing_days),
        "openedAt": trade.opened_at,
        "closedAt": trade.closed_at,
        "quantity": trade.quantity,
        "openQuantity": trade.open_quantity,
        "openCost": trade.open_cost,
        # Prices per unit: a lot of `multiplier` units is worth price × multiplier (MCX, CDS)
        "avgEntry": _avg(trade.entry_value, trade.quantity * multiplier),
        "avgExit": _avg(trade.exit_value, trade.exit_quantity * multiplier),
        "multiplier": multiplier,
        "entryValue": trade.entry_value,  # exact turnover of each side: the charges schedule's base
        "exitValue": trade.exit_value,
        "exitQuantity": trade.exit_quantity,
        "lastPrice": None,
        "realizedPnl": trade.realized_pnl,
        "realizations": [r.document() for r in trade.realizations],
        "holdingDays": holding_days(trade, as_of),
        "executionIds": trade.execution_ids,
        "products": sorted(trade.products),
        "computedAt": as_of,
    }
    charges, estimated = trade_charges(doc, fees_given=trade.fees_given, fees=trade.charges)
    doc |= {"charges": charges, "chargesEstimated": estimated, "netPnl": trade.realized_pnl - charges}
    if is_paper(doc["accountId"]):
        doc["paper"] = True  # out of real totals and lists (tradetrack.book, db.trades.REAL_BOOK)
    return doc


@dataclass
class Derived:
    trades: list[Document] = field(default_factory=list)
    unmatched: list[UnmatchedExit] = field(default_factory=list)
    spawned: dict[str, list[SpawnedLot]] = field(default_factory=dict)  # by action id


def derive(docs: Sequence[Document], *, as_of: datetime, adjustments: Sequence[Adjustment] = ()) -> Derived:
    with collector_paused():  # derivation: about a third of the time on a 100k-fill history otherwise
        return _derive(docs, as_of=as_of, adjustments=adjustments)


def _derive(docs: Sequence[Document], *, as_of: datetime, adjustments: Sequence[Adjustment] = ()) -> Derived:
    """The trade documents of one (account, instrument) from all of its executions.

    lastPrice is the price of the pair's last fill for a current position (the mark when there is
    no quote: an open delivery trade, or an intraday one of the last fill's day) and of the trade's
    own last fill otherwise, so that a closed trade, or an intraday position left open on an
    earlier day (a data-quality issue), stays unchanged when later fills arrive: a recomputation
    rewrites only what the new fills change."""
    if not docs:
        return Derived()
    fills = {doc["_id"]: to_fill(doc) for doc in docs}
    real = [fill for fill in fills.values() if not fill.opening]
    multiplier = max(int(doc.get("multiplier") or 1) for doc in docs)
    last_fill = max(real or fills.values(), key=lambda f: (f.executed_at, f.execution_id))
    pair_last, last_day = last_fill.price // multiplier, ist_date(last_fill.executed_at)
    latest_symbol, isin = _latest(docs)
    symbol = display_symbol(str(latest_symbol or docs[0]["symbol"]), docs[0]["segment"])
    matched = match(fills.values(), equity=docs[0]["segment"] == "EQ", adjustments=adjustments)

    def current(trade: Trade) -> bool:
        return trade.is_open and (trade.book == "delivery" or ist_date(trade.opened_at) == last_day)

    trades = [
        trade_document(trade, docs[0] | {"multiplier": multiplier}, as_of=as_of, symbol=symbol, isin=isin)
        | {"lastPrice": pair_last if current(trade) else _last_price(_own(fills, trade)) // multiplier}
        for trade in matched.trades
    ]
    return Derived(trades=trades, unmatched=matched.unmatched, spawned=matched.spawned)


def derive_trades(
    docs: Sequence[Document], *, as_of: datetime, adjustments: Sequence[Adjustment] = ()
) -> list[Document]:
    return derive(docs, as_of=as_of, adjustments=adjustments).trades


def _own(fills: dict[str, Fill], trade: Trade) -> list[Fill]:
    return [fills[e] for e in trade.execution_ids if e in fills]


def _last_price(fills: Iterable[Fill]) -> int:
    return max(fills, key=lambda f: (f.executed_at, f.execution_id)).price


def spawned_documents(
    sample: Document, action: Document, lots: Sequence[SpawnedLot], *, account_id: str
) -> list[Document]:
    """The lots a demerger gave the new company, as the executions derive() reads: opening lots
    of the new instrument with their exact cost and the parent lots' acquisition dates."""
    isin = action["newIsin"]
    return [
        {
            "_id": f"ca_{action['_id']}_{n}",
            "userId": sample["userId"],
            "accountId": account_id,
            "instrument": f"ISIN:{isin}",
            "symbol": action.get("newSymbol") or isin,
            "isin": isin,
            "exchange": sample["exchange"],
            "segment": "EQ",
            "side": "BUY",
            "quantity": lot.quantity,
            "price": lot.cost // lot.quantity,
            "cost": lot.cost,
            "fees": 0,
            "feesGiven": True,
            "executedAt": lot.acquired_at,
            "product": "CNC",
            "source": CORPORATE_SOURCE,
            "externalId": f"{action['_id']}:{n}",
        }
        for n, lot in enumerate(lots)
    ]
