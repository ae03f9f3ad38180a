"""Powertools for AWS Lambda interop: an idempotency persistence layer on pydynox, and Logger
enrichment from operation events. Needs the ``powertools`` extra.

The handler decorators of Powertools (``Logger.inject_lambda_context``, ``Tracer.capture_lambda_handler``,
``Metrics.log_metrics``) need nothing from here: they stack with ``@handler`` in either order.

Importing Powertools' idempotency package imports boto3 (its own DynamoDB layer lives there), so
:class:`PydynoxPersistenceLayer` is for functions that use Powertools' ``@idempotent`` anyway; the
boto3-free path is :func:`pydynox_lambda.idempotent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from pydynox.usage import Usage

from pydynox_lambda.idempotency import IdempotencyRecord, IdempotencyStore, RecordExists

if TYPE_CHECKING:
    from pydynox import DynamoDBClient
    from pydynox.events import OperationEvent

    from pydynox_lambda.invocation import Invocation

__all__ = ["LoggerEnrichment", "PydynoxPersistenceLayer"]


class PydynoxPersistenceLayer(BasePersistenceLayer):
    """Powertools' idempotency persistence on pydynox: a drop-in for ``DynamoDBPersistenceLayer``, with
    the same arguments (``boto3_*`` aside), record schema and conditions.

    .. code-block:: python

        from aws_lambda_powertools.utilities.idempotency import idempotent

        layer = PydynoxPersistenceLayer(table_name="idempotency")

        @idempotent(persistence_store=layer)
        def main(event, context): ...
    """

    def __init__(
        self,
        table_name: str,
        key_attr: str = "id",
        static_pk_value: str | None = None,
        sort_key_attr: str | None = None,
        expiry_attr: str = "expiration",
        in_progress_expiry_attr: str = "in_progress_expiration",
        status_attr: str = "status",
        data_attr: str = "data",
        validation_key_attr: str = "validation",
        *,
        client: DynamoDBClient | None = None,
    ) -> None:
        self.store = IdempotencyStore(
            table_name,
            client=client,
            key_attr=key_attr,
            static_pk_value=static_pk_value,
            sort_key_attr=sort_key_attr,
            expiry_attr=expiry_attr,
            in_progress_expiry_attr=in_progress_expiry_attr,
            status_attr=status_attr,
            data_attr=data_attr,
            validation_key_attr=validation_key_attr,
        )
        super().__init__()  # type: ignore[no-untyped-call]

    def _data_record(self, record: IdempotencyRecord) -> DataRecord:
        store = self.store
        return DataRecord(
            # Powertools reports the partition key value here (the static one for composite keys)
            # and the sort key beside it; keep that so its messages and cache read the same.
            idempotency_key=store.static_pk_value if store.sort_key_attr else record.idempotency_key,
            status=record.status,
            expiry_timestamp=record.expiry_timestamp,
            in_progress_expiry_timestamp=record.in_progress_expiry_timestamp,
            response_data=record.response_data or "",
            payload_hash=record.payload_hash or "",
            sort_key=record.idempotency_key if store.sort_key_attr else None,
        )

    def _record(self, data_record: DataRecord) -> IdempotencyRecord:
        return IdempotencyRecord(
            idempotency_key=data_record.idempotency_key,
            status=data_record.status,
            expiry_timestamp=data_record.expiry_timestamp,
            in_progress_expiry_timestamp=data_record.in_progress_expiry_timestamp,
            response_data=data_record.response_data,
            payload_hash=data_record.payload_hash if self.payload_validation_enabled else None,
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        record = self.store.sync_get(idempotency_key)
        if record is None:
            raise IdempotencyItemNotFoundError
        return self._data_record(record)

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            self.store.sync_put_in_progress(self._record(data_record))
        except RecordExists as exc:
            if exc.existing is None:
                raise IdempotencyItemAlreadyExistsError() from exc
            existing = self._data_record(exc.existing)
            # As Powertools' own layer does: a payload mismatch is reported now, and a completed
            # record is cached before the handler replays it.
            self._validate_payload(data_payload=data_record, stored_data_record=existing)
            self._save_to_cache(data_record=existing)
            raise IdempotencyItemAlreadyExistsError(old_data_record=existing) from exc

    def _update_record(self, data_record: DataRecord) -> None:
        self.store.sync_complete(self._record(data_record))

    def _delete_record(self, data_record: DataRecord) -> None:
        self.store.sync_delete(data_record.idempotency_key)


class LoggerEnrichment:
    """An invocation observer that adds the invocation's DynamoDB usage to every log line of a
    Powertools ``Logger`` (any logger with ``append_keys``/``remove_keys``).

    After each operation the logger carries, under ``key``, the calls, consumed capacity, retries and
    throttles so far and the last DynamoDB request id; the key is removed when the invocation ends.
    With ``log_operations=True`` each operation is also logged at DEBUG with its fields.
    """

    def __init__(self, logger: Any, *, key: str = "dynamodb", log_operations: bool = False) -> None:
        if not callable(getattr(logger, "append_keys", None)) or not callable(
            getattr(logger, "remove_keys", None)
        ):
            raise TypeError(
                "LoggerEnrichment needs a Powertools Logger (append_keys/remove_keys), "
                f"got {type(logger).__name__}"
            )
        self.logger = logger
        self.key = key
        self.log_operations = log_operations
        self._usage: dict[Invocation, Usage] = {}

    def invocation_started(self, invocation: Invocation) -> None:
        self._usage[invocation] = Usage()

    def operation(self, event: OperationEvent, invocation: Invocation) -> None:
        usage = self._usage.get(invocation)
        if usage is None:
            return
        usage.add(event)
        self.logger.append_keys(
            **{
                self.key: {
                    "calls": usage.calls,
                    "errors": usage.errors,
                    "consumed_rcu": usage.consumed_rcu,
                    "consumed_wcu": usage.consumed_wcu,
                    "retries": usage.retries,
                    "throttles": usage.throttles,
                    "last_request_id": event.request_id,
                }
            }
        )
        if self.log_operations:
            self.logger.debug(
                "DynamoDB %s %s",
                event.operation,
                event.table or "",
                extra={
                    "dynamodb_operation": {
                        "operation": event.operation,
                        "table": event.table,
                        "index": event.index,
                        "duration_ms": round(event.duration * 1000, 3),
                        "attempts": event.attempts,
                        "throttles": event.throttles,
                        "consumed_rcu": event.consumed_rcu,
                        "consumed_wcu": event.consumed_wcu,
                        "request_id": event.request_id,
                        "error_code": event.error_code,
                    }
                },
            )

    def invocation_finished(self, invocation: Invocation, error: BaseException | None) -> None:
        self._usage.pop(invocation, None)
        self.logger.remove_keys([self.key])
