"""Orphaned annotations (tradetrack.trade_notes): re-attached to a trade the user chooses, or
discarded — the two ways out of the data-quality list; nothing else ever drops one. The anchor's
screenshots (tradetrack.attachments) go with it: to the trade, or deleted with it."""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from tradetrack.attachments import service as attachments
from tradetrack.db import trades
from tradetrack.db.ledgers import Pair, set_annotation
from tradetrack.errors import NotFound
from tradetrack.journal import to_trade_out
from tradetrack.models.trades import TradeOut
from tradetrack.quality.repository import issues_of
from tradetrack.trade_notes import FIELDS, merged
from tradetrack.trades import bump_analytics_version, pair_locks, recompute

Document = dict[str, Any]


def _orphan(db: Database[Document], user_id: str, anchor: str) -> tuple[Pair, Document]:
    """The pair whose ledger keeps the orphan, and its annotation."""
    for doc in issues_of(db, user_id):
        for orphan in doc.get("orphans") or ():
            if orphan.get("anchor") == anchor:
                fields = {key: orphan[key] for key in FIELDS if orphan.get(key)}
                return (doc["accountId"], doc["instrument"]), fields
    raise NotFound("no such orphaned annotation")


def attach_orphan(
    db: Database[Document], cache: redis.Redis, user_id: str, anchor: str, trade_id: str
) -> TradeOut:
    """Merge the orphan into the trade's annotation (its notes after the trade's, tags united,
    strategy and category where the trade has none) and forget the orphan."""
    source, orphan = _orphan(db, user_id, anchor)
    target = trades.get_trade(db, user_id, trade_id)
    if target is None:
        raise NotFound("no such trade")
    with pair_locks(cache, user_id, [source, (target["accountId"], target["instrument"])]):
        set_annotation(db, user_id, source, anchor, None)
        shown = merged([{key: target.get(key) for key in FIELDS}, orphan])
        updated = trades.set_annotations(db, user_id, trade_id, shown)
        if updated is not None:
            attachments.move_anchor(db, user_id, anchor, trade_id)
    recompute(db, cache, user_id, [source], facts=())
    bump_analytics_version(cache, user_id)
    if updated is None:
        raise NotFound("no such trade")
    return to_trade_out(updated)


def discard_orphan(db: Database[Document], cache: redis.Redis, user_id: str, anchor: str) -> None:
    source, _ = _orphan(db, user_id, anchor)
    attachments.discard_anchor(db, attachments.default_storage(), user_id, anchor)  # first: S3 may fail
    with pair_locks(cache, user_id, [source]):
        set_annotation(db, user_id, source, anchor, None)
    recompute(db, cache, user_id, [source], facts=())
