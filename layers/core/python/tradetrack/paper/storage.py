"""Paper trading's storage, shared by its three stores (`account_store`, `order_store`,
`holding_store`: the only modules naming paper's collections; indexes: tradetrack.db.indexes).

Every change of money or quantity is one conditional single-document update: a hold `$inc`s
available down and held up only while `available >= amount`; an order moves between states only
from the state it is in (a fill only from its previous fill sequence); a fill is applied to the
account and to the holding only when the document's watermark for that order (`fillSeq.<orderId>`)
is the fill's predecessor, so fills apply once and in order, and replaying one changes nothing.
A settled order (final, every fill applied) gives its watermarks up (`order_store.retire`), so the
documents stay bounded; its replays are refused by the order's `settled` flag, read under the same
lock. Each such write holds the document's Redis lock (`serial`: FerretDB v1's updates are not
atomic).
"""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from tradetrack.cache.locks import redis_lock

Document = dict[str, Any]
ACCOUNTS = "paper_accounts"
ORDERS = "paper_orders"
HOLDINGS = "paper_holdings"
_LOCK = "paper:lock:{}"  # one document's writes, one at a time
LOCK_TTL_MS = 5_000
WATERMARKS = {"appliedFills": 0, "fillSeq": 0}  # left out of reads: only the guards need them


def serial(cache: redis.Redis, doc_id: str) -> Any:
    """Writes to one document one at a time. MongoDB applies each conditional update atomically
    without it; FerretDB v1 (the local and test store) reads and writes a document in two steps,
    so two guarded `$inc`s can both pass their guard there: the lock closes that gap."""
    return redis_lock(cache, _LOCK.format(doc_id), ttl_ms=LOCK_TTL_MS, wait_s=LOCK_TTL_MS / 1000)


def next_fill(db: Database[Document], order_id: str, seq: int) -> Document | None:
    """The guard of fill `seq` of an order on a document: its watermark is the fill before; None
    when the first fill of an order already settled (its watermark was given up: a replay)."""
    if seq > 1:
        return {f"fillSeq.{order_id}": seq - 1}
    settled = db[ORDERS].find_one({"_id": order_id}, {"settled": 1})
    if settled is not None and settled.get("settled"):
        return None
    return {f"fillSeq.{order_id}": {"$exists": False}}
