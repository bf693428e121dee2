"""A financial year's sales as compact rows: what the tax P&L needs of a pair's trades, kept with the
per-day aggregates (analytics/daily.py) so that a FY's tax report reads a document per pair instead
of every trade that can have a sale in the FY (storage: tradetrack.db.fy_sales; docs/reports.md).

A (pair, FY) document holds `trades`, the trades with a sale in the FY as columns (a list per
field of TRADE_COLUMNS, what tax.py and a tax P&L row read of a trade; columns, because FerretDB v1
stores no nested arrays), and `sales`, the realizations
(analytics/realized.py) sold in the FY (by IST date) packed as int64 rows SALE_COLUMNS: instants
as milliseconds since the epoch (BSON's precision, truncated as BSON truncates), money scaled 10^4,
the closing fill as its ordinal among its trade's fills (all the tax P&L uses it for is to tell a
trade's fills apart, for turnover). `sales_of` gives back Realized objects equal in every field the
tax P&L reads, so tax_payload over them equals tax_payload over the trades' realizations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from pymongo.database import Database

from tradetrack.analytics.realized import Realized, realizations_of
from tradetrack.analytics.tax import fy_of
from tradetrack.analytics.trade_charges import ist
from tradetrack.book import is_paper
from tradetrack.db import daily_pnl
from tradetrack.db import fy_sales as store
from tradetrack.db.pair_state import PairState
from tradetrack.queries import aware

Document = dict[str, Any]
Pair = tuple[str, str]
TRADE_COLUMNS = ("_id", "symbol", "exchange", "isin", "isFno", "direction")
SALE_COLUMNS = (
    "trade", "at", "acquiredAt", "quantity", "entryValue", "exitValue", "pnl", "charges", "intraday", "exit",
)  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The most sales a (pair, FY) document holds: 80 bytes a sale and under 200 a trade keep it below
# 10 MB (MongoDB's limit is 16 MB). A pair's FY with more is stored as `overflow` (no rows), and the
# FY's readers read the trades instead.
MAX_SALES = 40_000


def _ms(moment: datetime) -> int:
    since = aware(moment) - EPOCH
    return (since.days * 86_400 + since.seconds) * 1000 + since.microseconds // 1000


def pair_fys(trades: Iterable[Document]) -> dict[int, Document]:
    """One pair's FY documents (`trades`, `sales`) by FY, from all of the pair's trades (a paper
    account's: none)."""
    found: dict[int, tuple[dict[str, list[Any]], dict[str, int], list[list[int]]]] = {}
    for doc in trades:
        if is_paper(doc.get("accountId")) or doc.get("paper"):
            continue
        exits: dict[str, int] = {}
        for sale in realizations_of(doc):
            columns, index, rows = found.setdefault(
                fy_of(ist(sale.at).date()), ({key: [] for key in TRADE_COLUMNS}, {}, [])
            )
            trade_id = str(doc["_id"])
            if trade_id not in index:
                index[trade_id] = len(index)
                for key in TRADE_COLUMNS:
                    columns[key].append(doc.get(key))
            rows.append(
                [
                    index[trade_id], _ms(sale.at), _ms(sale.acquired_at), sale.quantity, sale.entry_value,
                    sale.exit_value, sale.pnl, sale.charges, int(sale.intraday),
                    exits.setdefault(sale.exit_id, len(exits)),
                ]
            )  # fmt: skip
    return {fy: _packed(columns, rows) for fy, (columns, _, rows) in found.items()}


def _packed(columns: dict[str, list[Any]], rows: list[list[int]]) -> Document:
    if len(rows) > MAX_SALES:
        return {"overflow": True}
    return {"trades": columns, "sales": np.array(rows, dtype="<i8").reshape(-1, len(SALE_COLUMNS)).tobytes()}


def digest(payload: Document) -> int:
    """A 64-bit digest of a (pair, FY) document's content (`trades` and `sales`, or `overflow`)."""
    text = repr(sorted(payload.items())).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little", signed=True)


def replace_pairs(
    db: Database[Document],
    user_id: str,
    trades_by_pair: Mapping[Pair, Sequence[Document]],
    before: Mapping[Pair, PairState],
    *,
    empty: bool = False,
) -> dict[Pair, dict[int, int]]:
    """Store these pairs' FY documents (each pair with every trade it now has) whose content differs
    from what `before` (the pairs' stored states, tradetrack.db.pair_state) records, and delete the
    FYs a pair has no sale in any more; the FY digests of each pair, for its new state. A state
    without FY digests (written before they were kept) has its FYs found from its days and all of
    its FY documents written. The caller holds the user's aggregates lock."""
    fresh: dict[tuple[Pair, int], Document] = {}
    known: set[tuple[Pair, int]] = set()  # stored documents: replaced (the others are inserted)
    gone: list[tuple[Pair, int]] = []
    digests: dict[Pair, dict[int, int]] = {}
    for pair, trades in trades_by_pair.items():
        docs = pair_fys(trades)
        now = digests[pair] = {fy: digest(doc) for fy, doc in docs.items()}
        state = before.get(pair)
        was: dict[int, int | None] = {}  # no state: no FY document either (a sale is on a day)
        if state is not None and state.fys is None:  # content unknown: every FY written, upserted
            was = dict.fromkeys({fy_of(date.fromordinal(day)) for day in state.days} | set(docs))
        elif state is not None and state.fys is not None:
            was = dict(state.fys)
        known |= {(pair, fy) for fy in was}
        fresh |= {(pair, fy): doc for fy, doc in docs.items() if was.get(fy) != now[fy]}
        gone += [(pair, fy) for fy in was if fy not in docs]
    store.write(db, user_id, fresh, gone, stored=known, empty=empty)
    return digests


def sales_of(docs: Iterable[Document]) -> list[Realized]:
    """The sales of these FY documents as realizations (their `doc`: the trade's TRADE_COLUMNS)."""
    sales: list[Realized] = []
    for stored in docs:
        columns = stored["trades"]
        trades = [
            dict(zip(TRADE_COLUMNS, values, strict=True))
            for values in zip(*(columns[key] for key in TRADE_COLUMNS), strict=True)
        ]
        table = np.frombuffer(stored["sales"], dtype="<i8").reshape(-1, len(SALE_COLUMNS)).tolist()
        for trade, at, acquired, quantity, entry, exit_value, pnl, charges, intraday, exit_no in table:
            doc = trades[trade]
            sales.append(
                Realized(
                    doc, EPOCH + timedelta(milliseconds=at), EPOCH + timedelta(milliseconds=acquired),
                    quantity, entry, exit_value, pnl, charges, False, bool(intraday),
                    f"{doc['_id']}:{exit_no}", closes=False,
                )
            )  # fmt: skip
    return sales


def fy_sales(db: Database[Document], user_id: str, fy: int) -> list[Realized] | None:
    """The real accounts' sales in FY `fy` from the read model (one query), or None when the user's
    read models are not built at the current version (the caller reads the trades instead)."""
    if not daily_pnl.is_built(db, user_id):
        return None
    docs = store.of_fy(db, user_id, fy)
    if any(doc.get("overflow") for doc in docs):  # a pair's FY too large for a document
        return None
    return sales_of(docs)
