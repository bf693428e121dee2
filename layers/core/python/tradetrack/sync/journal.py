"""The journal's side of reconciliation: open quantity per instrument of one account.

Read from the per-instrument ledgers by `_id` (one `$in` lookup for all of them, pushed down to
storage even on FerretDB), not by querying trades: the sync worker runs for every account every
five minutes.
A pair whose ledger cannot say (overflowing) is read from its open trades instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.database import Database

from tradetrack.db.ledgers import read_ledgers
from tradetrack.db.trades import TRADES

Document = dict[str, Any]


def _from_trades(db: Database[Document], user_id: str, account_id: str, instrument: str) -> int:
    query = {"userId": user_id, "accountId": account_id, "instrument": instrument, "status": "open"}
    return sum(
        int(t["openQuantity"]) * (1 if t["direction"] == "LONG" else -1)
        for t in db[TRADES].find(query, {"openQuantity": 1, "direction": 1})
    )


def open_quantities(
    db: Database[Document], user_id: str, account_id: str, instruments: Sequence[str]
) -> dict[str, int]:
    """Signed open quantity (bought minus sold) of each instrument; 0 where the journal has none."""
    found: dict[str, int] = {}
    ledgers = read_ledgers(db, user_id, [(account_id, instrument) for instrument in instruments])
    for instrument in instruments:
        ledger = ledgers.get((account_id, instrument))
        if ledger is None:
            found[instrument] = 0
            continue
        held = ledger.open_quantity
        found[instrument] = held if held is not None else _from_trades(db, user_id, account_id, instrument)
    return found
