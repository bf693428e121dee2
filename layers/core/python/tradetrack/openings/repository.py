"""Opening lots where they live: executions of source "opening" (tradetrack.db.executions).

Every query is tradetrack.db.executions' (the one module naming the collection): reads and writes
by `_id` wherever one is known (the only filter FerretDB v1 pushes down); the list uses the
executions' (userId, source, executedAt) index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db.executions import (
    delete_executions,
    executions_by_id,
    find_executions,
    get_execution,
    latest_symbol_of_isin,
)

Document = dict[str, Any]
OPENING = "opening"


def get_lot(db: Database[Document], user_id: str, lot_id: str) -> Document | None:
    """The user's opening lot; None for another user's, another source's or no execution."""
    doc = get_execution(db, user_id, lot_id)
    return doc if doc is not None and doc.get("source") == OPENING else None


def find_lots(
    db: Database[Document], user_id: str, filters: Document, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """Latest acquisition first, keyset-paged like the executions list."""
    return find_executions(db, user_id, {**filters, "source": OPENING}, limit=limit, after=after)


def lots_by_id(db: Database[Document], ids: Sequence[str]) -> dict[str, Document]:
    """The executions with these `_id`s by `_id` (the caller checks their owner and source)."""
    return executions_by_id(db, ids)


def delete_lots(db: Database[Document], ids: Sequence[str]) -> None:
    """Delete these lots by `_id` (the caller read them and checked their owner and source)."""
    delete_executions(db, ids, source=OPENING)


def symbol_of_isin(db: Database[Document], user_id: str, isin: str) -> str | None:
    """The symbol the user's latest fill of this ISIN carries, if any."""
    return latest_symbol_of_isin(db, user_id, isin)
