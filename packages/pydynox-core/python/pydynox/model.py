"""``Model``: a DynamoDB item as a Python class.

.. code-block:: python

    class User(Model):
        model_config = ModelConfig(table="users")
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()
        tags = StringSetAttribute()

    user = User(pk="USER#1", name="Ana")
    await user.save()
    user = await User.get(pk="USER#1")

Every I/O method is async, with a blocking ``sync_`` twin. The shared logic lives in
``pydynox._crud`` (writes) and ``pydynox._reads`` (queries), so every flavour of model behaves alike.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydynox import _crud, _parallel, _reads, _s3
from pydynox import batch as _batch
from pydynox._model_info import ModelInfo
from pydynox.attributes.base import Attribute
from pydynox.config import ModelConfig
from pydynox.indexes import GlobalSecondaryIndex
from pydynox.query import Count

if TYPE_CHECKING:
    from pydynox._parallel import AsyncParallelScan, SyncParallelScan
    from pydynox.atomic import UpdateAction
    from pydynox.conditions import Condition
    from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

__all__ = ["Model", "ModelOperations"]

M = TypeVar("M", bound="ModelOperations")


def collect_attributes(cls: type) -> dict[str, Attribute[Any]]:
    """Attributes of ``cls`` by Python name, base classes first; a subclass may override one."""
    found: dict[str, Attribute[Any]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Attribute):
                found[name] = value
            elif name in found:
                del found[name]
    return found


def _strict_setattr(self: Model, name: str, value: Any) -> None:
    info = type(self)._pydynox_info
    if name not in info.attributes and not name.startswith("_") and not hasattr(type(self), name):
        raise AttributeError(f"{info.name} has no attribute {name!r} (strict_attributes=True)")
    object.__setattr__(self, name, value)


class ModelOperations:
    """The public methods every model has, whatever declares its attributes (``Model``, the pydantic
    and dataclass bases). They work on ``cls._pydynox_info`` and the instance's ``__dict__``."""

    __slots__ = ()

    _pydynox_info: ClassVar[ModelInfo]

    # -- plain data ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The item as stored: DynamoDB attribute names, stored values (an Enum as its value, a
        datetime as text...), no None values. Compressed and encrypted attributes hold their values
        (they are encoded only on the way to DynamoDB)."""
        snapshot, _, _ = self._pydynox_info.core.dump(self, None, _crud.info_of(self).get_extra(self))
        return snapshot.to_dict()

    @classmethod
    def from_dict(cls: type[M], data: dict[str, Any]) -> M:
        """An instance from an item as ``to_dict()`` gives it, treated as loaded: a later ``save()``
        sends only what changed. Compressed and encrypted attributes hold their values there, not
        their stored form (a stream image's stored form is read by ``pydynox_lambda``)."""
        return cls._pydynox_info.core.load(data)  # type: ignore[no-any-return]

    @property
    def is_dirty(self) -> bool:
        """Whether a ``save()`` would write anything."""
        return bool(self.changed_fields) or self._pydynox_info.get_snapshot(self) is None

    @property
    def changed_fields(self) -> list[str]:
        """Attributes whose values differ from what was loaded or last saved (in-place edits too)."""
        info = self._pydynox_info
        base = info.get_snapshot(self)
        if base is None:
            extra = info.get_extra(self) or {}
            return [
                n for n, v in self.__dict__.items() if v is not None and (n in info.attributes or n in extra)
            ]
        _, changed, removed = info.core.dump(self, base, info.get_extra(self))
        return [info.by_db_name[n].name if n in info.by_db_name else n for n in [*changed, *removed]]

    def calculate_size(self) -> int:
        """The item's size in bytes by DynamoDB's rules (what the 400 KB limit applies to)."""
        info = self._pydynox_info
        snapshot, _, _ = info.core.dump(self, info.get_snapshot(self), info.get_extra(self))
        return snapshot.size()

    # -- TTL -------------------------------------------------------------------------------------------

    @property
    def is_expired(self) -> bool:
        """True when the TTL attribute is in the past (DynamoDB deletes expired items lazily)."""
        expires = self._ttl_value()
        return expires is not None and expires <= _dt.datetime.now(_dt.UTC)

    @property
    def expires_in(self) -> _dt.timedelta | None:
        """Time left before the TTL; None without one or once expired."""
        expires = self._ttl_value()
        if expires is None:
            return None
        left = expires - _dt.datetime.now(_dt.UTC)
        return left if left.total_seconds() > 0 else None

    def _ttl_value(self) -> _dt.datetime | None:
        info = self._pydynox_info
        if info.ttl is None:
            return None
        value = self.__dict__.get(info.ttl.name)
        if value is None:
            return None
        if isinstance(value, _dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
        return _dt.datetime.fromtimestamp(int(value), tz=_dt.UTC)

    def _ttl_attr(self) -> str:
        info = self._pydynox_info
        if info.ttl is None:
            raise ValueError(f"{info.name} has no TTLAttribute")
        return info.ttl.name

    async def extend_ttl(self, expires: _dt.datetime) -> None:
        """Sets a new expiry time and stores it (an update of that attribute only)."""
        await _crud.update_async(self, {self._ttl_attr(): expires}, None, None, None)

    def sync_extend_ttl(self, expires: _dt.datetime) -> None:
        _crud.update_sync(self, {self._ttl_attr(): expires}, None, None, None)

    # -- single items --------------------------------------------------------------------------------

    @classmethod
    async def get(
        cls: type[M],
        consistent_read: bool | None = None,
        fields: Sequence[str] | None = None,
        as_dict: bool = False,
        **key: Any,
    ) -> M | None:
        """The item with this key (``User.get(pk="USER#1")``), or None. ``fields`` loads only those
        attributes (the others stay None and are left untouched by a later save)."""
        info = cls._pydynox_info
        call = _crud.get_request(info, key, consistent_read, fields, as_dict)
        found = _crud.loaded_as(info, await call.run_async(info.client()))
        return await _crud.after_load_async(found)  # type: ignore[no-any-return]

    @classmethod
    def sync_get(
        cls: type[M],
        consistent_read: bool | None = None,
        fields: Sequence[str] | None = None,
        as_dict: bool = False,
        **key: Any,
    ) -> M | None:
        info = cls._pydynox_info
        call = _crud.get_request(info, key, consistent_read, fields, as_dict)
        found = _crud.loaded_as(info, call.run_sync(info.client()))
        return _crud.after_load_sync(found)  # type: ignore[no-any-return]

    async def save(
        self, condition: Condition | None = None, skip_hooks: bool | None = None, full_replace: bool = False
    ) -> None:
        """Stores the instance. A new instance is put whole; a loaded one sends only the attributes that
        changed (in-place edits of lists, maps and sets included); ``full_replace=True`` always puts
        the whole item. None values are removed from the item."""
        await _crud.save_async(self, condition, skip_hooks, full_replace)

    def sync_save(
        self, condition: Condition | None = None, skip_hooks: bool | None = None, full_replace: bool = False
    ) -> None:
        _crud.save_sync(self, condition, skip_hooks, full_replace)

    async def delete(self, condition: Condition | None = None, skip_hooks: bool | None = None) -> None:
        """Deletes the stored item (the one that was loaded, even if the key was edited since)."""
        await _crud.delete_async(self, condition, skip_hooks)

    def sync_delete(self, condition: Condition | None = None, skip_hooks: bool | None = None) -> None:
        _crud.delete_sync(self, condition, skip_hooks)

    async def update(
        self,
        atomic: list[UpdateAction] | None = None,
        condition: Condition | None = None,
        skip_hooks: bool | None = None,
        **values: Any,
    ) -> None:
        """Updates attributes in DynamoDB: ``update(name="Ana")`` sets (None removes),
        ``update(atomic=[User.age.add(1)])`` runs update actions; both may be combined. The
        instance is then refreshed from the stored item; local edits not part of this update are kept."""
        await _crud.update_async(self, values, atomic, condition, skip_hooks)

    def sync_update(
        self,
        atomic: list[UpdateAction] | None = None,
        condition: Condition | None = None,
        skip_hooks: bool | None = None,
        **values: Any,
    ) -> None:
        _crud.update_sync(self, values, atomic, condition, skip_hooks)

    @classmethod
    def _by_key_plan(cls, values: dict[str, Any], atomic: Any, condition: Any) -> _crud.UpdatePlan:
        info = cls._pydynox_info
        key, rest = _crud.split_key(info, values, "update_by_key()")
        for attr in info.s3_attributes:
            if attr.name in rest:
                raise ValueError(
                    f"{info.name}.update_by_key() cannot change {attr.name} (an S3Attribute): the object it "
                    "replaces would be left behind; load the item and use update() or save()"
                )
        return _crud.UpdatePlan(info, key, _crud.with_templates(info, {}, rest), atomic, condition)

    @classmethod
    async def update_by_key(
        cls: type[M],
        condition: Condition | None = None,
        atomic: list[UpdateAction] | None = None,
        **values: Any,
    ) -> M:
        """Updates an item without loading it: ``User.update_by_key(pk="USER#1", name="Ana")``.
        Returns the item as stored afterwards. No hooks run and the version is not checked."""
        plan = cls._by_key_plan(values, atomic, condition)
        return await plan.call.run_async(cls._pydynox_info.client())  # type: ignore[no-any-return]

    @classmethod
    def sync_update_by_key(
        cls: type[M],
        condition: Condition | None = None,
        atomic: list[UpdateAction] | None = None,
        **values: Any,
    ) -> M:
        plan = cls._by_key_plan(values, atomic, condition)
        return plan.call.run_sync(cls._pydynox_info.client())  # type: ignore[no-any-return]

    @classmethod
    async def delete_by_key(cls, condition: Condition | None = None, **key: Any) -> None:
        """Deletes an item without loading it. No hooks run and the version is not checked. The S3
        objects the item pointed to are deleted after it."""
        info = cls._pydynox_info
        old = await _crud.delete_by_key_call(info, key, condition).run_async(info.client())
        if info.s3_attributes:
            await _s3.delete_async(info.client(), _s3.refs_in(info, _crud._stored_old(old)))

    @classmethod
    def sync_delete_by_key(cls, condition: Condition | None = None, **key: Any) -> None:
        info = cls._pydynox_info
        old = _crud.delete_by_key_call(info, key, condition).run_sync(info.client())
        if info.s3_attributes:
            _s3.delete_sync(info.client(), _s3.refs_in(info, _crud._stored_old(old)))

    # -- query, scan, count ------------------------------------------------------------------------

    @classmethod
    def query(
        cls: type[M],
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        **key_values: Any,
    ) -> AsyncQueryResult[M]:
        """The items of one partition, as model instances, page after page::

        async for o in Order.query(partition_key="USER#1", sort_key_condition=Order.sk.begins_with("O#")):
            ...
        """
        spec = _reads.query_spec(
            cls._pydynox_info, partition_key, sort_key_condition, filter_condition, scan_index_forward,
            consistent_read, as_dict, fields, key_values,
        )  # fmt: skip
        return spec.async_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    @classmethod
    def sync_query(
        cls: type[M],
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        **key_values: Any,
    ) -> QueryResult[M]:
        spec = _reads.query_spec(
            cls._pydynox_info, partition_key, sort_key_condition, filter_condition, scan_index_forward,
            consistent_read, as_dict, fields, key_values,
        )  # fmt: skip
        return spec.sync_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    @classmethod
    def scan(
        cls: type[M],
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
    ) -> AsyncScanResult[M]:
        spec = _reads.scan_spec(
            cls._pydynox_info, filter_condition, consistent_read, segment, total_segments, as_dict, fields
        )
        return spec.async_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    @classmethod
    def sync_scan(
        cls: type[M],
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
    ) -> ScanResult[M]:
        spec = _reads.scan_spec(
            cls._pydynox_info, filter_condition, consistent_read, segment, total_segments, as_dict, fields
        )
        return spec.sync_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    @classmethod
    async def count(
        cls,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        **key_values: Any,
    ) -> Count:
        """The number of matching items, over every page: of one partition when a partition key is
        given (``partition_key=`` or by attribute name), else of the whole table. An ``int`` that
        carries ``.metrics`` (and unpacks as ``count, metrics`` for pydynox 1.x code)."""
        info = cls._pydynox_info
        args = _reads.count_args(
            info, partition_key, sort_key_condition, filter_condition, consistent_read, key_values
        )
        return Count(*await info.client().count(**args))

    @classmethod
    def sync_count(
        cls,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        **key_values: Any,
    ) -> Count:
        info = cls._pydynox_info
        args = _reads.count_args(
            info, partition_key, sort_key_condition, filter_condition, consistent_read, key_values
        )
        return Count(*info.client().sync_count(**args))

    @classmethod
    def parallel_scan(
        cls: type[M],
        total_segments: int,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> AsyncParallelScan[M]:
        """Scans ``total_segments`` segments concurrently and streams the items as segments produce
        them (``async for``); at most one page per segment is held. ``await`` gives
        ``(items, metrics)`` like pydynox 1.x."""
        specs = _reads.segment_specs(
            cls._pydynox_info, total_segments, filter_condition, consistent_read, as_dict, fields
        )
        return _parallel.AsyncParallelScan([s.async_result(None, page_size, None) for s in specs])

    @classmethod
    def sync_parallel_scan(
        cls: type[M],
        total_segments: int,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> SyncParallelScan[M]:
        """Like ``parallel_scan``, each segment read by a thread (waiting with the GIL released)."""
        specs = _reads.segment_specs(
            cls._pydynox_info, total_segments, filter_condition, consistent_read, as_dict, fields
        )
        return _parallel.SyncParallelScan([s.sync_result(None, page_size, None) for s in specs])

    @classmethod
    async def execute_statement(
        cls: type[M],
        statement: str,
        parameters: Sequence[Any] | None = None,
        consistent_read: bool = False,
        as_dict: bool = False,
    ) -> list[M]:
        """A PartiQL statement (``SELECT * FROM "users" WHERE pk = ?``) whose items load as this
        model, across every page of the result."""
        info = cls._pydynox_info
        client = info.client()
        items: list[Any] = []
        token = None
        while True:
            page = await client.execute_statement(statement, parameters, consistent_read, token)
            items.extend(page)
            token = page.next_token
            if token is None:
                break
        return await _crud.loaded_list_async(info, items, as_dict)

    @classmethod
    def sync_execute_statement(
        cls: type[M],
        statement: str,
        parameters: Sequence[Any] | None = None,
        consistent_read: bool = False,
        as_dict: bool = False,
    ) -> list[M]:
        info = cls._pydynox_info
        client = info.client()
        items: list[Any] = []
        token = None
        while True:
            page = client.sync_execute_statement(statement, parameters, consistent_read, token)
            items.extend(page)
            token = page.next_token
            if token is None:
                break
        return _crud.loaded_list_sync(info, items, as_dict)

    # -- batches ---------------------------------------------------------------------------------------

    @classmethod
    async def batch_get(
        cls: type[M],
        keys: Sequence[dict[str, Any]],
        consistent_read: bool | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        *,
        missing: Literal["skip", "none", "raise"] = "skip",
    ) -> list[M]:
        """The items for ``keys`` (``[{"pk": "USER#1"}, ...]``, by attribute name), in the order of
        ``keys``. A key without an item is left out (``missing="skip"``), stands as None
        (``missing="none"``) or raises :class:`~pydynox.exceptions.ItemsNotFoundException` naming
        the keys (``missing="raise"``)."""
        plan = _batch.GetPlan(cls._pydynox_info, keys, consistent_read, fields, as_dict, missing)
        found = await plan.info.client().batch_get(**plan.kwargs)
        return await plan.finish_async(found)

    @classmethod
    def sync_batch_get(
        cls: type[M],
        keys: Sequence[dict[str, Any]],
        consistent_read: bool | None = None,
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        *,
        missing: Literal["skip", "none", "raise"] = "skip",
    ) -> list[M]:
        plan = _batch.GetPlan(cls._pydynox_info, keys, consistent_read, fields, as_dict, missing)
        found = plan.info.client().sync_batch_get(**plan.kwargs)
        return plan.finish_sync(found)

    @classmethod
    async def batch_write(
        cls, save: Sequence[Any] = (), delete: Sequence[Any] = (), skip_hooks: bool | None = None
    ) -> None:
        """Saves and deletes many instances with BatchWriteItem (25 per request, unprocessed items
        retried); hooks, generated values and size checks apply as in ``save``/``delete``."""
        async with _batch.BatchWriter(cls._pydynox_info.client(), skip_hooks=skip_hooks) as writer:
            for instance in save:
                await writer.save(instance)
            for instance in delete:
                await writer.delete(instance)

    @classmethod
    def sync_batch_write(
        cls, save: Sequence[Any] = (), delete: Sequence[Any] = (), skip_hooks: bool | None = None
    ) -> None:
        with _batch.SyncBatchWriter(cls._pydynox_info.client(), skip_hooks=skip_hooks) as writer:
            for instance in save:
                writer.save(instance)
            for instance in delete:
                writer.delete(instance)

    # -- the table -----------------------------------------------------------------------------------

    @classmethod
    def _table_args(cls, **options: Any) -> dict[str, Any]:
        info = cls._pydynox_info
        config = info.require_config()
        assert info.partition_key is not None
        args: dict[str, Any] = {
            "table_name": config.table,
            "partition_key": (info.partition_key.db_name, info.partition_key.key_type),
            "sort_key": (info.sort_key.db_name, info.sort_key.key_type)
            if info.sort_key is not None
            else None,
        }
        gsis = [i.definition(info) for i in info.indexes.values() if isinstance(i, GlobalSecondaryIndex)]
        lsis = [i.definition(info) for i in info.indexes.values() if not isinstance(i, GlobalSecondaryIndex)]
        args["global_secondary_indexes"] = gsis or None
        args["local_secondary_indexes"] = lsis or None
        args.update(options)
        return args

    @classmethod
    async def create_table(
        cls,
        billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
        table_class: str | None = None,
        encryption: str | None = None,
        kms_key_id: str | None = None,
        wait: bool = False,
        timeout_seconds: float | None = None,
    ) -> None:
        """Creates the model's table with its key and the indexes declared on the model."""
        info = cls._pydynox_info
        await info.client().create_table(
            **cls._table_args(
                billing_mode=billing_mode, read_capacity=read_capacity, write_capacity=write_capacity,
                table_class=table_class, encryption=encryption, kms_key_id=kms_key_id, wait=wait,
                timeout_seconds=timeout_seconds,
            )
        )  # fmt: skip

    @classmethod
    def sync_create_table(
        cls,
        billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
        table_class: str | None = None,
        encryption: str | None = None,
        kms_key_id: str | None = None,
        wait: bool = False,
        timeout_seconds: float | None = None,
    ) -> None:
        info = cls._pydynox_info
        info.client().sync_create_table(
            **cls._table_args(
                billing_mode=billing_mode, read_capacity=read_capacity, write_capacity=write_capacity,
                table_class=table_class, encryption=encryption, kms_key_id=kms_key_id, wait=wait,
                timeout_seconds=timeout_seconds,
            )
        )  # fmt: skip

    @classmethod
    async def table_exists(cls) -> bool:
        info = cls._pydynox_info
        return await info.client().table_exists(info.table)

    @classmethod
    def sync_table_exists(cls) -> bool:
        info = cls._pydynox_info
        return info.client().sync_table_exists(info.table)

    @classmethod
    async def delete_table(cls, wait: bool = False) -> None:
        info = cls._pydynox_info
        await info.client().delete_table(info.table, wait=wait)

    @classmethod
    def sync_delete_table(cls, wait: bool = False) -> None:
        info = cls._pydynox_info
        info.client().sync_delete_table(info.table, wait=wait)


class Model(ModelOperations):
    """Base class of models; see the module docstring."""

    __slots__ = ("__dict__", "__weakref__", "_pydynox_snapshot")

    model_config: ClassVar[ModelConfig]
    _pydynox_info: ClassVar[ModelInfo]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config = getattr(cls, "model_config", None)
        if config is not None and not isinstance(config, ModelConfig):
            raise TypeError(
                f"{cls.__qualname__}.model_config must be a ModelConfig, got {type(config).__name__}"
            )
        info = ModelInfo(cls, config, collect_attributes(cls))
        cls._pydynox_info = info
        if info.strict:
            cls.__setattr__ = _strict_setattr  # type: ignore[method-assign,assignment]

    def __init__(self, **values: Any) -> None:
        info = self._pydynox_info
        attributes = info.attributes
        state = self.__dict__
        for name, value in values.items():
            if name not in attributes:
                if info.strict:
                    raise AttributeError(f"{info.name} has no attribute {name!r} (strict_attributes=True)")
                if name in info.reserved or name.startswith("_"):
                    raise AttributeError(
                        f"{info.name}: {name!r} cannot be an attribute (it is a member of the class)"
                    )
                state[name] = value
        for name, attr in attributes.items():
            state[name] = values[name] if name in values else attr.default_value()
        info.complete_new(state)
        for attr in info.required:
            if state.get(attr.name) is None and not attr.default:
                raise ValueError(f"{info.name}.{attr.name} is required")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if v is not None)
        return f"{type(self).__qualname__}({fields})"
