"""Exactly-once work per key with Powertools Idempotency on Redis (CachePersistenceLayer).

Two levels, each its own persistence layer and key prefix:
- the event (its eventId or content hash): a duplicate of a delivered event does no work at all;
- each channel of an event ("<key>:email"): when a later channel fails transiently the whole event
  is retried, and the channels that already went out answer from their stored result instead of
  sending again.
Work that raises leaves no record (Powertools deletes it), so it runs again on the retry; work
that returns (sent, or failed for good) is stored for `ttl_s`. A record still in progress (another
invocation, or one that died) raises IdempotencyAlreadyInProgressError: the SQS record fails and
comes back after the visibility timeout, when the in-progress lock (the invocation's remaining
time) has lapsed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.cache import CachePersistenceLayer
from aws_lambda_powertools.utilities.typing import LambdaContext

Result = dict[str, Any]


class Idempotency:
    def __init__(self, client: Any, *, ttl_s: int, context: LambdaContext | None = None) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="key", raise_on_no_idempotency_key=True, expires_after_seconds=ttl_s
        )
        if context is not None:
            self.config.register_lambda_context(context)
        with warnings.catch_warnings():
            # In Powertools 3.x CachePersistenceLayer is an alias of RedisCachePersistenceLayer, whose
            # constructor warns that the old name goes in v4; this code already uses the new name.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._events = CachePersistenceLayer(client=client)
            self._channels = CachePersistenceLayer(client=client)

    def _once(
        self, store: CachePersistenceLayer, prefix: str, key: str, work: Callable[[], Result]
    ) -> Result:
        @idempotent_function(
            data_keyword_argument="job", persistence_store=store, config=self.config, key_prefix=prefix
        )
        def run(job: dict[str, str]) -> Result:
            return work()

        result: Result = run(job={"key": key})
        return result

    def event(self, key: str, work: Callable[[], Result]) -> Result:
        return self._once(self._events, "notify-event", key, work)

    def channel(self, key: str, channel: str, work: Callable[[], Result]) -> Result:
        return self._once(self._channels, "notify-channel", f"{key}:{channel}", work)
