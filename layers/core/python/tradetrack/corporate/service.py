"""The logic behind /v1/admin/corporate-actions and /v1/corporate-actions (docs/corporate-actions.md).

An action applies to the fills whose instrument is one of its `keys`: `ISIN:<isin>` when the ISIN
is given (plus the ISIN it has since become), else the symbol's ISIN when instrument_aliases knows
it, and always `EQ:<base symbol>` when a symbol is given (fills that came without an ISIN). Its
`_id` is a digest of (scope, instrument, kind, ex-date), so importing the same file twice stores
nothing new (tradetrack.corporate.keys). Two actions of one scope with the same kind and ex-date
whose keys overlap are the same action, however each was named; a user's action that is the same
as a platform one takes the platform one's instrument, so it replaces it for that user
(tradetrack.corporate.documents, tradetrack.db.corporate_actions).

Every change re-derives, synchronously, the trades of every (account, instrument) pair holding
one of the action's keys (and, for a demerger, the new company's pair in the same accounts): of
every user for a platform action (tradetrack.corporate.admin), of the caller for their own
(tradetrack.corporate.user). This module holds those consequences. A rename with a new ISIN is
applied by tradetrack.corporate.identity.rekey_isin: the old ISIN leads to the new one, stored
fills move to it, and the actions on the old ISIN apply to the new one too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.corporate.identity import rekey_isin
from tradetrack.db.executions import holder_pairs
from tradetrack.observability import logger
from tradetrack.trades import rebuild_ledgers

Document = dict[str, Any]


def _held(doc: Document) -> set[str]:
    """The instrument keys whose holders a change of this action concerns; none for a rename,
    which adjusts no lot (its ISIN change is applied by rekey_isin, which rebuilds its holders)."""
    return set() if doc["kind"] == "rename" else set(doc.get("keys") or ())


def _children(docs: Iterable[Document]) -> dict[str, set[str]]:
    """Parent key → the new companies' keys of the demergers among `docs`."""
    found: dict[str, set[str]] = {}
    for doc in docs:
        if doc["kind"] == "demerger" and doc.get("newIsin"):
            for key in doc.get("keys") or ():
                found.setdefault(key, set()).add(f"ISIN:{doc['newIsin']}")
    return found


def recompute_holders(
    db: Database[Document], cache: redis.Redis, docs: Sequence[Document], *, user_id: str | None = None
) -> int:
    """Re-derive the pairs holding the actions' instruments (of `user_id` only, if given), and each
    demerger's new-company pair in those accounts; returns the number of users recomputed."""
    instruments = sorted({key for doc in docs for key in _held(doc)})
    if not instruments:
        return 0
    children = _children(docs)
    by_user = holder_pairs(db, instruments, user_id=user_id)
    for pairs in by_user.values():
        pairs.update((account, child) for account, key in list(pairs) for child in children.get(key, ()))
    for holder, pairs in sorted(by_user.items()):
        rebuild_ledgers(db, cache, holder, sorted(pairs))
    if by_user:
        logger.info(
            "corporate action applied", extra={"users": len(by_user), "instruments": len(instruments)}
        )
    return len(by_user)


def apply_identity(db: Database[Document], cache: redis.Redis, doc: Document) -> None:
    """A rename to a new ISIN: the old ISIN leads to the new one, every user's stored fills of it
    move there (their pairs rebuilt), and the actions on the old ISIN apply to the new one too."""
    old, new = doc.get("isin"), doc.get("newIsin")
    if doc["kind"] == "rename" and old and new:
        rekey_isin(db, cache, old, new)
