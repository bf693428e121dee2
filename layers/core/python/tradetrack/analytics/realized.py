"""P&L when it is realized: a trade document's realizations (one per closing fill × consumed lot),
each with its share of the trade's charges. The summary, the time series and the tax report count
P&L per realization, on the IST day of its `at`, whether or not the trade is closed yet.

Charges are assigned in proportion to realized units: after the realizations up to k, covering
u_k of the trade's U units, the trade's charges C have contributed floor(C × u_k / U), so each
realization's share is the difference of consecutive floors. U is the units realized for a closed
trade — its shares then add up to C exactly, so Σ over realizations equals the trade's
charges and its netPnl — and the units opened so far for an open trade, whose unsold units hold
their part back until they are sold. (The alternative, everything on the last sale's day, would
leave a partial sale of an open trade without any charges.)

Documents without `realizations` (older ones) have one realization: the whole trade at `closedAt`
(none while open), as before realizations existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradetrack.analytics.trade_charges import effective_charges, is_intraday, side_values
from tradetrack.queries import aware

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Realized:
    doc: Document  # the trade
    at: datetime  # UTC: when the units were sold (bought back, for a short)
    acquired_at: datetime  # UTC: when the consumed lot was acquired (or the short opened)
    quantity: int
    entry_value: int  # the consumed lot's cost of these units (scaled)
    exit_value: int  # closing price × units (scaled)
    pnl: int  # gross, signed
    charges: int  # this realization's share of the trade's charges
    estimated: bool  # the trade's charges are the schedule's estimate
    intraday: bool
    exit_id: str  # the closing fill (a stand-in for older documents)
    closes: bool  # the last realization of a closed trade


def is_closed(doc: Document) -> bool:
    return doc.get("closedAt") is not None and doc.get("status") != "open"


def charge_shares(total: int, units: list[int], whole: int) -> list[int]:
    """`total` split over parts of `units` (of `whole` units) by consecutive floors of the
    cumulative share; the shares add up to `total` when the units add up to `whole`."""
    shares: list[int] = []
    done = before = 0
    for part in units:
        done += part
        upto = total if done >= whole else total * done // whole
        shares.append(upto - before)
        before = upto
    return shares


def realizations_of(doc: Document, charges: tuple[int, bool] | None = None) -> list[Realized]:
    """The trade's realizations in order, with their charge shares (`charges`: the trade's
    (charges, estimated) when already known, else `effective_charges`)."""
    total, estimated = charges if charges is not None else effective_charges(doc)
    closed = is_closed(doc)
    parts = doc.get("realizations")
    if parts is None:
        if not closed:
            return []
        entry, exit_ = side_values(doc)
        whole = Realized(
            doc, aware(doc["closedAt"]), aware(doc["openedAt"]), int(doc.get("quantity") or 0),
            entry, exit_, int(doc["realizedPnl"]), total, estimated, is_intraday(doc),
            f"{doc.get('_id')}:close", closes=True,
        )  # fmt: skip
        return [whole]
    units = [int(part["quantity"]) for part in parts]
    realized_units = sum(units)
    opened_units = max(int(doc.get("quantity") or 0), realized_units)
    shares = charge_shares(total, units, realized_units if closed else opened_units)
    last = len(parts) - 1
    return [
        Realized(
            doc=doc,
            at=aware(part["at"]),
            acquired_at=aware(part["acquiredAt"]),
            quantity=units[i],
            entry_value=int(part["entryValue"]),
            exit_value=int(part["exitValue"]),
            pnl=int(part["pnl"]),
            charges=shares[i],
            estimated=estimated,
            intraday=bool(part.get("intraday")),
            exit_id=str(part.get("exitExecutionId") or f"{doc.get('_id')}:{i}"),
            closes=closed and i == last,
        )
        for i, part in enumerate(parts)
    ]
