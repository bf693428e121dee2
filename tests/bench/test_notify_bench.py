"""Notifications processed per second (`make bench`, goal ≥ 200/s in one process): batches of ten
trade confirmations through the notifier Lambda, each emailed (moto SES) and recorded in the inbox
(FerretDB), with idempotency in Redis. moto answers in-process (its SES parses every raw MIME
message it is sent), so this measures our own work per notification and moto's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.manifest import function
from local.outbox import sent_email
from tests.support.gateway import Gateway
from tests.support.notify import Db, make_user, notify_ready, run_notifier, sqs_event, trade_event

pytestmark = pytest.mark.bench

BATCH = 10
GOAL = 200  # notifications per second, in one process
__all__ = ["notify_ready"]  # the fixture, used by name


def test_notifications_per_second(benchmark: Any, notify_ready: Gateway, mongo_db: Db) -> None:
    users = [make_user(notify_ready, mongo_db) for _ in range(5)]

    def batch() -> tuple[tuple[dict[str, Any]], dict[str, Any]]:
        bodies = [trade_event(users[i % len(users)].user_id, tradeId=uuid.uuid4().hex) for i in range(BATCH)]
        return (sqs_event(bodies),), {}

    failed = benchmark.pedantic(run_notifier, setup=batch, rounds=30, iterations=1, warmup_rounds=1)
    assert failed == []
    per_second = BATCH / benchmark.stats.stats.median
    met = per_second >= GOAL
    benchmark.extra_info.update({"notifications_per_second": round(per_second, 1), "goal": GOAL, "met": met})
    print(
        f"\nnotifier: {per_second:.0f} notifications/s (median of 30 batches of {BATCH}: "
        f"{benchmark.stats.stats.median * 1000:.0f} ms each; email + inbox + idempotency); "
        f"goal >= {GOAL}/s: {'met' if met else 'NOT met'}"
    )
    assert mongo_db["notifications"].count_documents({}) == 31 * BATCH
    assert len(sent_email()) == 31 * BATCH


ENVELOPE = 25  # events per message: tradetrack.notify.envelope.MAX_EVENTS, what send_events packs
TIMEOUT_S = function("notifier").timeout_s


def test_a_full_batch_of_envelopes_in_one_invocation(
    benchmark: Any, notify_ready: Gateway, mongo_db: Db
) -> None:
    """The largest invocation envelopes make (ten messages of 25 confirmations: 250 events) in one
    process: the notifications/s goal still met, and well inside the notifier's timeout."""
    users = [make_user(notify_ready, mongo_db) for _ in range(5)]
    events = ENVELOPE * BATCH

    def batch() -> tuple[tuple[dict[str, Any]], dict[str, Any]]:
        envelopes = [
            {
                "events": [
                    trade_event(users[i % len(users)].user_id, tradeId=uuid.uuid4().hex)
                    for i in range(ENVELOPE)
                ]
            }
            for _ in range(BATCH)
        ]
        return (sqs_event(envelopes),), {}

    failed = benchmark.pedantic(run_notifier, setup=batch, rounds=5, iterations=1, warmup_rounds=1)
    assert failed == []
    per_second = events / benchmark.stats.stats.median
    benchmark.extra_info.update({"notifications_per_second": round(per_second, 1), "goal": GOAL})
    print(
        f"\nnotifier, envelopes: {per_second:.0f} notifications/s (median of 5 batches of {BATCH} x "
        f"{ENVELOPE}: {benchmark.stats.stats.median * 1000:.0f} ms each, max "
        f"{benchmark.stats.stats.max * 1000:.0f} ms; the notifier's timeout {TIMEOUT_S} s)"
    )
    assert per_second >= GOAL
    assert benchmark.stats.stats.max < TIMEOUT_S / 10
    assert mongo_db["notifications"].count_documents({}) == 6 * events
    assert len(sent_email()) == 6 * events
