"""An ISIN that changed (a rename, a face-value split under a new ISIN): one instrument again.

New fills are keyed by the current ISIN at ingestion (tradetrack.db.instrument_aliases); fills
stored before the change was known are moved here: their instrument becomes the new ISIN's (the
fill itself, its `isin` as the broker reported it, is not changed) and both pairs of every user
holding them are rebuilt.
"""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db.corporate_actions import follow_isin
from tradetrack.db.executions import holders_of, rekey_instrument
from tradetrack.db.instrument_aliases import link_isin
from tradetrack.trades import rebuild_ledgers

Document = dict[str, Any]


def rekey_isin(db: Database[Document], cache: redis.Redis, old_isin: str, new_isin: str) -> int:
    """Record `old_isin` → `new_isin` and move every user's fills of the old one; the number moved."""
    link_isin(db, old_isin, new_isin)
    follow_isin(db, old_isin, new_isin)
    old_key, new_key = f"ISIN:{old_isin}", f"ISIN:{new_isin}"
    if old_key == new_key:
        return 0
    holders = holders_of(db, old_key)
    if not holders:
        return 0
    moved = rekey_instrument(db, old_key, new_key)
    for user_id, accounts in holders.items():
        rebuild_ledgers(
            db, cache, user_id, [(account, key) for account in accounts for key in (old_key, new_key)]
        )
    return moved
