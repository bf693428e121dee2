"""The scheduler's run: read every active account, plan, fan out one sync request per due account."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db import broker_accounts
from tradetrack.observability import logger
from tradetrack.queues import send_all
from tradetrack.sync.accounts import mark_needs_login
from tradetrack.sync.messages import SyncRequest, new_sync_id
from tradetrack.sync.notices import publish
from tradetrack.sync.schedule import plan_syncs

Document = dict[str, Any]
SEND_WORKERS = 16


@dataclass(frozen=True)
class SchedulerRun:
    accounts: int
    due: int
    sent: int
    expired: int
    fresh: int
    backing_off: int
    plan_ms: float
    send_ms: float


def sync_requests(due: list[Document], now: datetime) -> list[str]:
    return [
        SyncRequest(
            user_id=account["userId"],
            account_id=account["_id"],
            sync_id=new_sync_id(),
            reason="schedule",
            requested_at=now,
        ).body()
        for account in due
    ]


def run_scheduler(
    db: Database[Document],
    sqs: Any,
    *,
    sync_queue_url: str,
    notifications_queue_url: str,
    now: datetime,
    interval_s: int = 300,
) -> SchedulerRun:
    if not sync_queue_url:
        raise RuntimeError("SYNC_QUEUE_URL is not set: the scheduler has nowhere to send sync requests")
    accounts = list(broker_accounts.syncable_accounts(db))
    started = time.perf_counter()
    plan = plan_syncs(accounts, now, interval_s=interval_s)
    bodies = sync_requests(plan.due, now)
    planned = time.perf_counter()
    sent = send_all(sqs, sync_queue_url, bodies, workers=SEND_WORKERS)
    sent_at = time.perf_counter()
    events = [
        mark_needs_login(db, account, now=now, reason="access token expired") for account in plan.expired
    ]
    publish(sqs, notifications_queue_url, events)
    run = SchedulerRun(
        accounts=len(accounts),
        due=len(plan.due),
        sent=sent,
        expired=len(plan.expired),
        fresh=plan.fresh,
        backing_off=plan.backing_off,
        plan_ms=round((planned - started) * 1000, 1),
        send_ms=round((sent_at - planned) * 1000, 1),
    )
    logger.info("sync scheduler run", extra={"run": run.__dict__})
    return run
