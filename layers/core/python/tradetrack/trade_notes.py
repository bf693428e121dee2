"""The user's annotations of trades (notes, tags, strategy, category override), kept by anchor.

A trade is named after the execution that opened it, so recomputation can restructure round trips
under an annotation: an earlier fill makes the annotated trade part of a longer one, a deleted fill
splits it again. An annotation therefore belongs to an *anchor*: the id of the trade it was made
on, which names the execution that opened that trade. After every recomputation each anchor's
annotation goes to:
1. the trade that still has the anchor's id; else
2. the trade that now holds the anchor's opening execution (it moves with the restructure);
3. else it is *orphaned* (its execution is gone): kept, listed by GET /v1/data-quality, and
   re-attached by the user — never dropped.
Anchors are kept as they are, so a restructure that is undone brings each annotation back to its
own trade. When several anchors land in one trade, the trade shows them merged: the trade's own
anchor first, then by the trade's executions; notes joined, tags united, the first strategy and
category override.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Document = dict[str, Any]
FIELDS = ("notes", "tags", "strategy", "categoryOverride")
EMPTY: Document = {"notes": "", "tags": [], "strategy": None, "categoryOverride": None}


def anchor_execution(anchor: str) -> str:
    """The execution that opened the anchor's trade (`trd_x`, `trd_x_i` → `exe_x`)."""
    return "exe_" + anchor.removeprefix("trd_").removesuffix("_i")


def meaningful(fields: Mapping[str, Any]) -> Document:
    """The annotation fields that say something (an empty note is no annotation)."""
    return {key: fields[key] for key in FIELDS if fields.get(key)}


def placed(
    annotations: Mapping[str, Document], trades: Sequence[Document]
) -> tuple[dict[str, list[str]], list[str]]:
    """({trade id: anchors, own first}, orphaned anchors)."""
    ids = {doc["_id"] for doc in trades}
    holder = {execution: doc["_id"] for doc in trades for execution in doc["executionIds"]}
    order = {doc["_id"]: {e: i for i, e in enumerate(doc["executionIds"])} for doc in trades}
    by_trade: dict[str, list[str]] = {}
    orphans: list[str] = []
    for anchor in sorted(annotations):
        target = anchor if anchor in ids else holder.get(anchor_execution(anchor))
        if target is None:
            orphans.append(anchor)
        else:
            by_trade.setdefault(target, []).append(anchor)
    for trade_id, anchors in by_trade.items():
        anchors.sort(key=lambda a: (a != trade_id, order[trade_id].get(anchor_execution(a), 0), a))
    return by_trade, orphans


def merged(parts: Sequence[Document]) -> Document:
    """The annotation a trade shows for its anchors' annotations (in order)."""
    notes = [part["notes"] for part in parts if part.get("notes")]
    tags: list[str] = []
    for part in parts:
        tags.extend(tag for tag in part.get("tags") or () if tag not in tags)
    return {
        "notes": "\n\n".join(dict.fromkeys(notes)),
        "tags": tags,
        "strategy": next((part["strategy"] for part in parts if part.get("strategy")), None),
        "categoryOverride": next((p["categoryOverride"] for p in parts if p.get("categoryOverride")), None),
    }


def annotate(
    annotations: Mapping[str, Document], trades: Sequence[Document]
) -> tuple[list[Document], list[str]]:
    """The trades with their annotation fields and category; and the orphaned anchors."""
    by_trade, orphans = placed(annotations, trades)
    out = []
    for doc in trades:
        anchors = by_trade.get(doc["_id"], [])
        fields = merged([annotations[a] for a in anchors])
        out.append(
            doc | fields | {"anchors": anchors, "category": fields["categoryOverride"] or doc["autoCategory"]}
        )
    return out, orphans


def of_stored_trades(stored: Mapping[str, Document]) -> dict[str, Document]:
    """Anchors from stored trades (the scan path, when the ledger cannot be trusted)."""
    found = {trade_id: meaningful(doc) for trade_id, doc in stored.items()}
    return {trade_id: fields for trade_id, fields in found.items() if fields}
