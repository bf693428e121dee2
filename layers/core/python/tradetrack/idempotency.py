"""Exactly-once work per key with Powertools Idempotency on Redis (CachePersistenceLayer).

Work that raises leaves no record (Powertools deletes it), so it runs again on the retry; work
that returns is stored for `ttl_s` and a repeat answers from the stored result without running.
A record still in progress (another invocation, or one that died) raises
IdempotencyAlreadyInProgressError: the SQS record fails and comes back after the visibility
timeout, when the in-progress lock (the invocation's remaining time) has lapsed.
Each prefix has its own persistence layer, so one kind of work never answers for another.
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
        self.client = client
        self.config = IdempotencyConfig(
            event_key_jmespath="key", raise_on_no_idempotency_key=True, expires_after_seconds=ttl_s
        )
        if context is not None:
            self.config.register_lambda_context(context)
        self._stores: dict[str, CachePersistenceLayer] = {}

    def _store(self, prefix: str) -> CachePersistenceLayer:
        if prefix not in self._stores:
            with warnings.catch_warnings():
                # In Powertools 3.x CachePersistenceLayer is an alias of RedisCachePersistenceLayer, whose
                # constructor warns that the old name goes in v4; this code already uses the new name.
                warnings.simplefilter("ignore", DeprecationWarning)
                self._stores[prefix] = CachePersistenceLayer(client=self.client)
        return self._stores[prefix]

    def once(self, prefix: str, key: str, work: Callable[[], Result]) -> Result:
        @idempotent_function(
            data_keyword_argument="job",
            persistence_store=self._store(prefix),
            config=self.config,
            key_prefix=prefix,
        )
        def run(job: dict[str, str]) -> Result:
            return work()

        result: Result = run(job={"key": key})
        return result
