"""Reconciliation: each account's balance proven from its orders' fills and its holdings.

Every fill records what it did (charges, realised P&L, cost basis and margin moved), so for an
account since its last reset:

    available + held − debit + cost of delivery holdings + margin of MIS positions
        = starting balance + realised − charges

(a pending buy's hold moves money between `available` and `held` only). A difference is drift: a
lost or doubled update. It is logged as an error and counted (metric `PaperLedgerDrift`, which the
ops alarm watches), and the figures are returned for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database

from tradetrack.money import money_str
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.paper import account_store, holding_store, order_store
from tradetrack.paper.account_store import accounts_by_id
from tradetrack.paper.clock import Document


@dataclass(frozen=True)
class Reconciled:
    account_id: str
    expected: int  # starting + realised − charges
    actual: int  # available + held − debit + invested (CNC cost, MIS margin)

    @property
    def drift(self) -> int:
        return self.actual - self.expected


def reconcile_account(db: Database[Document], account: Document) -> Reconciled:
    since = account.get("resetAt") or account["createdAt"]
    orders = order_store.orders_since(db, account["userId"], account["_id"], since)
    fills = [f for o in orders for f in o.get("fills", [])]
    realised = sum(int(f.get("realised", 0)) for f in fills)
    charges = sum(int(f["charges"]) for f in fills)
    invested = sum(
        int(h.get("margin", 0)) if h.get("product") == "MIS" else int(h.get("cost", 0))
        for h in holding_store.all_holdings_of(db, account["userId"], account["_id"])
    )
    return Reconciled(
        account["_id"],
        expected=int(account["startingBalance"]) + realised - charges,
        actual=int(account["available"]) + int(account["held"]) - int(account.get("debit", 0)) + invested,
    )


def reconcile(db: Database[Document], account_ids: list[str]) -> list[Reconciled]:
    """Reconcile the accounts; alert (error log, PaperLedgerDrift metric) on every one that drifted."""
    return _alert([reconcile_account(db, a) for a in accounts_by_id(db, sorted(set(account_ids)))])


@dataclass(frozen=True)
class FullReconciliation:
    accounts: int
    drifted: list[str]


def reconcile_all(db: Database[Document], *, page: int = 500) -> FullReconciliation:
    """Reconcile every paper account, not only those a pass touched (the market feed's scheduled
    `paper-reconcile` run after the close): pages of accounts in `_id` order, each alerted on as
    `reconcile` does."""
    checked, drifted, after = 0, [], None
    while True:
        accounts = account_store.accounts_after(db, after, page)
        if not accounts:
            break
        results = _alert([reconcile_account(db, a) for a in accounts])
        checked += len(results)
        drifted += [r.account_id for r in results if r.drift]
        after = str(accounts[-1]["_id"])
    logger.info("paper full reconciliation", extra={"accounts": checked, "drifted": len(drifted)})
    return FullReconciliation(checked, drifted)


def _alert(results: list[Reconciled]) -> list[Reconciled]:
    drifted = [r for r in results if r.drift]
    for r in drifted:
        logger.error(
            "paper ledger drift",
            extra={
                "accountId": r.account_id,
                "expected": money_str(r.expected),
                "actual": money_str(r.actual),
                "drift": money_str(r.drift),
            },
        )
    if results:
        metrics.add_metric(name="PaperLedgerDrift", unit=MetricUnit.Count, value=len(drifted))
    return results
