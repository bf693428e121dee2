"""A pair's data-quality issues as its recomputation finds them (kept in its ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from tradetrack.analytics.fifo import UnmatchedExit

if TYPE_CHECKING:
    from tradetrack.db.ledgers import Ledger

Document = dict[str, Any]


def pair_issues(
    ledger: Ledger,
    unmatched: Sequence[UnmatchedExit],
    orphans: Sequence[str],
    unsettled: tuple[str, str, date] | None = None,
    open_intraday: Sequence[Document] = (),
    unknown_contract: bool = False,
) -> Document:
    """{} when the pair is clean; else its unmatched exits, orphaned annotations, the expiry
    (exchange, underlying, day) of a contract still open past it for want of a settlement price,
    and intraday positions still open after their day (their square-off fill is missing)."""
    issues: Document = {}
    if unknown_contract:  # a derivative symbol the journal cannot read: no expiry, never closed by it
        issues["unknownContract"] = True
    if open_intraday:  # the square-off fill of an MIS position is missing
        issues["openIntraday"] = [
            {
                "tradeId": t["_id"],
                "openedAt": t["openedAt"],
                "openQuantity": t["openQuantity"],
                "direction": t["direction"],
            }
            for t in open_intraday
        ]
    if unsettled is not None:
        exchange, underlying, expiry = unsettled
        issues["expired"] = {"exchange": exchange, "underlying": underlying, "expiry": expiry.isoformat()}
    if unmatched:
        issues["unmatched"] = [
            {
                "executionId": exit_.execution_id,
                "quantity": exit_.quantity,
                "price": exit_.price,
                "executedAt": exit_.executed_at,
            }
            for exit_ in unmatched
        ]
    if orphans:
        issues["orphans"] = [{"anchor": anchor, **ledger.annotations[anchor]} for anchor in orphans]
    return issues
