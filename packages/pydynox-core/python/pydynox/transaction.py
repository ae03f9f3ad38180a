"""All-or-nothing writes across items and tables, and consistent multi-item reads.

.. code-block:: python

    async with Transaction() as tx:
        tx.save(order)                                        # a new or changed model
        tx.update(account, atomic=[Account.balance.add(-10)], condition=Account.balance >= 10)
        tx.delete(cart)
        tx.condition_check(User, condition=User.status == "active", pk="USER#1")

The operations are sent as one TransactWriteItems when the block exits normally; if it raises,
nothing is sent. Model operations use the condition and update DSL, run the model's hooks (before
hooks at commit time, after hooks once DynamoDB accepted the transaction) and honour a
``VersionAttribute`` (each write is conditioned on the version that was loaded; the instances take
their new versions only after the commit). A refused transaction raises
:class:`~pydynox.exceptions.TransactionCanceledException` with one ``cancellation_reasons`` entry
per operation, in order. Plain operations (``put(table, item, ...)``, ``delete(table, key, ...)``
with expression strings) can be mixed in.

``client_request_token`` makes the transaction idempotent for ten minutes (DynamoDB's rule): sent
again with the same token, it is not applied twice. Without one, the SDK generates a token per call,
so its own retries are idempotent too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydynox import _s3
from pydynox._crud import (
    UpdatePlan,
    _condition,
    _request_args,
    after_load_async,
    after_load_sync,
    instance_key,
    loaded_as,
    version_guard,
    whole_item,
    with_templates,
)
from pydynox._model_info import ModelInfo
from pydynox._unit import OneClient
from pydynox.atomic import UpdateAction
from pydynox.client import DynamoDBClient
from pydynox.conditions import Condition
from pydynox.config import get_default_client
from pydynox.expressions import ExpressionBuilder
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync

__all__ = ["SyncTransaction", "Transaction", "sync_transact_get", "transact_get"]

#: DynamoDB's limit of operations per transaction.
MAX_OPERATIONS = 100


#: Builds an operation at commit time: the request, and what the instance becomes once it went through.
Build = Callable[[], tuple[dict[str, Any], Callable[[], None] | None]]


class _Op:
    """One queued operation: its hooks, how to build it (at commit time, after the before hooks),
    and what the instance becomes once the transaction went through."""

    __slots__ = ("after", "before", "build", "commit", "instance")

    def __init__(
        self,
        build: Build,
        instance: Any = None,
        before: list[Callable[..., Any]] | None = None,
        after: list[Callable[..., Any]] | None = None,
    ) -> None:
        self.build = build
        self.instance = instance
        self.before = before or []
        self.after = after or []
        self.commit: Callable[[], None] | None = None

    def request(self) -> dict[str, Any]:
        op, self.commit = self.build()
        return op


def _raw(kind: str, table: str, **fields: Any) -> dict[str, Any]:
    op = {"type": kind, "table": table}
    op.update({k: v for k, v in fields.items() if v is not None})
    return op


class _Operations(OneClient):
    _unit = "a transaction"

    def __init__(
        self, client: DynamoDBClient | None, client_request_token: str | None, skip_hooks: bool | None
    ) -> None:
        super().__init__(client)
        self.client_request_token = client_request_token
        self._skip_hooks = skip_hooks
        self._ops: list[_Op] = []
        self._done = False
        #: S3 objects that items of the transaction no longer point to once it went through.
        self._s3_gone: list[_s3.Ref] = []

    def __len__(self) -> int:
        return len(self._ops)

    def _add(self, op: _Op) -> None:
        if self._done:
            raise RuntimeError("this transaction was already committed")
        if len(self._ops) >= MAX_OPERATIONS:
            raise ValueError(f"a transaction holds at most {MAX_OPERATIONS} operations")
        self._ops.append(op)

    def _add_raw(self, kind: str, table: str, **fields: Any) -> None:
        op = _raw(kind, table, **fields)
        self._add(_Op(lambda: (op, None)))

    def _add_model(
        self, instance: Any, info: ModelInfo, before: HookType, after: HookType, build: Build
    ) -> None:
        self._add(
            _Op(
                build,
                instance,
                info.hooks_for(before, self._skip_hooks),
                info.hooks_for(after, self._skip_hooks),
            )
        )

    # -- model operations --------------------------------------------------------------------------

    def save(self, instance: Any, condition: Condition | None = None) -> None:
        """Puts the whole instance, under ``condition`` and its version check."""
        info = self._model_info(instance)

        def build() -> tuple[dict[str, Any], Callable[[], None]]:
            _s3.refuse_uploads(info, instance.__dict__, "a transaction")
            guard, new_version = version_guard(info, instance)
            snapshot = whole_item(info, instance, new_version)
            builder = ExpressionBuilder(info)
            text = _condition(builder, condition, guard)
            gone = _s3.gone_after_put(info, instance)

            def commit() -> None:
                if info.version is not None:
                    instance.__dict__[info.version.name] = new_version
                info.set_snapshot(instance, snapshot)
                self._s3_gone.extend(gone)

            op = _raw("put", info.table, item=snapshot, condition_expression=text, **_request_args(builder))
            return op, commit

        self._add_model(instance, info, HookType.BEFORE_SAVE, HookType.AFTER_SAVE, build)

    def update(
        self,
        target: Any,
        key: dict[str, Any] | None = None,
        update_expression: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        *,
        atomic: list[UpdateAction] | None = None,
        condition: Condition | None = None,
        **values: Any,
    ) -> None:
        """``update(model, atomic=[...], condition=..., name=value)``, or the plain form
        ``update(table, key, update_expression, ...)``. After the commit a model instance holds the
        plain values it was given and its new version; atomic results are not read back (reload the
        item to see them)."""
        if isinstance(target, str):
            if key is None or update_expression is None:
                raise ValueError(
                    "update(table, key, update_expression, ...) needs the key and the expression"
                )
            self._add_raw(
                "update", target, key=key, update_expression=update_expression,
                condition_expression=condition_expression,
                expression_attribute_names=expression_attribute_names,
                expression_attribute_values=expression_attribute_values,
            )  # fmt: skip
            return
        if key is not None or update_expression is not None:
            raise TypeError(
                "update(model, ...) takes atomic=, condition= and values, not a key or expression"
            )
        info = self._model_info(target)

        def build() -> tuple[dict[str, Any], Callable[[], None]]:
            _s3.refuse_uploads(info, values, "a transaction")
            touched = {a.name for a in info.s3_attributes if a.name in values}
            now = {(v.bucket, v.key) for v in values.values() if isinstance(v, _s3.S3Value)}
            gone = [r for r in _s3.held(info, target) if r[2].name in touched and (r[0], r[1]) not in now]
            current = target.__dict__.get(info.version.name) if info.version is not None else None
            # As in Model.update: templated attributes built from the values follow them (and a change
            # of a key's template parts is refused).
            sent = with_templates(info, target.__dict__, values)
            plan = UpdatePlan(
                info, instance_key(info, target), sent, atomic, condition, current, versioned=True
            )
            k = plan.call.kwargs

            def commit() -> None:
                target.__dict__.update(sent)
                if info.version is not None:
                    target.__dict__[info.version.name] = 1 if current is None else current + 1
                self._s3_gone.extend(gone)

            op = _raw(
                "update", info.table, key=k["key"], update_expression=k["update_expression"],
                condition_expression=k["condition_expression"],
                expression_attribute_names=k["expression_attribute_names"],
                expression_attribute_values=k["expression_attribute_values"],
            )  # fmt: skip
            return op, commit

        self._add_model(target, info, HookType.BEFORE_UPDATE, HookType.AFTER_UPDATE, build)

    def delete(
        self,
        target: Any,
        key: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        *,
        condition: Condition | None = None,
    ) -> None:
        """``delete(model, condition=...)`` (with its version check), or ``delete(table, key, ...)``."""
        if isinstance(target, str):
            if key is None:
                raise ValueError("delete(table, key, ...) needs the key")
            self._add_raw(
                "delete", target, key=key, condition_expression=condition_expression,
                expression_attribute_names=expression_attribute_names,
                expression_attribute_values=expression_attribute_values,
            )  # fmt: skip
            return
        info = self._model_info(target)

        def build() -> tuple[dict[str, Any], Callable[[], None]]:
            guard = None
            if info.version is not None and target.__dict__.get(info.version.name) is not None:
                guard, _ = version_guard(info, target)
            builder = ExpressionBuilder(info)
            text = _condition(builder, condition, guard)
            gone = _s3.held(info, target)

            def commit() -> None:
                info.set_snapshot(target, None)
                if info.version is not None:
                    target.__dict__[info.version.name] = None
                self._s3_gone.extend(gone)

            op = _raw(
                "delete", info.table, key=instance_key(info, target), condition_expression=text,
                **_request_args(builder),
            )  # fmt: skip
            return op, commit

        self._add_model(target, info, HookType.BEFORE_DELETE, HookType.AFTER_DELETE, build)

    def condition_check(
        self,
        target: Any,
        key: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        *,
        condition: Condition | None = None,
        **key_values: Any,
    ) -> None:
        """Makes the transaction depend on a condition of an item it does not write:
        ``condition_check(User, condition=User.active == True, pk="USER#1")`` (a model class and its
        key by attribute name), ``condition_check(user, condition=...)`` (an instance), or the plain
        ``condition_check(table, key, condition_expression, ...)``."""
        if isinstance(target, str):
            if key is None or condition_expression is None:
                raise ValueError("condition_check(table, key, condition_expression, ...) needs both")
            self._add_raw(
                "condition_check", target, key=key, condition_expression=condition_expression,
                expression_attribute_names=expression_attribute_names,
                expression_attribute_values=expression_attribute_values,
            )  # fmt: skip
            return
        if condition is None:
            raise ValueError("condition_check() needs condition=")
        info = self._model_info(target)  # a model class or an instance: one client per transaction either way
        if isinstance(target, type):
            stored_key = info.key_from_values(key_values, "condition_check()")
        else:
            if key_values:
                raise TypeError("condition_check(instance, ...) takes the key from the instance")
            stored_key = instance_key(info, target)

        def build() -> tuple[dict[str, Any], None]:
            builder = ExpressionBuilder(info)
            text = _condition(builder, condition)
            op = _raw(
                "condition_check", info.table, key=stored_key, condition_expression=text,
                **_request_args(builder),
            )  # fmt: skip
            return op, None

        self._add(_Op(build))

    def put(
        self,
        table: str,
        item: dict[str, Any],
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
    ) -> None:
        """A plain put of ``item`` (stored names, plain values)."""
        self._add_raw(
            "put", table, item=item, condition_expression=condition_expression,
            expression_attribute_names=expression_attribute_names,
            expression_attribute_values=expression_attribute_values,
        )  # fmt: skip

    # 1.x names
    save_model = save
    delete_model = delete

    def _built(self) -> list[dict[str, Any]]:
        return [op.request() for op in self._ops]

    def _finish(self) -> None:
        self._done = True
        for op in self._ops:
            if op.commit is not None:
                op.commit()


class Transaction(_Operations):
    """``async with Transaction() as tx:`` — see the module docstring.

    Args:
        client: defaults to the models' client, else the default client.
        client_request_token: an idempotency token (1 to 36 characters).
        skip_hooks: as in ``save(skip_hooks=)``; None follows each model's config.
    """

    def __init__(
        self,
        client: DynamoDBClient | None = None,
        *,
        client_request_token: str | None = None,
        skip_hooks: bool | None = None,
    ) -> None:
        super().__init__(client, client_request_token, skip_hooks)

    async def commit(self) -> None:
        """Sends the operations (the ``async with`` block does it on a clean exit)."""
        if self._done or not self._ops:
            self._done = True
            return
        for op in self._ops:
            await run_hooks_async(op.before, op.instance)
        operations = self._built()
        await self.client()._core.transact_write(True, operations, self.client_request_token)
        self._finish()
        gone, self._s3_gone = self._s3_gone, []
        if gone:
            await _s3.delete_async(self.client(), gone)
        for op in self._ops:
            await run_hooks_async(op.after, op.instance)

    async def __aenter__(self) -> Transaction:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.commit()


class SyncTransaction(_Operations):
    """``with SyncTransaction() as tx:`` — the blocking twin of :class:`Transaction`."""

    def __init__(
        self,
        client: DynamoDBClient | None = None,
        *,
        client_request_token: str | None = None,
        skip_hooks: bool | None = None,
    ) -> None:
        super().__init__(client, client_request_token, skip_hooks)

    def commit(self) -> None:
        if self._done or not self._ops:
            self._done = True
            return
        for op in self._ops:
            run_hooks_sync(op.before, op.instance)
        operations = self._built()
        self.client()._core.transact_write(False, operations, self.client_request_token)
        self._finish()
        gone, self._s3_gone = self._s3_gone, []
        if gone:
            _s3.delete_sync(self.client(), gone)
        for op in self._ops:
            run_hooks_sync(op.after, op.instance)

    def __enter__(self) -> SyncTransaction:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()


# -- transact_get ------------------------------------------------------------------------------------


def _gets(gets: Sequence[Any], client: DynamoDBClient | None) -> tuple[DynamoDBClient, list[Any], list[Any]]:
    requests: list[dict[str, Any]] = []
    infos: list[ModelInfo | None] = []
    for i, get in enumerate(gets):
        if isinstance(get, dict):
            requests.append(get)
            infos.append(None)
            continue
        if not (isinstance(get, tuple) and len(get) == 2 and isinstance(get[0], type)):
            raise TypeError(f"gets[{i}] must be (ModelClass, key dict) or a plain get dict, got {get!r}")
        model, key = get
        info: ModelInfo = model._pydynox_info
        client = client or info.client()
        request: dict[str, Any] = {
            "table": info.table,
            "key": info.key_from_values(key, f"transact_get() gets[{i}]"),
        }
        if info.core.has_codecs:
            request["decode"] = info.core
        requests.append(request)
        infos.append(info)
    client = client or get_default_client()
    if client is None:
        raise RuntimeError("no client: pass client= or call set_default_client()")
    return client, requests, infos


def _load(items: list[Any], infos: list[Any]) -> list[Any]:
    out = []
    for item, info in zip(items, infos, strict=True):
        if item is None or info is None:
            out.append(item)
        else:
            out.append(loaded_as(info, info.core.load(item)))
    return out


async def transact_get(gets: Sequence[Any], client: DynamoDBClient | None = None) -> list[Any]:
    """Reads up to 100 items as one consistent snapshot: ``[(User, {"pk": "USER#1"}), ...]`` (or
    plain ``{"table": ..., "key": ...}`` dicts). One instance (or dict) or None per get, in order."""
    client, requests, infos = _gets(gets, client)
    out = _load(await client.transact_get(requests), infos)
    for instance in out:
        await after_load_async(instance)
    return out


def sync_transact_get(gets: Sequence[Any], client: DynamoDBClient | None = None) -> list[Any]:
    client, requests, infos = _gets(gets, client)
    out = _load(client.sync_transact_get(requests), infos)
    for instance in out:
        after_load_sync(instance)
    return out
