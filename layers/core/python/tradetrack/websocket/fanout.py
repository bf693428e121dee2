"""Posting frames to many WebSocket connections: in one process, or split into shards that parallel
fan-out invocations post (the market feed's ticks past one shard, issue #14).

Posts go through tradetrack.websocket.management (push.management_client): SigV4-signed requests
over kept-alive connections at about 0.07 ms of CPU a post, where boto3's client took about 1.3 ms
(one process could not post 10,000 frames inside a 5 s tick). Shards spread the posts over as many
Lambda instances as there are shards. A shard carries its frames once and (connection, frame index)
pairs; a connection's frames stay in one shard. A post answering False (410 Gone) forgets the
connection; a post that raises (the client's retries spent) fails the shard for redelivery.

ws:fanout:{shardId}  set of the connections a failed attempt of the shard already reached: its
                     retry (SQS redelivery) skips them. Written only when an attempt fails.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis

from tradetrack.observability import logger
from tradetrack.websocket.actions import disconnect

Post = Callable[[str, bytes], bool]  # (connection id, data) → False when the connection is gone
MAX_BODY_BYTES = 250_000  # under SQS's 256 KiB message limit


def progress_key(shard_id: str) -> str:
    return f"ws:fanout:{shard_id}"


@dataclass
class Outcome:
    delivered: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # posts that raised: worth another attempt


def post_all(
    jobs: Sequence[tuple[str, bytes]], post: Post, executor: ThreadPoolExecutor, workers: int
) -> Outcome:
    """Post every (connection, data) concurrently in `workers` slices; who got it, who is gone, who failed."""
    outcome = Outcome()
    if not jobs:
        return outcome
    slices = [jobs[i::workers] for i in range(min(workers, len(jobs)))]

    def send(part: Sequence[tuple[str, bytes]]) -> Outcome:
        mine = Outcome()
        for connection_id, data in part:
            try:
                (mine.delivered if post(connection_id, data) else mine.gone).append(connection_id)
            except Exception as exc:  # one failing client must not stop the others
                mine.failed.append(connection_id)
                logger.warning(
                    "post to connection failed", extra={"connectionId": connection_id, "error": str(exc)}
                )
        return mine

    for part in executor.map(send, slices):
        outcome.delivered += part.delivered
        outcome.gone += part.gone
        outcome.failed += part.failed
    return outcome


def fan_out(
    jobs: Sequence[tuple[str, bytes]], post: Post, executor: ThreadPoolExecutor, workers: int
) -> list[str]:
    """Post every (connection, data) concurrently; the connections that are gone (failures are logged)."""
    return post_all(jobs, post, executor, workers).gone


@dataclass(frozen=True)
class Shard:
    id: str
    at: float  # epoch seconds of the tick that planned it
    frames: tuple[str, ...]
    targets: tuple[tuple[str, int], ...]  # (connection id, index into frames)

    def jobs(self, skip: Iterable[str] = ()) -> list[tuple[str, bytes]]:
        skipped = set(skip)
        encoded = [frame.encode() for frame in self.frames]
        return [(c, encoded[i]) for c, i in self.targets if c not in skipped]

    def to_body(self) -> str:
        body = {"id": self.id, "at": self.at, "frames": self.frames, "to": self.targets}
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_body(cls, body: str) -> Shard:
        data = json.loads(body)
        return cls(
            id=str(data["id"]),
            at=float(data["at"]),
            frames=tuple(str(f) for f in data["frames"]),
            targets=tuple((str(c), int(i)) for c, i in data["to"]),
        )


def _shard(shard_id: str, at: float, pairs: Sequence[tuple[str, str]]) -> Shard:
    index: dict[str, int] = {}
    targets = [(c, index.setdefault(frame, len(index))) for c, frame in pairs]
    return Shard(shard_id, at, tuple(index), tuple(targets))


def plan_shards(
    frames: Mapping[str, str],
    listeners: Mapping[str, Iterable[str]],
    *,
    shard_size: int,
    tick_id: str,
    at: float,
) -> list[Shard]:
    """The posts of a tick (each listener of a symbol gets its frame) in shards of about `shard_size`.

    A connection goes to shard crc32(id) mod n, so its frames of the tick arrive from one instance in
    order; a shard whose body would pass SQS's size limit is halved until it fits.
    """
    by_connection: dict[str, list[str]] = {}
    for symbol, connections in listeners.items():
        frame = frames.get(symbol)
        if frame is not None:
            for connection in connections:
                by_connection.setdefault(connection, []).append(frame)
    total = sum(len(f) for f in by_connection.values())
    if not total:
        return []
    count = -(-total // shard_size)
    buckets: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for connection in sorted(by_connection):
        bucket = buckets[zlib.crc32(connection.encode()) % count]
        bucket.extend((connection, frame) for frame in by_connection[connection])
    shards: list[Shard] = []
    pending = [pairs for pairs in buckets if pairs]
    while pending:
        pairs = pending.pop(0)
        shard = _shard(f"{tick_id}-{len(shards)}", at, pairs)
        if len(pairs) > 1 and len(shard.to_body()) > MAX_BODY_BYTES:
            half = len(pairs) // 2
            pending[:0] = [pairs[:half], pairs[half:]]
            continue
        shards.append(shard)
    return shards


class ShardQueue(Protocol):
    def send(self, shards: Sequence[Shard]) -> list[Shard]:
        """Hand the shards to fan-out invocations; the shards that could not be handed over."""
        ...


@dataclass
class SqsShardQueue:
    """The ws-fanout SQS queue: one message per shard, ten to a SendMessageBatch call."""

    sqs: Any
    queue_url: str

    def send(self, shards: Sequence[Shard]) -> list[Shard]:
        unsent: list[Shard] = []
        for start in range(0, len(shards), 10):
            batch = shards[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": s.to_body()} for i, s in enumerate(batch)]
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except Exception as exc:
                logger.warning("fan-out shards not queued", extra={"shards": len(batch), "error": str(exc)})
                unsent += batch
                continue
            unsent += [batch[int(failed["Id"])] for failed in response.get("Failed", [])]
        return unsent


class ShardFailed(Exception):
    """Some posts of the shard failed: the shard is retried, skipping the connections it reached."""

    def __init__(self, shard_id: str, failed: int) -> None:
        super().__init__(f"shard {shard_id}: {failed} posts failed")
        self.shard_id, self.failed = shard_id, failed


@dataclass
class ShardResult:
    delivered: int = 0
    gone: int = 0
    skipped: int = 0  # reached by an earlier attempt
    stale: bool = False


def deliver_shard(
    cache: redis.Redis,
    shard: Shard,
    post: Post,
    executor: ThreadPoolExecutor,
    *,
    workers: int,
    now: float,
    max_age_s: float,
    retried: bool = False,
) -> ShardResult:
    """Post a shard's frames and forget gone connections; ShardFailed (after remembering who got
    theirs) when posts failed, so that a retry reaches only the others. Stale shards are dropped."""
    if now - shard.at > max_age_s:
        logger.warning("stale fan-out shard dropped", extra={"shardId": shard.id, "ageS": now - shard.at})
        return ShardResult(stale=True)
    key = progress_key(shard.id)
    before = {str(c) for c in cache.smembers(key)} if retried else set()
    jobs = shard.jobs(skip=before)
    outcome = post_all(jobs, post, executor, workers)
    for connection in outcome.gone:
        disconnect(cache, connection)
    if outcome.failed:
        reached = [*outcome.delivered, *outcome.gone]
        pipe = cache.pipeline(transaction=True)
        if reached:
            pipe.sadd(key, *reached)
        pipe.expire(key, max(1, int(max_age_s * 2)))
        pipe.execute()
        raise ShardFailed(shard.id, len(outcome.failed))
    if before:
        cache.delete(key)
    return ShardResult(
        delivered=len(outcome.delivered), gone=len(outcome.gone), skipped=len(shard.targets) - len(jobs)
    )
