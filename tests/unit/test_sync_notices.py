"""What a sync announces (issue #15 items 9 and 10): sync_succeeded, one trades_changed per user and
batch, and for a backfill one summary instead of a confirmation per past trade."""

from __future__ import annotations

from typing import Any

from tradetrack.notify.events import BackfillSummary, SyncSucceeded, TradesChanged
from tradetrack.sync.messages import TradeUpdate
from tradetrack.sync.notices import success_events
from tradetrack.sync.updates import AppliedUpdate, changes_of, confirmations_of

ACCOUNT = {"_id": "ba_1", "userId": "usr_1", "broker": "upstox"}
TODAY = "2026-12-04"


def trade(trade_id: str, *execution_ids: str) -> dict[str, Any]:
    return {
        "_id": trade_id,
        "userId": "usr_1",
        "symbol": "INFY",
        "exchange": "NSE",
        "direction": "LONG",
        "status": "closed",
        "quantity": 1,
        "avgEntry": 15_000_000,
        "avgExit": 15_100_000,
        "netPnl": 100_000,
        "executionIds": list(execution_ids),
    }


def update(key: str, user: str = "usr_1", *, backfill: bool = False) -> TradeUpdate:
    account, sync, part = key.split(":")
    return TradeUpdate.model_construct(
        user_id=user,
        account_id=account,
        broker="upstox",
        sync_id=sync,
        part=int(part),
        executions=[],
        backfill=backfill,
    )


FILLS = [{"_id": "old_1", "tradeDate": "2025-05-02"}, {"_id": "new_1", "tradeDate": TODAY}]
TRADES = [trade("trd_old", "old_0", "old_1"), trade("trd_today", "new_1"), trade("trd_other", "x")]


def test_a_backfill_confirms_only_the_trades_with_a_fill_of_the_day() -> None:
    # Given a backfill message with a fill of a past day and one of today, each in its own trade
    result = confirmations_of(update("ba_1:s1:0", backfill=True), TRADES, FILLS, TODAY)
    # Then only today's trade is confirmed, but both changed (the untouched one did not)
    assert [c.trade_id for c in result.confirmations] == ["trd_today"]
    assert result.changed == ["trd_old", "trd_today"]


def test_a_regular_sync_confirms_every_trade_it_touched() -> None:
    result = confirmations_of(update("ba_1:s1:0"), TRADES, FILLS, TODAY)
    assert [c.trade_id for c in result.confirmations] == ["trd_old", "trd_today"]


def test_one_trades_changed_event_per_user_and_batch() -> None:
    # Given three applied messages of two users (one failed message of a third user)
    updates = [
        update("a:s:0", "usr_1"),
        update("b:s:0", "usr_1"),
        update("c:s:0", "usr_2"),
        update("d:s:0", "usr_3"),
    ]
    applied = {
        "a:s:0": AppliedUpdate(1, 0, 1, [], ["trd_2", "trd_1"]),
        "b:s:0": AppliedUpdate(1, 0, 1, [], ["trd_3"]),
        "c:s:0": AppliedUpdate(1, 0, 1, [], ["trd_9"]),
    }
    # When the batch's changes are announced
    events = changes_of(updates, applied)
    # Then one event per user, naming the user's trades sorted
    assert [(e.user_id, e.trade_ids, e.source) for e in events if isinstance(e, TradesChanged)] == [
        ("usr_1", ["trd_1", "trd_2", "trd_3"], "sync"),
        ("usr_2", ["trd_9"], "sync"),
    ]


def test_a_sync_says_it_succeeded_and_a_backfill_with_past_fills_sends_one_summary() -> None:
    plain = success_events(ACCOUNT, "sync_1", fetched=9, sent=3, old=0, since=None)
    assert [type(e) for e in plain] == [SyncSucceeded]
    assert plain[0].event_id == "sync_succeeded:sync_1"
    backfill = success_events(ACCOUNT, "sync_2", fetched=9, sent=3, old=2, since={"from": "2025-04-01"})
    summary = backfill[1]
    assert isinstance(summary, BackfillSummary)
    assert (summary.event_id, summary.fills, str(summary.since)) == (
        "backfill_summary:sync_2",
        2,
        "2025-04-01",
    )
