"""Whose an account is, from the modules that own accounts: paper trading's accounts and the
connected broker accounts. The risk routes check it before they read or set an account's limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo.database import Database

from tradetrack.book import is_paper
from tradetrack.db import broker_accounts
from tradetrack.errors import NotFound
from tradetrack.paper.accounts import get_account

if TYPE_CHECKING:  # the type only: whose an account is needs nothing of the risk service
    from tradetrack.risk.service import Owns

Document = dict[str, Any]


def owner_check(db: Database[Document]) -> Owns:
    """Whether an account id is one of the user's paper accounts or connected broker accounts."""

    def owns(user_id: str, account_id: str) -> bool:
        if not is_paper(account_id):
            return broker_accounts.get_account(db, account_id, user_id=user_id) is not None
        try:
            get_account(db, user_id, account_id)
        except NotFound:
            return False
        return True

    return owns
