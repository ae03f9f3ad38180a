"""Batch writes and reads of models (and plain items), any number of tables at once.

.. code-block:: python

    async with BatchWriter() as batch:
        for user in users:
            batch.save(user)            # or: await batch.save(user), to wait when flushes back up
        batch.delete(old_order)
        batch.put({"pk": "RAW#1"}, table="audit")

Writes are buffered and sent 25 at a time (DynamoDB's BatchWriteItem limit) while the caller goes on;
at most ``max_in_flight`` requests are in flight, and awaiting a call waits for a slot. What DynamoDB
hands back unprocessed is retried with backoff; what still fails is raised as
:class:`~pydynox.exceptions.UnprocessedItemsException` with exactly those writes (and the model
instances behind them in ``.models``). Hooks run as in ``save``/``delete``: before hooks when the write
is queued, after hooks once it is written; generated values and the size limit are applied first.

Writes of one item keep their order: a later write replaces an earlier one still queued, and a request
holding a later write waits for the request in flight that holds an earlier one (retries included).
Plain items given to ``put()`` are not ordered, as the writer does not know their key attributes.

A write queued before the ``with`` block exits normally is always sent, whether or not it was awaited.
When the block raises, writes still in the buffer are dropped (nothing new is sent) and the requests
already in flight are waited for.

BatchWriteItem cannot carry conditions, so models with a ``VersionAttribute`` are refused (save them
with ``save()`` or in a ``Transaction``, which check the version).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Generator, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydynox import _s3
from pydynox._crud import (
    after_load_async,
    after_load_sync,
    decoded_async,
    decoded_sync,
    instance_key,
    loaded_as,
    projection_paths,
    whole_item,
)
from pydynox._model_info import ModelInfo
from pydynox._unit import OneClient
from pydynox.client import DynamoDBClient
from pydynox.exceptions import ItemsNotFoundException, UnprocessedItemsException
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync

__all__ = ["BatchGetResult", "BatchWriter", "SyncBatchWriter"]

#: DynamoDB's limit of writes per BatchWriteItem request.
BATCH_SIZE = 25


def _comparable(value: Any) -> Any:
    """A key value as it compares with the one DynamoDB hands back: a float by the shortest decimal
    text that round-trips, which is what is stored (``0.1`` comes back as ``Decimal("0.1")``)."""
    return Decimal(repr(value)) if isinstance(value, float) else value


class _Write:
    """One queued write: what is sent, and what to do once it is written."""

    __slots__ = ("identity", "info", "instance", "key", "kind", "payload", "s3_gone", "table")

    def __init__(
        self, table: str, kind: str, payload: Any, key: dict[str, Any] | None, info: ModelInfo | None,
        instance: Any,
    ) -> None:  # fmt: skip
        self.table = table
        self.kind = kind
        self.payload = payload
        self.key = key
        self.info = info
        self.instance = instance
        #: The item this write is for (None for a plain put, whose key attributes are unknown).
        self.identity: tuple[Any, ...] | None = (
            None if key is None else (table, *sorted((k, _comparable(v)) for k, v in key.items()))
        )
        #: S3 objects the item points to now and will not once this write is done (deleted then).
        self.s3_gone: list[_s3.Ref] = []

    def matches(self, table: str, kind: str, item: dict[str, Any]) -> bool:
        if table != self.table or kind != self.kind:
            return False
        if self.key is not None:
            return all(_comparable(item.get(k)) == _comparable(v) for k, v in self.key.items())
        return bool(item == self.payload)

    def commit(self) -> None:
        if self.info is not None:
            self.info.set_snapshot(self.instance, self.payload if self.kind == "put" else None)

    def after_hooks(self, skip: bool | None) -> list[Callable[..., Any]]:
        if self.info is None:
            return []
        kind = HookType.AFTER_SAVE if self.kind == "put" else HookType.AFTER_DELETE
        return self.info.hooks_for(kind, skip)


def _refuse_versioned(info: ModelInfo) -> None:
    if info.version is not None:
        raise ValueError(
            f"{info.name} has a VersionAttribute: a batch write cannot check versions; "
            "use save()/delete() or a Transaction"
        )


class _Buffer(OneClient):
    """What both writers share: turning calls into writes, chunking, and sorting a failed request into
    written and unwritten."""

    _unit = "a batch writer"

    def __init__(
        self, client: DynamoDBClient | None, table: str | None, skip_hooks: bool | None,
        max_retries: int | None,
    ) -> None:  # fmt: skip
        super().__init__(client)
        self._table = table
        self._skip_hooks = skip_hooks
        self._max_retries = max_retries
        self._pending: dict[Any, _Write] = {}
        self._anonymous = 0
        self._errors: list[UnprocessedItemsException] = []

    def _queue(self, write: _Write) -> None:
        # A later write of the same item replaces the earlier one (DynamoDB refuses both in one request).
        identity = write.identity
        if identity is None:
            self._anonymous += 1
            identity = ("anonymous", self._anonymous)
        # Popped first so the replacement takes its place at the end of the queue.
        self._pending.pop(identity, None)
        self._pending[identity] = write

    def _raw_table(self, table: str | None) -> str:
        table = table or self._table
        if not table:
            raise ValueError("a plain item needs table= (or a table given to the batch writer)")
        return table

    def _put_item(self, item: dict[str, Any], table: str | None) -> None:
        if not isinstance(item, dict):
            raise TypeError(
                f"put() takes a dict item; save() takes a model instance, got {type(item).__name__}"
            )
        self.client()
        self._queue(_Write(self._raw_table(table), "put", item, None, None, None))

    def _delete_key(self, key: dict[str, Any], table: str | None) -> None:
        self.client()
        self._queue(_Write(self._raw_table(table), "delete", key, dict(key), None, None))

    def _model(self, instance: Any) -> ModelInfo:
        info = self._model_info(instance)
        _refuse_versioned(info)
        return info

    def _save_model(self, info: ModelInfo, instance: Any) -> None:
        _s3.refuse_uploads(info, instance.__dict__, "a batch write")
        snapshot = whole_item(info, instance)
        key = snapshot.pick([a.db_name for a in info.key_attributes])
        write = _Write(info.table, "put", snapshot, key, info, instance)
        write.s3_gone = _s3.gone_after_put(info, instance)
        self._queue(write)

    def _delete_model(self, info: ModelInfo, instance: Any) -> None:
        key = instance_key(info, instance)
        write = _Write(info.table, "delete", key, key, info, instance)
        write.s3_gone = _s3.held(info, instance)
        self._queue(write)

    def _take(self, everything: bool) -> list[list[_Write]]:
        """Full batches of 25 from the queue (and the remainder too when ``everything``)."""
        slots = list(self._pending)
        cut = len(slots) if everything else len(slots) - len(slots) % BATCH_SIZE
        writes = [self._pending.pop(slot) for slot in slots[:cut]]
        return [writes[i : i + BATCH_SIZE] for i in range(0, cut, BATCH_SIZE)]

    def _request(self, chunk: list[_Write]) -> list[tuple[str, str, Any]]:
        return [(w.table, w.kind, w.payload) for w in chunk]

    def _sort(self, chunk: list[_Write], error: UnprocessedItemsException | None) -> list[_Write]:
        """The writes of ``chunk`` that were written; records the error with the others' models."""
        if error is None:
            return chunk
        unwritten = [w for w in chunk if any(w.matches(*u) for u in error.unprocessed)]
        error.models.extend(w.instance for w in unwritten if w.instance is not None)
        self._errors.append(error)
        return [w for w in chunk if not any(w is u for u in unwritten)]

    def _raise_errors(self) -> None:
        if not self._errors:
            return
        first, *rest = self._errors
        self._errors = []
        for e in rest:
            first.unprocessed.extend(e.unprocessed)
            first.models.extend(e.models)
        raise first


class _Ack:
    """What ``BatchWriter.save``/``put``/``delete`` return: the write is already queued; awaiting
    this waits until the writer is below its in-flight bound (and surfaces a failed flush)."""

    __slots__ = ("_preparing", "_writer")

    def __init__(self, writer: BatchWriter, preparing: asyncio.Future[None] | None = None) -> None:
        self._writer = writer
        self._preparing = preparing

    def __await__(self) -> Generator[Any, None, None]:
        return self._wait().__await__()

    async def _wait(self) -> None:
        if self._preparing is not None:
            # A failure (of a hook, or of the write's checks) is recorded and raised just below.
            await asyncio.wait({self._preparing})
        await self._writer._backpressure()


def _hooks_eagerly(hooks: list[Callable[..., Any]], instance: Any) -> Awaitable[None] | None:
    """Runs hooks now; from the first one that is async, returns a coroutine that finishes the rest."""
    for i, hook in enumerate(hooks):
        result = hook(instance)
        if inspect.isawaitable(result):

            async def rest(first: Awaitable[Any] = result, later: list[Any] = hooks[i + 1 :]) -> None:
                await first
                await run_hooks_async(later, instance)

            return rest()
    return None


class BatchWriter(_Buffer):
    """``async with BatchWriter() as batch:`` — see the module docstring.

    Args:
        client: the client to write with; defaults to the models' client, else the default client.
        table: the table of plain items given to ``put``/``delete`` without ``table=``.
        skip_hooks: as in ``save(skip_hooks=)``; None follows each model's config.
        max_in_flight: requests in flight at once before an awaited call waits.
        max_retries: rounds of retries for unprocessed items (default 10).
    """

    def __init__(
        self,
        client: DynamoDBClient | None = None,
        table: str | None = None,
        *,
        skip_hooks: bool | None = None,
        max_in_flight: int = 4,
        max_retries: int | None = None,
    ) -> None:
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise ValueError(f"max_in_flight must be a positive whole number, got {max_in_flight!r}")
        super().__init__(client, table, skip_hooks, max_retries)
        self._max_in_flight = max_in_flight
        self._in_flight: set[asyncio.Future[None]] = set()
        # The request in flight that last took a write of each item: a later request with a write of
        # the same item waits for it, so that an older write retried after backoff cannot land last.
        self._writing: dict[tuple[Any, ...], asyncio.Future[None]] = {}
        self._preparing: set[asyncio.Future[None]] = set()
        # What failed in a background task (a hook, a value that cannot be stored, ...): raised by the
        # next awaited call or at the end of the block, never dropped.
        self._failures: list[BaseException] = []

    def put(self, item: dict[str, Any], table: str | None = None) -> _Ack:
        """Queues a plain item (as stored: DynamoDB attribute names, plain values)."""
        self._put_item(item, table)
        self._maybe_flush()
        return _Ack(self)

    def save(self, instance: Any) -> _Ack:
        """Queues a put of the whole instance (before_save hooks run now, after_save once written)."""
        info = self._model(instance)
        return self._then(
            _hooks_eagerly(info.hooks_for(HookType.BEFORE_SAVE, self._skip_hooks), instance),
            lambda: self._save_model(info, instance),
        )

    def delete(self, target: Any, table: str | None = None) -> _Ack:
        """Queues a delete: of a model instance, or of a plain key dict (``table=`` as for ``put``)."""
        if isinstance(target, dict):
            self._delete_key(target, table)
            self._maybe_flush()
            return _Ack(self)
        info = self._model(target)
        return self._then(
            _hooks_eagerly(info.hooks_for(HookType.BEFORE_DELETE, self._skip_hooks), target),
            lambda: self._delete_model(info, target),
        )

    # 1.x names
    save_model = save
    delete_model = delete

    def _then(self, hooks: Awaitable[None] | None, queue: Callable[[], None]) -> _Ack:
        if hooks is None:
            queue()
            self._maybe_flush()
            return _Ack(self)

        async def finish() -> None:
            await hooks
            queue()
            self._maybe_flush()

        task = asyncio.ensure_future(finish())
        self._track(self._preparing, task)
        return _Ack(self, task)

    def _track(self, tasks: set[asyncio.Future[None]], task: asyncio.Future[None]) -> None:
        tasks.add(task)

        def done(t: asyncio.Future[None]) -> None:
            tasks.discard(t)
            error = None if t.cancelled() else t.exception()  # retrieved: never logged as lost
            if error is not None:
                self._failures.append(error)

        task.add_done_callback(done)

    def _raise_errors(self) -> None:
        if self._failures:
            first = self._failures[0]
            self._failures = []
            raise first
        super()._raise_errors()

    def _maybe_flush(self) -> None:
        if len(self._pending) >= BATCH_SIZE:
            for chunk in self._take(everything=False):
                self._start(chunk)

    def _start(self, chunk: list[_Write]) -> None:
        items = [w.identity for w in chunk if w.identity is not None]
        earlier = {self._writing[i] for i in items if i in self._writing}
        task = asyncio.ensure_future(self._send(chunk, earlier))
        for i in items:
            self._writing[i] = task
        self._track(self._in_flight, task)

        def forget(t: asyncio.Future[None]) -> None:
            for i in items:
                if self._writing.get(i) is t:
                    del self._writing[i]

        task.add_done_callback(forget)

    async def _send(self, chunk: list[_Write], earlier: set[asyncio.Future[None]]) -> None:
        if earlier:
            # Whatever became of them (written, reported unwritten, failed), this newer write goes after.
            await asyncio.wait(earlier)
        error = None
        try:
            await self.client()._core.batch_write_many(True, self._request(chunk), self._max_retries)
        except UnprocessedItemsException as e:
            error = e
        for w in self._sort(chunk, error):
            w.commit()
            if w.s3_gone:
                await _s3.delete_async(self.client(), w.s3_gone)
            await run_hooks_async(w.after_hooks(self._skip_hooks), w.instance)

    async def _backpressure(self) -> None:
        while len(self._in_flight) >= self._max_in_flight:
            await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
        self._raise_errors()

    async def flush(self) -> None:
        """Sends everything queued and waits for every request in flight."""
        while self._preparing:
            await asyncio.wait(set(self._preparing))
        for chunk in self._take(everything=True):
            self._start(chunk)
        await self._drain()
        self._raise_errors()

    async def _drain(self) -> None:
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def __aenter__(self) -> BatchWriter:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.flush()
            return
        for task in self._preparing:
            task.cancel()
        self._pending.clear()
        await self._drain()


class SyncBatchWriter(_Buffer):
    """``with SyncBatchWriter() as batch:`` — the blocking twin of :class:`BatchWriter`; each full
    batch of 25 is sent when it fills up."""

    def __init__(
        self,
        client: DynamoDBClient | None = None,
        table: str | None = None,
        *,
        skip_hooks: bool | None = None,
        max_retries: int | None = None,
    ) -> None:
        super().__init__(client, table, skip_hooks, max_retries)

    def put(self, item: dict[str, Any], table: str | None = None) -> None:
        self._put_item(item, table)
        self._maybe_flush()

    def save(self, instance: Any) -> None:
        info = self._model(instance)
        run_hooks_sync(info.hooks_for(HookType.BEFORE_SAVE, self._skip_hooks), instance)
        self._save_model(info, instance)
        self._maybe_flush()

    def delete(self, target: Any, table: str | None = None) -> None:
        if isinstance(target, dict):
            self._delete_key(target, table)
        else:
            info = self._model(target)
            run_hooks_sync(info.hooks_for(HookType.BEFORE_DELETE, self._skip_hooks), target)
            self._delete_model(info, target)
        self._maybe_flush()

    save_model = save
    delete_model = delete

    def _maybe_flush(self) -> None:
        if len(self._pending) >= BATCH_SIZE:
            for chunk in self._take(everything=False):
                self._send(chunk)
            self._raise_errors()

    def _send(self, chunk: list[_Write]) -> None:
        error = None
        try:
            self.client()._core.batch_write_many(False, self._request(chunk), self._max_retries)
        except UnprocessedItemsException as e:
            error = e
        for w in self._sort(chunk, error):
            w.commit()
            if w.s3_gone:
                _s3.delete_sync(self.client(), w.s3_gone)
            run_hooks_sync(w.after_hooks(self._skip_hooks), w.instance)

    def flush(self) -> None:
        """Sends everything queued."""
        for chunk in self._take(everything=True):
            self._send(chunk)
        self._raise_errors()

    def __enter__(self) -> SyncBatchWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.flush()
        else:
            self._pending.clear()


# -- batch_get -----------------------------------------------------------------------------------------


class BatchGetResult(list[Any]):
    """The items found, in the order of the keys asked for; ``missing`` lists the keys (as given)
    that have no item."""

    missing: list[dict[str, Any]]


class GetPlan:
    """``Model.batch_get``: keys by attribute name in, instances in key order out."""

    def __init__(
        self,
        info: ModelInfo,
        keys: Sequence[dict[str, Any]],
        consistent_read: bool | None,
        fields: Sequence[str] | None,
        as_dict: bool,
        missing: Literal["skip", "none", "raise"],
    ) -> None:
        if missing not in ("skip", "none", "raise"):
            raise ValueError(f"missing= is 'skip', 'none' or 'raise', got {missing!r}")
        if isinstance(keys, dict) or not all(isinstance(k, dict) for k in keys):
            raise TypeError(f"{info.name}.batch_get() takes a list of key dicts, got {keys!r}")
        self.info = info
        self.asked = list(keys)
        self.stored = [info.key_from_values(k, f"batch_get() key {i}") for i, k in enumerate(self.asked)]
        self.key_names = [a.db_name for a in info.key_attributes]
        self.as_dict = as_dict
        self.missing = missing
        self.fields = fields
        if consistent_read is None:
            consistent_read = bool(info.config and info.config.consistent_read)
        self.kwargs: dict[str, Any] = {
            "table": info.table,
            "keys": self.stored,
            "consistent_read": consistent_read,
            "projection": projection_paths(info, fields),
        }

    def _arrange(self, found: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
        by_key = {tuple(_comparable(item[n]) for n in self.key_names): item for item in found}
        core = self.info.projected_core if self.fields is not None else self.info.core
        out: list[Any] = []
        missing: list[dict[str, Any]] = []
        for asked, stored in zip(self.asked, self.stored, strict=True):
            item = by_key.get(tuple(_comparable(stored[n]) for n in self.key_names))
            loaded = item if item is None or self.as_dict else loaded_as(self.info, core.load(item))
            if loaded is None:
                missing.append(asked)
                if self.missing == "none":
                    out.append(None)
            else:
                out.append(loaded)
        if missing and self.missing == "raise":
            raise ItemsNotFoundException(
                f"{self.info.name}.batch_get(): no item for {len(missing)} of {len(self.asked)} keys",
                keys=missing,
                table=self.info.table,
            )
        return out, missing

    def _result(self, out: list[Any], missing: list[dict[str, Any]]) -> BatchGetResult:
        result = BatchGetResult(out)
        result.missing = missing
        return result

    async def finish_async(self, found: list[dict[str, Any]]) -> BatchGetResult:
        out, missing = self._arrange(await decoded_async(self.info, found))
        for instance in out:
            await after_load_async(instance)
        return self._result(out, missing)

    def finish_sync(self, found: list[dict[str, Any]]) -> BatchGetResult:
        out, missing = self._arrange(decoded_sync(self.info, found))
        for instance in out:
            after_load_sync(instance)
        return self._result(out, missing)
