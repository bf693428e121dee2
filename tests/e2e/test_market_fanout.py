"""A tick past one shard through the local stack: its shards go through the ws-fanout queue to
ws_fanout instances running as worker processes, and every real WebSocket client
gets its quote; a connection API Gateway no longer knows is forgotten."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, cast

import pytest
import redis
from websockets.sync.client import ClientConnection, connect

from local.background import BackgroundStack
from local.instances import ProcessInstances
from local.stack import LocalStack
from tests.e2e.doubles import wait_until
from tests.e2e.market_support import FEED_RULE, login, receive, send
from tradetrack.websocket import actions

pytestmark = pytest.mark.e2e

CLIENTS = 5
SHARD_SIZE = 1  # 6 posts (5 clients and a gone connection) hashed into 6 buckets: several shards


@pytest.fixture
def sharded_stack(redis_client: redis.Redis, redis_server: Any) -> Iterator[BackgroundStack]:
    if not redis_server.url:
        pytest.skip("fan-out instances are processes: they need a real Redis")
    saved = {name: os.environ.get(name) for name in ("FEED_TICKS", "FEED_FANOUT_SHARD_SIZE")}
    os.environ.update({"FEED_TICKS": "1", "FEED_FANOUT_SHARD_SIZE": str(SHARD_SIZE)})
    runner = BackgroundStack(
        LocalStack(
            port=0, ws_port=0, schedules_enabled=False, sqs_poll_interval_s=0.1, redis_client=redis_client
        )
    )
    try:
        with runner as stack:
            cast(ProcessInstances, stack.runtime.instances["ws_fanout"]).warm()  # their cold starts
            yield runner
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_sharded_tick_reaches_every_client_and_forgets_a_gone_connection(
    sharded_stack: BackgroundStack, redis_client: redis.Redis
) -> None:
    stack = sharded_stack.stack
    _, token = login(stack.rest_url)
    with ExitStack() as open_clients:
        # Given five real WebSocket clients subscribed to INFY
        clients: list[ClientConnection] = []
        for _ in range(CLIENTS):
            ws = open_clients.enter_context(connect(f"{stack.ws_url}/?token={token}", open_timeout=30))
            assert send(ws, {"action": "subscribe", "symbols": ["NSE:INFY"]})["type"] == "subscribed"
            clients.append(ws)
        # And a connection still subscribed in Redis that the WebSocket API no longer has
        actions.connect(redis_client, "goneConn=", "usr_gone", ttl_s=7200)
        actions.answer(redis_client, "goneConn=", '{"action":"subscribe","symbols":["NSE:INFY"]}', ttl_s=7200)
        # When the feed ticks (its shards go through the queue to ws_fanout instances)
        sharded_stack.run(stack.fire_schedule(FEED_RULE))
        # Then every client gets exactly one INFY quote
        for ws in clients:
            message = receive(ws, timeout=30)
            assert (message["type"], message["symbol"]) == ("quote", "NSE:INFY")
        for ws in clients:
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.3)
        # And the shards were invocations of the fan-out instances
        instances = cast(ProcessInstances, stack.runtime.instances["ws_fanout"])
        assert instances.invocations >= 2
        # And the gone connection was forgotten (by whichever shard had it)
        assert wait_until(lambda: "goneConn=" not in redis_client.smembers("ws:sym:NSE:INFY"), timeout_s=30)
        assert not redis_client.exists("ws:conn:goneConn=")
