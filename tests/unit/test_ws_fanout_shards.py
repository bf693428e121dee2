"""Shard planning for the market feed's fan-out: every post once, a connection's frames together."""

from __future__ import annotations

import json
from collections import Counter

from tradetrack.websocket.fanout import MAX_BODY_BYTES, Shard, plan_shards

FRAMES = {f"NSE:S{i}": json.dumps({"type": "quote", "symbol": f"NSE:S{i}", "ltp": "1.00"}) for i in range(10)}


def listeners(connections: int, per_connection: int = 1) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for c in range(connections):
        for k in range(per_connection):
            found.setdefault(f"NSE:S{(c + k) % 10}", set()).add(f"conn{c}=")
    return found


def posts(shards: list[Shard]) -> Counter[tuple[str, str]]:
    return Counter((c, shard.frames[i]) for shard in shards for c, i in shard.targets)


def test_every_post_is_planned_exactly_once_in_shards_of_about_the_size() -> None:
    # Given 1,000 connections on 3 symbols each
    wanted = listeners(1000, per_connection=3)
    # When the tick plans shards of 250 posts
    shards = plan_shards(FRAMES, wanted, shard_size=250, tick_id="t1", at=1.5)
    # Then the 3,000 posts are there once each, in 12 shards that share the tick's time
    expected = Counter((c, FRAMES[s]) for s, cs in wanted.items() for c in cs)
    assert posts(shards) == expected
    assert len(shards) == 12
    assert {s.at for s in shards} == {1.5} and len({s.id for s in shards}) == 12
    assert all(150 <= len(s.targets) <= 350 for s in shards)  # a hash spreads, it does not cut exactly


def test_a_connection_gets_all_its_frames_of_a_tick_from_one_shard() -> None:
    shards = plan_shards(FRAMES, listeners(500, per_connection=4), shard_size=100, tick_id="t", at=0)
    owners: dict[str, set[str]] = {}
    for shard in shards:
        for connection, _ in shard.targets:
            owners.setdefault(connection, set()).add(shard.id)
    assert all(len(ids) == 1 for ids in owners.values())


def test_symbols_without_a_quote_and_empty_ticks_plan_nothing() -> None:
    assert plan_shards({}, listeners(10), shard_size=5, tick_id="t", at=0) == []
    only_s0 = plan_shards({"NSE:S0": FRAMES["NSE:S0"]}, listeners(20), shard_size=100, tick_id="t", at=0)
    assert [len(s.targets) for s in only_s0] == [2] and only_s0[0].frames == (FRAMES["NSE:S0"],)


def test_a_shard_carries_each_frame_once_and_survives_its_queue_body() -> None:
    shard = plan_shards(FRAMES, listeners(40), shard_size=100, tick_id="t9", at=12.25)[0]
    assert len(shard.frames) == 10  # 40 posts, 10 distinct frames
    assert Shard.from_body(shard.to_body()) == shard
    assert sorted(shard.jobs(skip={"conn0="})) == sorted(
        (c, shard.frames[i].encode()) for c, i in shard.targets if c != "conn0="
    )


def test_a_shard_past_the_queue_message_limit_is_split() -> None:
    # Given frames so large that 500 posts of distinct frames cannot fit one SQS message
    big = {f"NSE:B{i}": f"{i:04d}" + "x" * 2_000 for i in range(500)}
    wanted = {symbol: {f"conn{i}="} for i, symbol in enumerate(big)}
    # When planned as one shard
    shards = plan_shards(big, wanted, shard_size=500, tick_id="t", at=0)
    # Then it was halved until every body fits, and nothing was lost
    assert len(shards) > 1
    assert all(len(s.to_body()) <= MAX_BODY_BYTES for s in shards)
    assert sum(len(s.targets) for s in shards) == 500
