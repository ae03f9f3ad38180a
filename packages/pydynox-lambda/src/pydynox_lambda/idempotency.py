"""Idempotent Lambda handlers on pydynox, without boto3.

``@idempotent(store=IdempotencyStore("idempotency"))`` runs a handler at most once per distinct event
(or per part of it, with ``key=``) while the record lives: a duplicate that arrives while the first
call runs raises :class:`IdempotencyAlreadyInProgressError`; one that arrives after it returned gets
the stored response without running the handler.

Records have the schema of Powertools' ``DynamoDBPersistenceLayer`` (same attribute names, same
states, same key derivation), so a table can be shared with functions that use Powertools, and
:class:`~pydynox_lambda.powertools.PydynoxPersistenceLayer` plugs this store into Powertools' own
``@idempotent``. The record lifecycle:

* ``INPROGRESS``, written with a condition: no record, or an expired one, or an in-progress one whose
  Lambda invocation has timed out (``in_progress_expiration``, in milliseconds);
* ``COMPLETED`` with the JSON response once the handler returned;
* deleted if the handler raised, so a retry runs it again.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import hashlib
import inspect
import json
import os
import time
from collections.abc import Callable, Generator
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from pydynox import DynamoDBClient, get_default_client
from pydynox.exceptions import ConditionalCheckFailedException

__all__ = [
    "IdempotencyAlreadyInProgressError",
    "IdempotencyError",
    "IdempotencyInconsistentStateError",
    "IdempotencyKeyError",
    "IdempotencyPersistenceLayerError",
    "IdempotencyRecord",
    "IdempotencyStore",
    "IdempotencyValidationError",
    "RecordExists",
    "idempotent",
]

F = TypeVar("F", bound=Callable[..., Any])

INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
EXPIRED = "EXPIRED"

# Each attempt that meets a record which changed under it (deleted, or expired meanwhile) tries again;
# more than a couple of such races in a row means something else is wrong.
_ATTEMPTS = 3


class IdempotencyError(Exception):
    """Base class of the idempotency errors (named like Powertools' own)."""


class IdempotencyAlreadyInProgressError(IdempotencyError):
    """Another invocation with the same idempotency key is running."""


class IdempotencyValidationError(IdempotencyError):
    """The stored record was made from a different payload (``payload_validation``)."""


class IdempotencyKeyError(IdempotencyError):
    """The event holds no value for the idempotency key (with ``raise_on_no_idempotency_key``)."""


class IdempotencyInconsistentStateError(IdempotencyError):
    """The record kept changing between writing and reading it."""


class IdempotencyPersistenceLayerError(IdempotencyError):
    """Reading or writing the idempotency record failed; ``__cause__`` is the pydynox error."""


class RecordExists(Exception):
    """The in-progress record could not be written: a live record holds the key. ``existing`` is that
    record as DynamoDB returned it with the failed condition (None if it did not)."""

    def __init__(self, existing: IdempotencyRecord | None) -> None:
        super().__init__("an idempotency record already exists for this key")
        self.existing = existing


@dataclasses.dataclass
class IdempotencyRecord:
    """One idempotency record. Timestamps are epoch seconds, except ``in_progress_expiry_timestamp``
    (epoch milliseconds, bounded by the Lambda invocation's remaining time)."""

    idempotency_key: str
    status: str
    expiry_timestamp: int | None = None
    in_progress_expiry_timestamp: int | None = None
    response_data: str | None = None
    """The handler's response as JSON."""
    payload_hash: str | None = None

    def current_status(self, now: float | None = None) -> str:
        """``status``, or ``EXPIRED`` once ``expiry_timestamp`` has passed."""
        now = time.time() if now is None else now
        if self.expiry_timestamp is not None and int(now) > self.expiry_timestamp:
            return EXPIRED
        return self.status

    def response(self) -> Any:
        """The stored response, decoded from JSON."""
        return json.loads(self.response_data) if self.response_data else None


class IdempotencyStore:
    """Idempotency records in a DynamoDB table, read and written through pydynox.

    The table has a string partition key ``key_attr`` holding the idempotency key, or, with
    ``sort_key_attr``, the partition key holds ``static_pk_value`` (``idempotency#<function name>`` by
    default) and the sort key the idempotency key. Enable TTL on ``expiry_attr`` to have DynamoDB
    remove old records.

    ``client`` defaults to the default client at the time of each call (the one ``@handler`` set up).
    Each operation is async, with a ``sync_`` twin.
    """

    def __init__(
        self,
        table_name: str,
        *,
        client: DynamoDBClient | None = None,
        key_attr: str = "id",
        static_pk_value: str | None = None,
        sort_key_attr: str | None = None,
        expiry_attr: str = "expiration",
        in_progress_expiry_attr: str = "in_progress_expiration",
        status_attr: str = "status",
        data_attr: str = "data",
        validation_key_attr: str = "validation",
    ) -> None:
        if sort_key_attr is not None and sort_key_attr == key_attr:
            raise ValueError(f"key_attr and sort_key_attr must differ, both are {key_attr!r}")
        self.table_name = table_name
        self.key_attr = key_attr
        self.sort_key_attr = sort_key_attr
        self.static_pk_value = (
            static_pk_value
            if static_pk_value is not None
            else f"idempotency#{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', '')}"
        )
        self.expiry_attr = expiry_attr
        self.in_progress_expiry_attr = in_progress_expiry_attr
        self.status_attr = status_attr
        self.data_attr = data_attr
        self.validation_key_attr = validation_key_attr
        self._client = client

    def __repr__(self) -> str:
        return f"IdempotencyStore({self.table_name!r})"

    @property
    def client(self) -> DynamoDBClient:
        client = self._client or get_default_client()
        if client is None:
            raise RuntimeError(
                "IdempotencyStore has no client: pass client=..., run inside @handler, "
                "or call pydynox.set_default_client(...)"
            )
        return client

    def key(self, idempotency_key: str) -> dict[str, str]:
        """The record's primary key."""
        if self.sort_key_attr is not None:
            return {self.key_attr: self.static_pk_value, self.sort_key_attr: idempotency_key}
        return {self.key_attr: idempotency_key}

    # -- requests, shared by both faces --------------------------------------------------------------

    def _put_request(self, record: IdempotencyRecord) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self.key(record.idempotency_key),
            self.expiry_attr: record.expiry_timestamp,
            self.status_attr: record.status,
        }
        if record.in_progress_expiry_timestamp is not None:
            item[self.in_progress_expiry_attr] = record.in_progress_expiry_timestamp
        if record.payload_hash:
            item[self.validation_key_attr] = record.payload_hash
        now = time.time()
        # The key is free when no record holds it, when the record has expired (TTL deletes lazily),
        # or when it is in progress but its invocation's time ran out (the function crashed or timed
        # out without cleaning up).
        condition = (
            "attribute_not_exists(#id) OR #expiry < :now OR "
            "(#status = :inprogress AND attribute_exists(#in_progress_expiry) "
            "AND #in_progress_expiry < :now_in_millis)"
        )
        return {
            "table": self.table_name,
            "item": item,
            "condition_expression": condition,
            "expression_attribute_names": {
                "#id": self.key_attr,
                "#expiry": self.expiry_attr,
                "#in_progress_expiry": self.in_progress_expiry_attr,
                "#status": self.status_attr,
            },
            "expression_attribute_values": {
                ":now": int(now),
                ":now_in_millis": int(now * 1000),
                ":inprogress": INPROGRESS,
            },
            "return_values_on_condition_check_failure": True,
        }

    def _complete_request(self, record: IdempotencyRecord) -> dict[str, Any]:
        names = {"#response_data": self.data_attr, "#expiry": self.expiry_attr, "#status": self.status_attr}
        values: dict[str, Any] = {
            ":response_data": record.response_data,
            ":expiry": record.expiry_timestamp,
            ":status": record.status,
        }
        expression = "SET #response_data = :response_data, #expiry = :expiry, #status = :status"
        if record.payload_hash:
            expression += ", #validation_key = :validation_key"
            names["#validation_key"] = self.validation_key_attr
            values[":validation_key"] = record.payload_hash
        return {
            "table": self.table_name,
            "key": self.key(record.idempotency_key),
            "update_expression": expression,
            "expression_attribute_names": names,
            "expression_attribute_values": values,
        }

    def record_from_item(self, item: dict[str, Any]) -> IdempotencyRecord:
        """An item of the table as a record."""
        key = item[self.sort_key_attr] if self.sort_key_attr is not None else item[self.key_attr]
        expiry = item.get(self.expiry_attr)
        in_progress = item.get(self.in_progress_expiry_attr)
        return IdempotencyRecord(
            idempotency_key=key,
            status=item.get(self.status_attr, ""),
            expiry_timestamp=int(expiry) if expiry is not None else None,
            in_progress_expiry_timestamp=int(in_progress) if in_progress is not None else None,
            response_data=item.get(self.data_attr),
            payload_hash=item.get(self.validation_key_attr),
        )

    def _exists(self, exc: ConditionalCheckFailedException) -> RecordExists:
        return RecordExists(self.record_from_item(exc.item) if exc.item else None)

    # -- async -----------------------------------------------------------------------------------------

    async def put_in_progress(self, record: IdempotencyRecord) -> None:
        """Writes ``record`` unless a live record holds its key; raises :class:`RecordExists` then."""
        try:
            await self.client.put_item(**self._put_request(record))
        except ConditionalCheckFailedException as exc:
            raise self._exists(exc) from exc

    async def get(self, idempotency_key: str) -> IdempotencyRecord | None:
        item = await self.client.get_item(self.table_name, self.key(idempotency_key), consistent_read=True)
        return self.record_from_item(item) if item is not None else None

    async def complete(self, record: IdempotencyRecord) -> None:
        """Stores the response, the new expiry and the ``COMPLETED`` status of ``record``."""
        await self.client.update_item(**self._complete_request(record))

    async def delete(self, idempotency_key: str) -> None:
        await self.client.delete_item(self.table_name, self.key(idempotency_key))

    # -- sync ------------------------------------------------------------------------------------------

    def sync_put_in_progress(self, record: IdempotencyRecord) -> None:
        try:
            self.client.sync_put_item(**self._put_request(record))
        except ConditionalCheckFailedException as exc:
            raise self._exists(exc) from exc

    def sync_get(self, idempotency_key: str) -> IdempotencyRecord | None:
        item = self.client.sync_get_item(self.table_name, self.key(idempotency_key), consistent_read=True)
        return self.record_from_item(item) if item is not None else None

    def sync_complete(self, record: IdempotencyRecord) -> None:
        self.client.sync_update_item(**self._complete_request(record))

    def sync_delete(self, idempotency_key: str) -> None:
        self.client.sync_delete_item(self.table_name, self.key(idempotency_key))


# ---------------------------------------------------------------------------------------------------
# The decorator


def _json_default(value: Any) -> Any:
    """JSON for the values Lambda events and responses commonly hold, as Powertools encodes them (so
    keys and stored responses are the same whichever library wrote them)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    raw = getattr(value, "raw_event", None)  # Powertools' event source data classes
    if isinstance(raw, dict):
        return raw
    import pathlib
    import uuid

    if isinstance(value, (uuid.UUID, pathlib.PurePath)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _is_missing(data: Any) -> bool:
    if isinstance(data, dict):
        return all(v is None for v in data.values())
    if isinstance(data, (list, tuple)):
        return all(v is None for v in data)
    if isinstance(data, (int, float, bool)):
        return False
    return not data


Selector = str | Callable[[Any], Any]


def _selector(selector: Selector | None, what: str) -> Callable[[Any], Any] | None:
    if selector is None or callable(selector):
        return selector
    if not isinstance(selector, str):
        raise TypeError(f"{what} takes a JMESPath expression or a callable, got {type(selector).__name__}")
    try:
        import jmespath  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(
            f"{what}={selector!r} is a JMESPath expression, which needs the jmespath package "
            "(or pass a function of the event instead)"
        ) from None
    compiled = jmespath.compile(selector)
    return compiled.search  # type: ignore[no-any-return]


class _Step:
    """What the protocol asks its driver to do: call the store (``method``) or run the handler."""

    __slots__ = ("arg", "method")

    def __init__(self, method: str | None, arg: Any = None) -> None:
        self.method = method
        self.arg = arg


_RUN_HANDLER = _Step(None)


class _Idempotency:
    """The settings of one ``@idempotent(...)`` and the protocol both faces run."""

    def __init__(
        self,
        fn: Callable[..., Any],
        store: IdempotencyStore,
        key: Selector | None,
        payload_validation: Selector | None,
        expires_after_seconds: int,
        raise_on_no_idempotency_key: bool,
        key_prefix: str | None,
        hash_function: str,
    ) -> None:
        self.store = store
        self.select_key = _selector(key, "key")
        self.select_payload = _selector(payload_validation, "payload_validation")
        self.expires_after_seconds = expires_after_seconds
        self.raise_on_no_key = raise_on_no_idempotency_key
        self.key_prefix = key_prefix
        self.function = f"{fn.__module__}.{fn.__qualname__}"
        hasher = getattr(hashlib, hash_function, None)
        if not callable(hasher):
            raise ValueError(f"hash_function must name a hashlib function, got {hash_function!r}")
        self.hasher: Callable[[bytes], Any] = hasher

    def digest(self, data: Any) -> str:
        text = json.dumps(data, sort_keys=True, default=_json_default)
        return str(self.hasher(text.encode()).hexdigest())

    def idempotency_key(self, event: Any) -> str | None:
        data = self.select_key(event) if self.select_key is not None else event
        if _is_missing(data):
            if self.raise_on_no_key:
                raise IdempotencyKeyError("the event holds no value for the idempotency key")
            return None
        prefix = (
            self.key_prefix or f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'test-func')}.{self.function}"
        )
        return f"{prefix}#{self.digest(data)}"

    def protocol(self, event: Any, context: Any) -> Generator[_Step, Any, Any]:
        """The steps of one idempotent call; the driver performs each and sends back its result (or
        throws its exception in)."""
        key = self.idempotency_key(event)
        if key is None:
            # Nothing to key on: run as if not idempotent (Powertools does the same).
            return (yield _RUN_HANDLER)
        payload_hash = self.digest(self.select_payload(event)) if self.select_payload is not None else None
        for _ in range(_ATTEMPTS):
            now = time.time()
            remaining = getattr(context, "get_remaining_time_in_millis", None)
            record = IdempotencyRecord(
                idempotency_key=key,
                status=INPROGRESS,
                expiry_timestamp=int(now + self.expires_after_seconds),
                in_progress_expiry_timestamp=int(now * 1000 + remaining()) if remaining is not None else None,
                payload_hash=payload_hash,
            )
            try:
                yield _Step("put_in_progress", record)
                break
            except RecordExists as exists:
                existing = exists.existing
                if existing is None:
                    existing = yield _Step("get", key)
                    if existing is None:
                        continue  # deleted between the write and the read: try again
            if payload_hash is not None and existing.payload_hash != payload_hash:
                raise IdempotencyValidationError(
                    f"the payload differs from the one stored for idempotency key {key}"
                )
            status = existing.current_status()
            if status == EXPIRED:
                continue
            if status == INPROGRESS:
                timed_out = existing.in_progress_expiry_timestamp
                if timed_out is not None and timed_out < int(time.time() * 1000):
                    continue
                raise IdempotencyAlreadyInProgressError(
                    f"an invocation with idempotency key {key} is in progress"
                )
            return existing.response()
        else:
            raise IdempotencyInconsistentStateError(
                f"the idempotency record for {key} kept changing while it was being written"
            )
        try:
            result = yield _RUN_HANDLER
        except Exception:
            # A failed call leaves no record, so a retry runs the handler again.
            yield _Step("delete", key)
            raise
        try:
            response = (
                json.dumps(result, sort_keys=True, default=_json_default) if result is not None else None
            )
        except (TypeError, ValueError) as exc:
            raise IdempotencyPersistenceLayerError(f"the handler's response cannot be stored: {exc}") from exc
        yield _Step(
            "complete",
            IdempotencyRecord(
                idempotency_key=key,
                status=COMPLETED,
                expiry_timestamp=int(time.time() + self.expires_after_seconds),
                response_data=response,
                payload_hash=payload_hash,
            ),
        )
        return result

    def store_error(self, step: _Step, exc: Exception) -> Exception:
        if isinstance(exc, RecordExists):
            return exc
        wrapped = IdempotencyPersistenceLayerError(f"idempotency store {step.method} failed: {exc}")
        wrapped.__cause__ = exc
        return wrapped


def idempotent(
    *,
    store: IdempotencyStore,
    key: Selector | None = None,
    payload_validation: Selector | None = None,
    expires_after_seconds: int = 3600,
    raise_on_no_idempotency_key: bool = False,
    key_prefix: str | None = None,
    hash_function: str = "md5",
) -> Callable[[F], F]:
    """Makes a Lambda handler ``(event, context)``, ``def`` or ``async def``, idempotent.

    Args:
        store: where the records live.
        key: the part of the event that identifies a request: a JMESPath expression (needs the
            ``jmespath`` package) or a function of the event. Default: the whole event.
        payload_validation: the part of the event that must match the stored record's (a duplicate key
            with a different payload raises :class:`IdempotencyValidationError`).
        expires_after_seconds: how long a completed record answers duplicates.
        raise_on_no_idempotency_key: raise :class:`IdempotencyKeyError` when the key is empty, instead
            of running the handler without idempotency.
        key_prefix: replaces ``<function name>.<module>.<handler>`` before ``#<hash>`` in the key.
        hash_function: the ``hashlib`` function that hashes the key's JSON (Powertools' default, md5).
    """
    if not isinstance(store, IdempotencyStore):
        raise TypeError(f"@idempotent(store=...) needs an IdempotencyStore, got {type(store).__name__}")
    if (
        isinstance(expires_after_seconds, bool)
        or not isinstance(expires_after_seconds, int)
        or expires_after_seconds <= 0
    ):
        raise ValueError(f"expires_after_seconds must be a whole number > 0, got {expires_after_seconds!r}")

    def decorate(fn: F) -> F:
        settings = _Idempotency(
            fn, store, key, payload_validation, expires_after_seconds, raise_on_no_idempotency_key,
            key_prefix, hash_function,
        )  # fmt: skip

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
                steps = settings.protocol(event, context)
                value: Any = None
                error: Exception | None = None
                while True:
                    try:
                        step = steps.throw(error) if error is not None else steps.send(value)
                    except StopIteration as done:
                        return done.value
                    value, error = None, None
                    try:
                        if step.method is None:
                            value = await fn(event, context, *args, **kwargs)
                        else:
                            value = await getattr(store, step.method)(step.arg)
                    except Exception as exc:
                        error = exc if step.method is None else settings.store_error(step, exc)

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run_sync(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
            steps = settings.protocol(event, context)
            value: Any = None
            error: Exception | None = None
            while True:
                try:
                    step = steps.throw(error) if error is not None else steps.send(value)
                except StopIteration as done:
                    return done.value
                value, error = None, None
                try:
                    if step.method is None:
                        value = fn(event, context, *args, **kwargs)
                    else:
                        value = getattr(store, f"sync_{step.method}")(step.arg)
                except Exception as exc:
                    error = exc if step.method is None else settings.store_error(step, exc)

        return run_sync  # type: ignore[return-value]

    return decorate
