"""DynamoDB Streams records as model instances, and batches with partial failures.

A stream record's images arrive in DynamoDB's wire form (``{"age": {"N": "42"}}``); the Rust core
reads them into the same values a ``get`` returns (exact ints and Decimals, sets, bytes) or straight
into model instances, dispatching on the model's discriminator when it has one::

    from pydynox_lambda import handler, process_stream

    async def on_change(record):
        if record.event_name == "REMOVE" and record.is_ttl_expiry:
            await archive(record.old)

    @handler
    async def main(event, context):
        return await process_stream(event, on_change, model=User)

Records also come from Powertools' ``BatchProcessor`` (its ``DynamoDBRecord``): ``decode_record``
takes those too.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeAlias, TypeVar, overload

from pydynox._core import ModelSchema, decode_stream_image

from pydynox_lambda.invocation import DeadlineExceeded

__all__ = [
    "BatchResponse",
    "StreamRecord",
    "decode_record",
    "process_stream",
    "stream_records",
    "sync_process_stream",
]

M = TypeVar("M")
EventName: TypeAlias = Literal["INSERT", "MODIFY", "REMOVE"]
BatchResponse: TypeAlias = dict[str, list[dict[str, str]]]
"""``{"batchItemFailures": [{"itemIdentifier": "<sequence number>"}, ...]}``, what Lambda expects
from a function whose event source mapping reports batch item failures."""

_EVENT_NAMES = frozenset({"INSERT", "MODIFY", "REMOVE"})
# DynamoDB's TTL process deletes expired items as this service principal.
_TTL_PRINCIPAL = "dynamodb.amazonaws.com"

_logger = logging.getLogger("pydynox_lambda.streams")


class StreamRecord(Generic[M]):
    """One change of one item.

    ``new`` and ``old`` are the item after and before the change (model instances when decoded with
    a model, plain dicts otherwise); either is None when the stream's view type does not carry it
    (``KEYS_ONLY`` carries neither, ``NEW_IMAGE`` no ``old``, ``OLD_IMAGE`` no ``new``) or the change
    has none (an ``INSERT`` has no ``old``, a ``REMOVE`` no ``new``).
    """

    __slots__ = (
        "_entity",
        "_new_image",
        "_old_image",
        "approximate_creation_time",
        "aws_region",
        "event_id",
        "event_name",
        "event_source_arn",
        "keys",
        "new",
        "old",
        "raw",
        "sequence_number",
        "size_bytes",
        "stream_view_type",
        "user_identity",
    )

    event_id: str | None
    event_name: EventName
    event_source_arn: str | None
    aws_region: str | None
    sequence_number: str | None
    """The record's position in its shard; what ``batchItemFailures`` reports."""
    size_bytes: int | None
    stream_view_type: str | None
    """``KEYS_ONLY``, ``NEW_IMAGE``, ``OLD_IMAGE`` or ``NEW_AND_OLD_IMAGES``."""
    approximate_creation_time: _dt.datetime | None
    user_identity: dict[str, Any] | None
    keys: dict[str, Any]
    """The item's key attributes as plain values."""
    new: M | None
    old: M | None
    raw: Mapping[str, Any]
    """The record as Lambda delivered it."""

    def __init__(self, raw: Mapping[str, Any], model: type[Any] | None = None) -> None:
        self.raw = raw
        label = f"stream record {raw.get('eventID') or '(no eventID)'}"
        change = raw.get("dynamodb")
        if not isinstance(change, Mapping):
            raise ValueError(f"{label}: not a DynamoDB Streams record (it has no 'dynamodb' entry)")
        event_name = raw.get("eventName")
        if event_name not in _EVENT_NAMES:
            raise ValueError(f"{label}: eventName must be INSERT, MODIFY or REMOVE, got {event_name!r}")
        self.event_id = raw.get("eventID")
        self.event_name = event_name
        self.event_source_arn = raw.get("eventSourceARN")
        self.aws_region = raw.get("awsRegion")
        self.user_identity = raw.get("userIdentity")
        self.sequence_number = change.get("SequenceNumber")
        self.size_bytes = change.get("SizeBytes")
        self.stream_view_type = change.get("StreamViewType")
        created = change.get("ApproximateCreationDateTime")
        self.approximate_creation_time = (
            _dt.datetime.fromtimestamp(created, tz=_dt.UTC) if isinstance(created, (int, float)) else None
        )
        schema = _schema(model) if model is not None else None
        self._new_image = change.get("NewImage")
        self._old_image = change.get("OldImage")
        self._entity: Any = None
        try:
            self.keys = decode_stream_image(change.get("Keys") or {}, None, "Keys")
            self.new = _decode(self._new_image, schema, "NewImage")
            self.old = _decode(self._old_image, schema, "OldImage")
            if self.new is None and self.old is None and model is not None and self.keys:
                # KEYS_ONLY: an instance holding the key; the projected schema leaves every other
                # attribute None (no defaults), so saving it could not overwrite what is stored.
                self._entity = decode_stream_image(change["Keys"], model._pydynox_info.projected_core, "Keys")
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"{label}: {exc}") from exc

    @property
    def table(self) -> str | None:
        """The table's name, from ``eventSourceARN``."""
        arn = self.event_source_arn or ""
        _, found, rest = arn.partition(":table/")
        return rest.split("/", 1)[0] if found else None

    @property
    def is_ttl_expiry(self) -> bool:
        """True when DynamoDB's TTL process deleted the item (not an application's delete)."""
        identity = self.user_identity or {}
        return (
            self.event_name == "REMOVE"
            and identity.get("type") == "Service"
            and identity.get("principalId") == _TTL_PRINCIPAL
        )

    @property
    def entity(self) -> Any:
        """The item this record is about: ``new``, else ``old``, else (``KEYS_ONLY``) an instance with
        only its key attributes set, or the keys dict without a model."""
        if self.new is not None:
            return self.new
        if self.old is not None:
            return self.old
        return self._entity if self._entity is not None else self.keys

    @property
    def new_image(self) -> dict[str, Any] | None:
        """``NewImage`` as plain values (whatever the model)."""
        image: dict[str, Any] | None = _decode(self._new_image, None, "NewImage")
        return image

    @property
    def old_image(self) -> dict[str, Any] | None:
        """``OldImage`` as plain values (whatever the model)."""
        image: dict[str, Any] | None = _decode(self._old_image, None, "OldImage")
        return image

    @property
    def changed_attributes(self) -> set[str]:
        """Stored attribute names whose values differ between the old and new images (added and
        removed ones included); empty unless the record carries both images."""
        old, new = self.old_image, self.new_image
        if old is None or new is None:
            return set()
        return {
            name for name in old.keys() | new.keys() if old.get(name, _MISSING) != new.get(name, _MISSING)
        }

    def __repr__(self) -> str:
        return f"StreamRecord({self.event_name} {self.keys!r}, sequence_number={self.sequence_number!r})"


_MISSING = object()


def _decode(image: Any, schema: ModelSchema | None, what: str) -> Any:
    # Any: a dict without a schema, an instance with one.
    return None if image is None else decode_stream_image(image, schema, what)


def _schema(model: type[Any]) -> ModelSchema:
    info = getattr(model, "_pydynox_info", None)
    schema = getattr(info, "core", None)
    if not isinstance(schema, ModelSchema):
        raise TypeError(f"model= takes a pydynox model class, got {model!r}")
    return schema


def _raw(record: Any) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        return record
    # Powertools' event source data classes (DynamoDBRecord) keep the record in raw_event.
    raw = getattr(record, "raw_event", None)
    if isinstance(raw, Mapping):
        return raw
    raise TypeError(f"a stream record is a dict (or Powertools' DynamoDBRecord), got {type(record).__name__}")


@overload
def decode_record(record: Any, model: type[M]) -> StreamRecord[M]: ...
@overload
def decode_record(record: Any, model: None = None) -> StreamRecord[dict[str, Any]]: ...
def decode_record(record: Any, model: type[Any] | None = None) -> StreamRecord[Any]:
    """One record of a DynamoDB Streams event (a dict, or Powertools' ``DynamoDBRecord``), its images
    decoded into ``model`` instances (the subclass its discriminator names) or plain dicts.

    Raises ``ValueError`` naming the record and the attribute when the record is malformed or an
    image does not fit the model."""
    return StreamRecord(_raw(record), model)


@overload
def stream_records(event: Mapping[str, Any], model: type[M]) -> list[StreamRecord[M]]: ...
@overload
def stream_records(event: Mapping[str, Any], model: None = None) -> list[StreamRecord[dict[str, Any]]]: ...
def stream_records(event: Mapping[str, Any], model: type[Any] | None = None) -> list[StreamRecord[Any]]:
    """Every record of a DynamoDB Streams event, decoded (the first malformed one raises)."""
    return [StreamRecord(_raw(r), model) for r in _records(event)]


def _records(event: Mapping[str, Any]) -> Sequence[Any]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise ValueError("a DynamoDB Streams event is a dict with a 'Records' list")
    return records


class _Batch:
    """The bookkeeping both faces of ``process_stream`` share."""

    def __init__(self, event: Mapping[str, Any], model: type[Any] | None, stop_on_failure: bool) -> None:
        self.records = _records(event)
        self.model = model
        self.stop_on_failure = stop_on_failure
        self.failures: list[dict[str, str]] = []

    def failed(self, raw: Any, exc: Exception) -> bool:
        """Records the failure; True when processing must stop."""
        if isinstance(exc, DeadlineExceeded):
            # Out of time: the invocation fails as a whole and Lambda retries the batch.
            raise exc
        sequence = _sequence_number(raw)
        if sequence is None:
            # Without its sequence number a failure cannot be reported on its own; failing the
            # whole invocation makes Lambda retry the batch, which loses nothing.
            raise ValueError(
                f"a stream record failed and has no dynamodb.SequenceNumber to report it by: {exc}"
            ) from exc
        _logger.error("stream record %s failed", sequence, exc_info=exc)
        self.failures.append({"itemIdentifier": sequence})
        return self.stop_on_failure

    def response(self) -> BatchResponse:
        return {"batchItemFailures": self.failures}


def _sequence_number(record: Any) -> str | None:
    try:
        change = _raw(record).get("dynamodb")
    except TypeError:
        return None
    sequence = change.get("SequenceNumber") if isinstance(change, Mapping) else None
    return sequence if isinstance(sequence, str) and sequence else None


async def process_stream(
    event: Mapping[str, Any],
    record_handler: Callable[[StreamRecord[Any]], Awaitable[object] | object],
    model: type[Any] | None = None,
    *,
    stop_on_failure: bool = False,
) -> BatchResponse:
    """Calls ``record_handler`` (sync or async) with each record, in order, and returns the
    ``batchItemFailures`` response naming the records that failed (to decode or to handle).

    With ``stop_on_failure=True`` the first failure ends the batch: Lambda retries from that record,
    so the records after it are not processed ahead of it (per-item order is kept).
    """
    batch = _Batch(event, model, stop_on_failure)
    for raw in batch.records:
        try:
            outcome = record_handler(decode_record(raw, model))
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as exc:
            if batch.failed(raw, exc):
                break
    return batch.response()


def sync_process_stream(
    event: Mapping[str, Any],
    record_handler: Callable[[StreamRecord[Any]], object],
    model: type[Any] | None = None,
    *,
    stop_on_failure: bool = False,
) -> BatchResponse:
    """The blocking twin of :func:`process_stream`, for a sync ``record_handler``."""
    batch = _Batch(event, model, stop_on_failure)
    for raw in batch.records:
        try:
            outcome = record_handler(decode_record(raw, model))
        except Exception as exc:
            if batch.failed(raw, exc):
                break
            continue
        if inspect.isawaitable(outcome):
            if inspect.iscoroutine(outcome):
                outcome.close()
            raise TypeError("the record handler is async: use `await process_stream(...)`")
    return batch.response()
