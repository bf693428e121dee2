"""Real and paper books (issue #19, docs/paper.md).

A paper account's fills are journal executions like any other (source "paper", the account's id,
which starts with PAPER_ACCOUNT_PREFIX), so its trades, positions and analytics exist; but they are
never counted in the trader's real totals (analytics, tax P&L, positions, portfolio, trade lists,
daily summaries, reports) unless asked: a read names the paper account (`accountId=pa_…`), or asks
for both books (`includePaper=true`). A derived trade of a paper account carries `paper: true`, so
lists can leave it out in the query (tradetrack.db.trades.REAL_BOOK).
"""

from __future__ import annotations

from tradetrack.errors import SemanticError

PAPER_ACCOUNT_PREFIX = "pa_"


def is_paper(account_id: object) -> bool:
    """Whether this account id is a paper account's."""
    return isinstance(account_id, str) and account_id.startswith(PAPER_ACCOUNT_PREFIX)


def in_view(account_id: object, *, account: str | None, include_paper: bool = False) -> bool:
    """Whether a read asking for `account` (None: every account) with `include_paper` counts a
    trade of `account_id`: a named account alone, else the real accounts, and paper ones only
    when asked."""
    if account is not None:
        return account_id == account
    return include_paper or not is_paper(account_id)


def refuse_paper_account(account_id: object, *, what: str) -> None:
    """422 `paper_account` when `what` (fills entered by hand, a file, an opening lot) names a paper
    account: a paper account's book holds its own orders' fills alone (/v1/paper/accounts/…/orders)."""
    if is_paper(account_id):
        raise SemanticError(
            f"accountId names a paper account: {what} cannot go in it; its fills come from its orders "
            "(/v1/paper/accounts/…/orders)",
            details=[{"field": "accountId", "issue": "paper_account"}],
        )
