"""A sync that fails on TradeTrack's side (not the broker's) says so in its log, is retried, and
tells the user after its last attempt, instead of a log left "running"."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from tests.integration.sync.conftest import serve_kite_day
from tests.integration.sync.test_pipeline import (
    deliveries_until_sqs_gives_up,
    logs,
    notifications,
    stored_account,
)
from tests.support.broker_stub import BrokerStub
from tests.support.pipeline import Pipeline, connected_account

Document = dict[str, Any]


def test_a_token_that_cannot_be_decrypted_fails_the_sync_in_its_log_and_tells_the_user(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an account whose stored token is another account's ciphertext (KMS refuses to decrypt
    # it under this account's encryption context)
    other = connected_account(mongo_db, user_id="u2")
    account = connected_account(mongo_db, user_id="u1", tokenCiphertext=other["tokenCiphertext"])
    serve_kite_day(kite)
    # When its sync request is delivered until SQS gives up on it
    deliveries = deliveries_until_sqs_gives_up(pipeline, account)
    # Then it was tried three times, its log failed for good with the reason, not left running
    assert deliveries == 3
    (log,) = logs(mongo_db, account)
    assert (log["status"], log["final"], log["attempt"]) == ("failed", True, 3)
    assert log["error"].startswith("InternalError: the sync failed on TradeTrack's side")
    # And the user got one sync_failed notice; the broker was never called with a token
    (failed,) = notifications(pipeline, "sync_failed")
    assert failed["accountId"] == account["_id"] and failed["syncId"] == log["_id"]
    assert stored_account(mongo_db, account)["lastSyncStatus"] == "failed"
    assert kite.requests_to("GET", "/trades") == []
