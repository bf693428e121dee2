"""SQS partial batch responses (ReportBatchItemFailures) for every queue consumer (sync_worker,
reports, import_worker, notifier, ws_fanout, attachment_worker).

`partial_batch_response(event, record_handler)` calls `record_handler` on each record of an SQS
event, as Powertools' `process_partial_response` with `BatchProcessor(EventType.SQS,
raise_on_entire_batch_failure=False)` did, and answers `{"batchItemFailures": [...]}` with the
message id of each record whose handler raised: SQS redelivers those alone (then the DLQ), the
others are deleted. A batch where every record failed is answered the same way, not raised; an event without
records is refused (ValueError).
It exists for cold starts: importing Powertools' batch package builds the Parser's pydantic models
(Kafka, Kinesis, DynamoDB, CloudWatch, SQS) for a type alias, ~100 million instructions (~20 ms) of
each consumer's init (docs/performance.md, "Cold start"); the loop itself is this small.

With `workers` > 1 the records are handled concurrently on a pool of that many threads, kept
across invocations: for I/O-bound records (the sync worker's: broker HTTP, Mongo, KMS, SQS), one
record's waits overlap another's work, as AWS suggests for batches in one invocation. The answer
is the same: each failing record reported alone, in the records' order. Records `serial_key` maps
to the same key (one broker account's) run one after another, in their order, on one thread, as
they would without workers. The handler must be thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

BatchResponse = dict[str, list[dict[str, str]]]

_pools_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}


def record_pool(workers: int) -> ThreadPoolExecutor:
    """The pool of `workers` threads, made on first use and kept per container (starting threads
    per batch is not free; a frozen container's idle threads cost nothing)."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="record")
        return pool


def partial_batch_response(
    event: Mapping[str, Any],
    record_handler: Callable[[SQSRecord], Any],
    *,
    workers: int = 1,
    serial_key: Callable[[SQSRecord], Hashable] | None = None,
) -> BatchResponse:
    """Each record to `record_handler` (`workers` at a time); the ids of those it raised on, in
    the records' order, for SQS to deliver again."""
    records = event.get("Records")
    if (
        not isinstance(records, list) or not records
    ):  # SQS never sends an empty batch; Powertools refused one too
        raise ValueError("not an SQS event: no Records")
    batch = [SQSRecord(raw) for raw in records]

    def handled(chain: list[int]) -> list[int]:
        """Handle the chain's records in order; the indexes of those that raised."""
        failed = []
        for index in chain:
            try:
                record_handler(batch[index])
            except Exception:  # a failed record goes back to SQS (the caller's wrapper logs it)
                failed.append(index)
        return failed

    chains = _chains(batch, serial_key)
    if workers <= 1 or len(chains) <= 1:
        results = [handled(chain) for chain in chains]
    else:
        results = list(record_pool(workers).map(handled, chains))
    failed = sorted(index for found in results for index in found)
    return {"batchItemFailures": [{"itemIdentifier": batch[index].message_id} for index in failed]}


def _chains(batch: list[SQSRecord], serial_key: Callable[[SQSRecord], Hashable] | None) -> list[list[int]]:
    """The records' indexes in runs to handle one after another: one run a record, or one a key
    (the records' order kept within each, the runs ordered by their first record)."""
    if serial_key is None:
        return [[index] for index in range(len(batch))]
    chains: dict[Hashable, list[int]] = {}
    for index, record in enumerate(batch):
        try:
            key: Hashable = ("key", serial_key(record))
        except Exception:  # a record without a readable key runs alone (its handler will say why)
            key = ("record", index)
        chains.setdefault(key, []).append(index)
    return list(chains.values())
