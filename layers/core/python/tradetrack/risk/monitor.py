"""The risk monitor: accounts' day P&L, exposure and concentration against their limits.

Run by the market feed's invocation for paper accounts (every minute) and after each successful
broker sync for that real account. A breach is recorded once per rule, account and IST day
(`risk_violations`, tradetrack.risk.repository) and notified once (a `risk_violation` event, its
id the violation's, so a resend is delivered once). A paper account at its max loss per day is
squared off (its pending orders canceled, its holdings sold at market) through the `SquareOff`
its caller gives (tradetrack.risk_accounts, over paper trading's own service functions): risk never
writes paper's collections, and never places a broker order for a real account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import is_paper
from tradetrack.money import from_scaled
from tradetrack.notify.events import RiskViolation
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.risk import repository as repo
from tradetrack.risk.rules import COUNT_RULES, Limits, Rejection, Snapshot, breaches, merge
from tradetrack.timeutil import ist_date

Document = dict[str, Any]
Notify = Callable[[RiskViolation], None]
SquareOff = Callable[[str, str], int]  # (user id, paper account id) → orders canceled or placed


@dataclass
class MonitorResult:
    accounts: int = 0  # accounts checked
    recorded: int = 0  # violations recorded now (not seen before today)
    notified: int = 0
    squared_off: list[str] = field(default_factory=list)  # paper accounts squared off


def _scope_limits(docs: list[Document]) -> tuple[Limits | None, dict[str, Limits]]:
    """(the user's limits, each account's own) from the user's limits documents."""
    user: Limits | None = None
    accounts: dict[str, Limits] = {}
    for doc in docs:
        limits = repo.to_limits(doc)
        if doc.get("accountId") is None:
            user = limits
        elif limits is not None:
            accounts[str(doc["accountId"])] = limits
    return user, accounts


def monitor_paper(
    db: Database[Document],
    cache: redis.Redis,
    *,
    notify: Notify,
    square_off: SquareOff,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> MonitorResult:
    """One pass over the paper accounts of every user with limits the monitor watches: their limits
    in two queries, their snapshots read for them all at once (exposure.snapshots_of_users: a few
    queries, whatever the number of users), then each user's checked."""
    result = MonitorResult()
    users = sorted({str(doc["userId"]) for doc in repo.monitored_limits(db)})
    by_user: dict[str, list[Document]] = {}
    for doc in repo.limits_of_users(db, users):  # every scope of theirs, not only the monitored
        by_user.setdefault(str(doc["userId"]), []).append(doc)
    watched = {user: scope for user in users if (scope := _watched(by_user.get(user, []))) is not None}
    at = now()
    try:
        from tradetrack.risk.exposure import snapshots_of_users  # the journal's models: when first needed

        snaps = snapshots_of_users(db, cache, sorted(watched), ist_date(at))
    except Exception:
        logger.exception("risk monitor could not read the accounts", extra={"users": len(watched)})
        return result
    for user_id, (user, own) in watched.items():
        try:
            _check(db, user_id, user, own, snaps.get(user_id, {}), result, notify=notify,
                   square_off=square_off, now=at, wanted=is_paper)  # fmt: skip
        except Exception:  # one user's failure must not stop the others' checks
            logger.exception("risk monitor failed for a user", extra={"userId": user_id})
    metrics.add_metric(name="RiskViolations", unit=MetricUnit.Count, value=result.recorded)
    return result


def after_sync(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    *,
    notify: Notify,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> MonitorResult:
    """Check one real account after its sync: alert only. Never raises (the sync is recorded)."""
    result = MonitorResult()
    try:
        scope = _watched(repo.user_limits(db, user_id))
        if scope is not None:
            # the journal's models (positions, trades, FIFO), loaded by the first user with limits:
            # a sync worker whose users set none never needs them
            from tradetrack.risk.exposure import snapshots

            at = now()
            snaps = snapshots(db, cache, user_id, ist_date(at))
            _check(db, user_id, *scope, snaps, result, notify=notify, square_off=None, now=at,
                   wanted=lambda account: account == account_id)  # fmt: skip
    except Exception:
        logger.exception("risk check after sync failed", extra={"accountId": account_id})
    return result


def _watched(docs: list[Document]) -> tuple[Limits | None, dict[str, Limits]] | None:
    """(the user's limits, each account's own) when any of them is one the monitor watches."""
    user, own = _scope_limits(docs)
    if not (user is not None and user.monitored()) and not any(limits.monitored() for limits in own.values()):
        return None
    return user, own


def _check(
    db: Database[Document],
    user_id: str,
    user: Limits | None,
    own: dict[str, Limits],
    snaps: dict[str, Snapshot],
    result: MonitorResult,
    *,
    notify: Notify,
    square_off: SquareOff | None,
    now: datetime,
    wanted: Callable[[str], bool],
) -> None:
    for account_id, snap in snaps.items():
        if not wanted(account_id):
            continue
        limits = merge(user, own.get(account_id))
        if not limits.monitored():
            continue
        result.accounts += 1
        for breach in breaches(limits, snap):
            _handle(db, user_id, snap, breach, result, notify=notify, square_off=square_off, now=now)


def _handle(
    db: Database[Document],
    user_id: str,
    snap: Snapshot,
    breach: Rejection,
    result: MonitorResult,
    *,
    notify: Notify,
    square_off: SquareOff | None,
    now: datetime,
) -> None:
    """Record the breach (once a day), square a paper account off on its daily loss, notify once."""
    day = ist_date(now).isoformat()
    doc, new = repo.record_violation(
        db,
        {
            "_id": repo.violation_id(user_id, snap.account_id, breach.rule, day),
            "userId": user_id,
            "accountId": snap.account_id,
            "rule": breach.rule,
            "day": day,
            "message": breach.message,
            "value": breach.value,
            "limit": breach.limit,
            "dayPnl": snap.day_pnl,
            "exposure": snap.exposure,
            "concentration": snap.concentration,
            "squaredOff": False,
            "notified": False,
            "createdAt": now,
        },
    )
    result.recorded += int(new)
    squares = square_off is not None and breach.rule == "max_loss_per_day" and is_paper(snap.account_id)
    if squares and square_off is not None and (new or snap.positions):
        done = square_off(user_id, snap.account_id)
        logger.info("paper account squared off", extra={"accountId": snap.account_id, "orders": done})
        result.squared_off.append(snap.account_id)
        if not doc.get("squaredOff"):
            repo.set_violation_fields(db, doc["_id"], {"squaredOff": True})
            doc = {**doc, "squaredOff": True}
    if not doc.get("notified"):
        notify(violation_event(doc))
        repo.set_violation_fields(db, doc["_id"], {"notified": True})
        result.notified += 1


def violation_event(doc: Document) -> RiskViolation:
    money = doc["rule"] not in COUNT_RULES

    def amount(value: Any) -> Any:
        return None if value is None or not money else from_scaled(int(value))

    return RiskViolation(
        type="risk_violation",
        event_id=f"risk_violation:{doc['_id']}",
        user_id=doc["userId"],
        violation_id=doc["_id"],
        account_id=doc["accountId"],
        rule=doc["rule"],
        message=doc["message"][:1000],
        day=doc["day"],
        value=amount(doc.get("value")),
        limit=amount(doc.get("limit")),
        squared_off=bool(doc.get("squaredOff")),
    )


def queue_notify(sqs: Any, queue_url: str | None) -> Notify:
    """Notify through the notifications queue (without one configured: logged only)."""
    from tradetrack.notify.sender import event_sender

    return event_sender(queue_url, what="risk violation", sqs=sqs)
