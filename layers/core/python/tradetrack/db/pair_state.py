"""The `pair_state` documents of the per-day aggregates (tradetrack.db.daily_pnl): per (user, account,
instrument), the days the pair has rows on with a digest of its rows that day (`days`), its open
trades (`open`), and a digest of each of its FY sales documents (`fys`, tradetrack.db.fy_sales).

A recomputation reads its pairs' states in one query and writes back only what changed: a pair
whose digests and open trades are as stored is not written, a pair without a state is inserted
(an index lookup even on FerretDB, where an upsert is a query first). The states are written last,
after the rows and the FY documents they describe: a write that failed in between leaves the old
digests, which then differ, so the next recomputation writes again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from tradetrack.db.daily_pnl import BATCH, PAIR_STATE, Pair, pair_id, replace_or_insert
from tradetrack.db.filters import owned_ids

Document = dict[str, Any]


@dataclass(frozen=True)
class PairState:
    """A pair's stored state: `days` {IST day ordinal: digest of its rows}, `open` (its open trades'
    position fields) and `fys` {FY: digest of its fy_sales document}, None when the state was written
    before the digests were kept (its FY documents are then rewritten once)."""

    days: dict[int, int]
    open: list[Document]
    fys: dict[int, int] | None = None


def _unpack(blob: bytes | None) -> dict[int, int]:
    import numpy as np  # on first use, not at the cold start of every handler importing db.trades

    return dict(np.frombuffer(blob, "<i8").reshape(-1, 2).tolist()) if blob else {}


def _pack(pairs: Mapping[int, int]) -> bytes:
    import numpy as np

    return np.array(sorted(pairs.items()), dtype="<i8").reshape(-1, 2).tobytes()


def read(db: Database[Document], user_id: str, pairs: Sequence[Pair]) -> dict[Pair, PairState]:
    """The stored states of these pairs (those that have one), in one query by `_id` beside the user."""
    ids = {pair_id(user_id, pair): pair for pair in pairs}
    if not ids:
        return {}
    found = db[PAIR_STATE].find(owned_ids(user_id, ids), {"days": 1, "open": 1, "fys": 1}).batch_size(BATCH)
    return {
        ids[doc["_id"]]: PairState(
            _unpack(doc.get("days")),
            list(doc.get("open") or ()),
            _unpack(doc["fys"]) if "fys" in doc else None,
        )
        for doc in found
        if doc["_id"] in ids
    }


def write(
    db: Database[Document], user_id: str, states: Mapping[Pair, PairState], before: Mapping[Pair, PairState]
) -> None:
    """Store the pairs' new states where they differ from `before` (what `read` found): a pair with
    no days and no open trade is deleted, one without a stored state inserted, the others replaced."""
    docs: list[Document] = []
    gone: list[str] = []
    for pair, state in sorted(states.items()):
        key = pair_id(user_id, pair)
        if before.get(pair) == state:
            continue
        if not state.days and not state.open:
            if pair in before:
                gone.append(key)
            continue
        doc: Document = {"_id": key, "userId": user_id, "accountId": pair[0], "instrument": pair[1]}
        doc |= {"days": _pack(state.days), "fys": _pack(state.fys or {})}
        docs.append(doc | {"open": state.open, "hasOpen": bool(state.open)})
    stored = {pair_id(user_id, pair) for pair in before}
    replace_or_insert(db[PAIR_STATE], docs, stored, deleted=gone)
