"""An account's first sync (the backfill) opens with its holdings as snapshot opening lots, for every
broker of the registry (item 5 of #18), each against its server from test_every_broker_sync."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from tests.integration.sync.test_every_broker_sync import SERVERS, Served
from tests.integration.sync.test_every_broker_sync import synced as synced  # noqa: PLC0414 - the fixture
from tests.support.pipeline import Pipeline, connected_account
from tradetrack.accounts.service import enqueue_sync
from tradetrack.brokers import factory

Document = dict[str, Any]


@pytest.mark.parametrize("synced", sorted(SERVERS), indirect=True)
def test_the_first_sync_opens_the_account_with_its_holdings(
    synced: tuple[str, Served, Pipeline], mongo_db: Database[Document]
) -> None:
    broker, served, pipeline = synced
    # Given a newly connected account at the broker, and the holdings its own client reads
    account = connected_account(mongo_db, user_id="u1", broker=broker, access_token=served.token)
    held = factory.session(broker, served.token).holdings()
    assert held, "the broker's server holds nothing"
    # When its first sync (a backfill, as connecting queues it) runs
    enqueue_sync(
        pipeline.sqs,
        pipeline.queues["sync"].url,
        account,
        reason="connect",
        now=datetime.now(UTC),
        backfill=True,
    )
    pipeline.drain("sync")
    # Then the sync log says the holdings were stored as opening lots of that broker
    (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
    assert log["status"] == "success", log
    assert log["holdings"]["status"] == "done", log["holdings"]
    assert log["holdings"]["lots"] > 0
    # And the user's open tabs hear of the trades the lots opened (a trades frame, as a sync's fills
    # give), even on a day without fills
    opened = {t["_id"] for t in mongo_db["trades"].find({"userId": "u1", "accountId": account["_id"]})}
    changed = [b for b in pipeline.notification_events() if b.get("type") == "trades_changed"]
    assert opened and {tid for body in changed for tid in body["tradeIds"]} >= opened
    assert {body["source"] for body in changed} == {"sync"}
