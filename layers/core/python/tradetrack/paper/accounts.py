"""Paper accounts: open, read, reset, close, and the portfolio (balance and holdings)."""

from __future__ import annotations

import uuid

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, NotFound, SemanticError
from tradetrack.market.cache import marked_quotes
from tradetrack.market.symbols import quote_symbol
from tradetrack.money import money_str, to_scaled
from tradetrack.paper import account_store, holding_store, order_store
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.models import AccountIn, AccountOut, Portfolio
from tradetrack.paper.views import account_out, balance_of, balance_version


def open_account(
    db: Database[Document], user_id: str, body: AccountIn, *, now: Clock = utc_now
) -> AccountOut:
    start = to_scaled(body.amount)
    if start <= 0:
        raise SemanticError(
            "startingBalance must be more than zero",
            details=[{"field": "startingBalance", "issue": "not_positive"}],
        )
    doc: Document = {
        "_id": f"pa_{uuid.uuid4().hex[:20]}",
        "userId": user_id,
        "name": body.name,
        "status": "open",
        "startingBalance": start,
        "available": start,
        "held": 0,
        "debit": 0,
        "resets": 0,
        "fillSeq": {},
        "createdAt": now(),
    }
    account_store.insert_account(db, doc)
    return account_out(doc)


def account_doc(db: Database[Document], user_id: str, account_id: str) -> Document:
    doc = account_store.get_account(db, user_id, account_id)
    if doc is None:
        raise NotFound("no such paper account")
    return doc


def get_account(db: Database[Document], user_id: str, account_id: str) -> AccountOut:
    return account_out(account_doc(db, user_id, account_id))


def list_accounts(db: Database[Document], user_id: str) -> list[AccountOut]:
    return [account_out(doc) for doc in account_store.list_accounts(db, user_id)]


def _no_pending(db: Database[Document], user_id: str, account_id: str, what: str) -> None:
    if order_store.has_pending(db, user_id, account_id):
        raise Conflict(
            f"cancel the account's pending orders before you {what} it",
            details=[{"field": "accountId", "issue": "pending_orders"}],
        )


def reset_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, *, now: Clock = utc_now
) -> AccountOut:
    """Back to the starting balance with no holdings (its journal executions stay)."""
    account = account_doc(db, user_id, account_id)
    if account["status"] != "open":
        raise Conflict("the paper account is closed", details=[{"field": "accountId", "issue": "closed"}])
    _no_pending(db, user_id, account_id, "reset")
    if not account_store.reset_account(db, cache, user_id, account_id, now()):
        raise Conflict("the paper account changed meanwhile: try again")
    return get_account(db, user_id, account_id)


def close_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, *, now: Clock = utc_now
) -> AccountOut:
    account = account_doc(db, user_id, account_id)
    if account["status"] == "closed":
        return account_out(account)
    _no_pending(db, user_id, account_id, "close")
    if not account_store.close_account(db, cache, user_id, account_id, now()):
        raise Conflict("the paper account changed meanwhile: try again")
    return get_account(db, user_id, account_id)


def portfolio(db: Database[Document], cache: redis.Redis, user_id: str, account_id: str) -> Portfolio:
    account = account_doc(db, user_id, account_id)
    holdings = holding_store.holdings_of(db, user_id, account_id)
    symbols = [quote_symbol(h["exchange"], h["symbol"]) for h in holdings]
    marks = marked_quotes(cache, symbols)
    return Portfolio.model_validate(
        {
            "accountId": account_id,
            "balance": balance_of(account).to_json(),
            "balanceVersion": balance_version(account),
            "holdings": [
                {
                    "symbol": h["symbol"],
                    "exchange": h["exchange"],
                    "product": h.get("product", "CNC"),
                    "quantity": h["quantity"],
                    "free": h["free"],
                    "lastPrice": money_str(to_scaled(m.quote.ltp)) if (m := marks.get(s)) else None,
                }
                for h, s in zip(holdings, symbols, strict=True)
            ],
        }
    )
