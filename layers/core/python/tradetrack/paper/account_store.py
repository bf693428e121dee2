"""Paper accounts' storage: open, read, holds and releases of funds, a fill's settlement (the
balance's compare-and-set through ledger.credit: never a negative `available`), reset and close
(tradetrack.paper.storage: the guards and locks they share). Every update that moves the balance
also increments the account's `version` (the balance's version in the API and the paper_balance
frame: a newer figure has a greater one)."""

from __future__ import annotations

from datetime import datetime

import redis
from pymongo.database import Database

from tradetrack.db.filters import each_id
from tradetrack.paper.ledger import credit
from tradetrack.paper.storage import ACCOUNTS, HOLDINGS, WATERMARKS, Document, next_fill, serial

_SETTLE_TRIES = 20
# The account's open MIS positions' signed quantities by instrument, kept by every fill's settlement
# (so a placement learns whether an MIS order opens, closes or covers from the account it reads,
# without reading the holding); absent on an account opened before they were kept, until its reset.
POSITIONS = "misPositions"


def insert_account(db: Database[Document], doc: Document) -> None:
    db[ACCOUNTS].insert_one({**doc, POSITIONS: {}})


def position_key(exchange: str, symbol: str) -> str:
    """An instrument's key in the account's positions (a symbol's "." is not a field name's)."""
    return f"{exchange}:{symbol}".replace(".", "%2E")


def kept_position(account: Document, exchange: str, symbol: str) -> int | None:
    """The account's MIS position in the instrument as its document keeps it (negative: short);
    None when the account keeps none (opened before they were kept: read the holding)."""
    positions = account.get(POSITIONS)
    return None if positions is None else int(positions.get(position_key(exchange, symbol), 0))


def unkept_positions_version(db: Database[Document], account_id: str) -> tuple[bool, int | None]:
    """(whether the account may start keeping its MIS positions now, its balance version): it keeps
    none yet and no fill is in flight (no watermark left: every fill settled on it was applied to its
    holdings too, so they say what it holds)."""
    doc = db[ACCOUNTS].find_one(
        {"_id": account_id, POSITIONS: {"$exists": False}}, {"version": 1, "fillSeq": 1}
    )
    if doc is None or doc.get("fillSeq") or doc.get("appliedFills"):
        return False, None
    return True, None if doc.get("version") is None else int(doc["version"])


def keep_positions(
    db: Database[Document],
    cache: redis.Redis,
    account_id: str,
    version: int | None,
    positions: dict[str, int],
) -> bool:
    """Start keeping the account's MIS positions (`positions`: position_key → signed quantity, read
    from its holdings after `unkept_positions_version`) where its balance version is still `version`:
    no fill settled since, so none is missing from them."""
    with serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {
                "_id": account_id,
                POSITIONS: {"$exists": False},
                "version": {"$exists": False} if version is None else version,
            },
            {"$set": {POSITIONS: positions}},
        )
    return done.modified_count == 1


def get_account(db: Database[Document], user_id: str, account_id: str) -> Document | None:
    return db[ACCOUNTS].find_one({"_id": account_id, "userId": user_id}, WATERMARKS)


def accounts_by_id(db: Database[Document], account_ids: list[str]) -> list[Document]:
    """The accounts of `account_ids` that exist, any user's (a feed pass's, a batch of events'): one
    lookup by `_id` each (each_id: FerretDB v1 scans for `_id $in` alone)."""
    found = (db[ACCOUNTS].find_one(by_id, WATERMARKS) for by_id in each_id(account_ids))
    return [doc for doc in found if doc is not None]


def accounts_after(db: Database[Document], after: str | None, limit: int) -> list[Document]:
    """Every user's accounts one page at a time in `_id` order (the scheduled full reconciliation)."""
    query: Document = {} if after is None else {"_id": {"$gt": after}}
    return list(db[ACCOUNTS].find(query, WATERMARKS).sort("_id", 1).limit(limit))


def list_accounts(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[ACCOUNTS].find({"userId": user_id}, WATERMARKS).sort("createdAt", 1))


def hold(db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, amount: int) -> bool:
    """Lock `amount` of the open account's available funds; False when it has less."""
    with serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "available": {"$gte": amount}},
            {"$inc": {"available": -amount, "held": amount, "version": 1}},
        )
    return done.modified_count == 1


def release(db: Database[Document], cache: redis.Redis, account_id: str, amount: int) -> bool:
    """Give back `amount` of held funds to available (a pending buy canceled, or a failed placement)."""
    with serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "held": {"$gte": amount}},
            {"$inc": {"available": amount, "held": -amount, "version": 1}},
        )
    return done.modified_count == 1


def settle(
    db: Database[Document],
    cache: redis.Redis,
    account_id: str,
    order_id: str,
    seq: int,
    *,
    held: int,
    available: int,
    position: tuple[str, str, int] | None = None,
) -> bool:
    """Apply fill `seq` of an order to the balance once: held −= `held`, and `available` credited
    through ledger.credit (a credit pays any debit first; a debit beyond the cash left is recorded
    as `debit`, never a negative `available`); an MIS fill's `position` (exchange, symbol, signed
    quantity) moves the account's kept position in the same update. The new figures are set where
    the account still has the figures they came from (compare-and-set: a hold racing without the
    lock retries)."""
    with serial(cache, account_id):
        for _ in range(_SETTLE_TRIES):
            guard = next_fill(db, order_id, seq)
            if guard is None:
                return False
            current = db[ACCOUNTS].find_one(
                {"_id": account_id, **guard}, {"available": 1, "debit": 1, POSITIONS: 1}
            )
            if current is None:  # applied already (or no such account)
                return False
            cash, debit = credit(int(current["available"]), int(current.get("debit", 0)), available)
            was = current.get("debit")
            kept, moved, gone = _moved_position(current, position)
            done = db[ACCOUNTS].update_one(
                {
                    "_id": account_id,
                    **guard,
                    "available": current["available"],
                    "debit": {"$exists": False} if was is None else was,
                    **kept,
                },
                {
                    **gone,
                    "$inc": {"held": -held, "version": 1},
                    "$set": {"available": cash, "debit": debit, f"fillSeq.{order_id}": seq, **moved},
                },
            )
            if done.modified_count == 1:
                return True
    raise RuntimeError(f"paper account {account_id}: fill {order_id}:{seq} not settled after retries")


def _moved_position(
    current: Document, position: tuple[str, str, int] | None
) -> tuple[Document, Document, Document]:
    """A fill's move of the account's kept MIS position: (the guard that the position is still the
    one read, its new quantity to $set, the $unset of a position back at zero)."""
    if position is None:
        return {}, {}, {}
    positions = current.get(POSITIONS)
    if positions is None:  # an account that keeps no positions (opened before they were kept)
        return {POSITIONS: {"$exists": False}}, {}, {}
    exchange, symbol, signed = position
    path = f"{POSITIONS}.{position_key(exchange, symbol)}"
    was = positions.get(position_key(exchange, symbol))
    guard = {path: was} if was is not None else {POSITIONS: {"$exists": True}, path: {"$exists": False}}
    after = int(was or 0) + signed
    return guard, ({path: after} if after else {}), ({} if after else {"$unset": {path: ""}})


def reset_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, now: datetime
) -> bool:
    """Back to the starting balance, when nothing is held (no pending buy)."""
    account = db[ACCOUNTS].find_one({"_id": account_id, "userId": user_id}, {"startingBalance": 1})
    if account is None:
        return False
    with serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "held": 0},
            {
                "$set": {
                    "available": account["startingBalance"],
                    "debit": 0,
                    "fillSeq": {},
                    "resetAt": now,
                    POSITIONS: {},  # its holdings are emptied below
                },
                "$unset": {"appliedFills": ""},
                "$inc": {"resets": 1, "version": 1},
            },
        )
    if done.modified_count:
        db[HOLDINGS].delete_many({"userId": user_id, "accountId": account_id})
    return done.modified_count == 1


def close_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, now: datetime
) -> bool:
    with serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "held": 0},
            {"$set": {"status": "closed", "closedAt": now}},
        )
    return done.modified_count == 1
