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
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Powertools' idempotency package imports boto3 (DynamoDB layer): loaded on first use
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
    from aws_lambda_powertools.utilities.idempotency.persistence.cache import CachePersistenceLayer
    from aws_lambda_powertools.utilities.typing import LambdaContext

Result = dict[str, Any]
Outcome = Result | Exception  # what one key's work came to: its result, or what failed it


class Idempotency:
    def __init__(
        self, client: Any, *, ttl_s: int, context: LambdaContext | None = None, validate_payload: bool = False
    ) -> None:
        """`validate_payload`: `once` with a `payload` stores its hash with the record, and a repeat of
        the key with another payload raises IdempotencyValidationError (Powertools payload validation)."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

        self.client = client
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_s,
            payload_validation_jmespath="payload" if validate_payload else "",
        )
        if context is not None:
            self.config.register_lambda_context(context)
        self._stores: dict[str, CachePersistenceLayer] = {}

    def _store(self, prefix: str) -> CachePersistenceLayer:
        from aws_lambda_powertools.utilities.idempotency.persistence.cache import CachePersistenceLayer

        if prefix not in self._stores:
            with warnings.catch_warnings():
                # In Powertools 3.x CachePersistenceLayer is an alias of RedisCachePersistenceLayer, whose
                # constructor warns that the old name goes in v4; this code already uses the new name.
                warnings.simplefilter("ignore", DeprecationWarning)
                layer = (
                    _validating_layer() if self.config.payload_validation_jmespath else CachePersistenceLayer
                )
                self._stores[prefix] = layer(client=self.client)
        return self._stores[prefix]

    def once(self, prefix: str, key: str, work: Callable[[], Result], payload: Any = None) -> Result:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function

        @idempotent_function(
            data_keyword_argument="job",
            persistence_store=self._store(prefix),
            config=self.config,
            key_prefix=prefix,
        )
        def run(job: dict[str, Any]) -> Result:
            return work()

        job: dict[str, Any] = {"key": key} if payload is None else {"key": key, "payload": payload}
        result: Result = run(job=job)
        return result

    def once_each(
        self, prefix: str, keys: Sequence[str], work: Callable[[list[str]], Mapping[str, Outcome]]
    ) -> dict[str, Outcome]:
        """`once` for many keys with one call of `work`, so that their work can be done in bulk.

        Each key is claimed as `once` claims it (the same record: a key completed by either answers
        from its stored result; one in progress elsewhere gets IdempotencyAlreadyInProgressError).
        `work` runs once with the claimed keys and answers each with its result or the exception
        that failed it (raising fails them all). Results are stored; a failed key's claim is
        released so that its retry runs it again."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyItemAlreadyExistsError,
            IdempotencyPersistenceLayerError,
        )

        store = self._store(prefix)
        store.configure(config=self.config, key_prefix=prefix)
        outcomes: dict[str, Outcome] = {}
        claimed: list[str] = []
        for key in dict.fromkeys(keys):
            try:
                store.save_inprogress(data={"key": key}, remaining_time_in_millis=self._remaining_ms())
                claimed.append(key)
            except IdempotencyItemAlreadyExistsError as exc:
                outcomes[key] = self._stored(store, key, exc)
            except Exception as exc:  # the store failed: this key is retried
                outcomes[key] = exc
        if not claimed:
            return outcomes
        try:
            done = dict(work(claimed))
        except Exception as exc:
            done = dict.fromkeys(claimed, exc)
        for key in claimed:
            outcome = done[key] if key in done else RuntimeError(f"no outcome for {key}")
            try:
                if isinstance(outcome, Exception):
                    store.delete_record(data={"key": key}, exception=outcome)
                else:
                    store.save_success(data={"key": key}, result=outcome)
            except Exception as exc:
                outcome = IdempotencyPersistenceLayerError("idempotency record not updated", exc)
            outcomes[key] = outcome
        return outcomes

    def _remaining_ms(self) -> int | None:
        context = self.config.lambda_context
        return None if context is None else int(context.get_remaining_time_in_millis())

    @staticmethod
    def _stored(store: CachePersistenceLayer, key: str, exc: IdempotencyItemAlreadyExistsError) -> Outcome:
        """A claimed key's stored result, or the error that sends its record back to the queue."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyInconsistentStateError,
        )
        from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS

        try:
            record = exc.old_data_record or store.get_record(data={"key": key})
        except Exception as error:  # deleted meanwhile, or the store failed: retried
            return IdempotencyInconsistentStateError(f"{key}: {error}")
        if record is None or record.status == STATUS_CONSTANTS["EXPIRED"]:
            return IdempotencyInconsistentStateError(f"{key}: the record expired meanwhile")
        if record.status == STATUS_CONSTANTS["INPROGRESS"]:
            return IdempotencyAlreadyInProgressError(f"already in progress: {key}")
        return dict(record.response_json_as_dict() or {})


def _validating_layer() -> type[CachePersistenceLayer]:
    """CachePersistenceLayer keeping the payload's hash when a record completes. Powertools 3.37's
    `_update_record` rewrites the Redis value without it, so an identical retry of a completed call
    fails payload validation (the TypeScript twin: powertools-lambda-typescript#5705, fixed there)."""
    from aws_lambda_powertools.utilities.idempotency.persistence.cache import CachePersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

    class Validating(CachePersistenceLayer):
        def _update_record(self, data_record: DataRecord) -> None:
            value = {
                self.data_attr: data_record.response_data,
                self.status_attr: data_record.status,
                self.expiry_attr: data_record.expiry_timestamp,
                self.validation_key_attr: data_record.payload_hash,
            }
            ttl = self._get_expiry_second(data_record.expiry_timestamp)
            self.client.set(name=data_record.idempotency_key, value=self._json_serializer(value), ex=ttl)

    return Validating
