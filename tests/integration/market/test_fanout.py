"""A tick past one shard: the feed queues its shards (a smaller tick posts itself); the ws_fanout
function posts a queued shard, forgets gone connections, and on failed posts has the shard
redelivered, reaching on the retry only the connections the failed attempt did not."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

from functions.ws_fanout import handler as ws_fanout
from local.events.sqs import sqs_event
from tests.integration.market.conftest import FakeManagement
from tests.support.lambda_events import lambda_context
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.websocket import actions
from tradetrack.websocket.fanout import Shard, plan_shards, progress_key

TTL = 7200


def subscribe(cache: redis.Redis, connection: str, *symbols: str) -> None:
    actions.connect(cache, connection, f"usr_{connection}", ttl_s=TTL)
    reply = actions.answer(
        cache, connection, json.dumps({"action": "subscribe", "symbols": list(symbols)}), ttl_s=TTL
    )
    assert reply["type"] == "subscribed"


class RecordingQueue:
    def __init__(self, refuse: bool = False) -> None:
        self.shards: list[Shard] = []
        self.refuse = refuse

    def send(self, shards: Sequence[Shard]) -> list[Shard]:
        if self.refuse:
            return list(shards)
        self.shards.extend(shards)
        return []


class FlakyManagement(FakeManagement):
    """Posts to connections in `failing` raise (a throttled or broken API) until `failing` is emptied."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()

    def post(self, connection_id: str, data: bytes) -> bool:
        if connection_id in self.failing:
            raise ConnectionError("management API unavailable")
        return super().post(connection_id, data)


def test_a_tick_past_one_shard_queues_every_post_in_shards(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    # Given 25 connections on INFY and a feed with shards of 10 posts
    for i in range(25):
        subscribe(redis_client, f"c{i:02d}", "NSE:INFY")
    queue = RecordingQueue()
    feed = make_feed(SimulatedQuotes(seed=5))
    feed.shard_queue, feed.shard_size = queue, 10
    # When one tick runs
    result = feed.tick()
    # Then its 25 posts went to the queue in 3 shards, each connection once, none posted by the tick
    assert result.shards == len(queue.shards) == 3
    assert (result.sent, result.queued, management.sent) == (0, 25, {})
    queued = [c for shard in queue.shards for c, _ in shard.targets]
    assert sorted(queued) == [f"c{i:02d}" for i in range(25)]
    assert all(json.loads(shard.frames[0])["symbol"] == "NSE:INFY" for shard in queue.shards)


def test_a_tick_of_one_shard_or_less_posts_itself_without_the_queue(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    for i in range(10):
        subscribe(redis_client, f"c{i:02d}", "NSE:INFY")
    queue = RecordingQueue()
    feed = make_feed(SimulatedQuotes(seed=5))
    feed.shard_queue, feed.shard_size = queue, 10
    result = feed.tick()
    assert (result.sent, result.queued, queue.shards) == (10, 0, [])
    assert len(management.sent) == 10


def test_shards_the_queue_refuses_are_posted_by_the_tick(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    for i in range(25):
        subscribe(redis_client, f"c{i:02d}", "NSE:INFY")
    feed = make_feed(SimulatedQuotes(seed=5))
    feed.shard_queue, feed.shard_size = RecordingQueue(refuse=True), 10
    result = feed.tick()
    assert (result.sent, result.queued, result.shards) == (25, 0, 0)
    assert len(management.sent) == 25


@pytest.fixture
def flaky(app_env: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyManagement]:
    """The ws_fanout function over this test's Redis, posting through a fake Management API."""
    management = FlakyManagement()
    with ThreadPoolExecutor(max_workers=4) as pool:
        monkeypatch.setattr(ws_fanout, "poster", lambda: (management.post, pool))
        yield management


def shard_record(shard: Shard, *, receive_count: int, message_id: str) -> dict[str, Any]:
    return {
        "MessageId": message_id,
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": shard.to_body(),
        "Attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "0"},
    }


def invoke(*records: dict[str, Any]) -> dict[str, Any]:
    return dict(ws_fanout.lambda_handler(sqs_event(list(records), "ws-fanout"), lambda_context("ws_fanout")))


def test_the_fanout_function_posts_a_shard_and_forgets_gone_connections(
    redis_client: redis.Redis, flaky: FlakyManagement
) -> None:
    # Given three subscribed connections, one of which API Gateway no longer knows
    for connection in ("a", "b", "gone"):
        subscribe(redis_client, connection, "NSE:INFY")
    flaky.gone.add("gone")
    frame = json.dumps({"type": "quote", "symbol": "NSE:INFY"})
    [shard] = plan_shards(
        {"NSE:INFY": frame}, {"NSE:INFY": {"a", "b", "gone"}}, shard_size=10, tick_id="t", at=time.time()
    )
    # When the fan-out function gets the shard from its queue
    response = invoke(shard_record(shard, receive_count=1, message_id="m1"))
    # Then the live connections got the frame and the gone one was forgotten everywhere
    assert response == {"batchItemFailures": []}
    assert flaky.sent == {"a": [frame.encode()], "b": [frame.encode()]}
    assert redis_client.smembers("ws:sym:NSE:INFY") == {"a", "b"}
    assert not redis_client.exists("ws:conn:gone")


def test_a_failed_shard_is_redelivered_and_its_retry_reaches_only_the_others(
    redis_client: redis.Redis, flaky: FlakyManagement
) -> None:
    # Given a shard of four connections and a Management API failing for two of them
    connections = {"a", "b", "c", "d"}
    frame = json.dumps({"type": "quote", "symbol": "NSE:TCS"})
    [shard] = plan_shards(
        {"NSE:TCS": frame}, {"NSE:TCS": connections}, shard_size=10, tick_id="t", at=time.time()
    )
    flaky.failing = {"c", "d"}
    # When the fan-out function gets it: the record is reported failed (SQS will redeliver it)
    first = invoke(shard_record(shard, receive_count=1, message_id="m1"))
    assert first == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert set(flaky.sent) == {"a", "b"}
    assert redis_client.smembers(progress_key(shard.id)) == {"a", "b"}
    # When the API recovers and SQS redelivers the shard
    flaky.failing = set()
    second = invoke(shard_record(shard, receive_count=2, message_id="m1"))
    # Then every connection has the frame exactly once, and the shard's progress is cleared
    assert second == {"batchItemFailures": []}
    assert {c: len(frames) for c, frames in flaky.sent.items()} == dict.fromkeys(connections, 1)
    assert not redis_client.exists(progress_key(shard.id))


def test_a_shard_older_than_the_max_age_is_dropped_not_posted(
    redis_client: redis.Redis, flaky: FlakyManagement
) -> None:
    frame = json.dumps({"type": "quote", "symbol": "NSE:TCS"})
    [shard] = plan_shards(
        {"NSE:TCS": frame}, {"NSE:TCS": {"a"}}, shard_size=10, tick_id="t", at=time.time() - 60
    )
    assert invoke(shard_record(shard, receive_count=2, message_id="m1")) == {"batchItemFailures": []}
    assert flaky.sent == {}
