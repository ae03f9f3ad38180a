"""Collections for single-table design: one query, items of several models.

.. code-block:: python

    class User(Model):
        model_config = ModelConfig(table="app")
        pk = StringAttribute(partition_key=True, template="USER#{user_id}")
        sk = StringAttribute(sort_key=True, template="PROFILE")
        ...

    class Order(Model):
        model_config = ModelConfig(table="app")
        pk = StringAttribute(partition_key=True, template="USER#{user_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        ...

    user_and_orders = Collection(User, Order)
    result = await user_and_orders.fetch(user_id="42")
    result[User]      # [User(...)]
    result[Order]     # [Order(...), ...]
    async for item in user_and_orders.query(user_id="42"):   # User and Order instances, in key order
        ...

Each item is loaded as the model it belongs to, told apart by the models' discriminator values, or
else by the shape of their templated sort keys (``"ORDER#{order_id}"``); when several shapes fit,
the one with the most fixed text wins (``"ORDER#{order_id}#LINE#{line}"`` over ``"ORDER#{order_id}"``).
Models that cannot be told apart are refused when the collection is built. An item that no model
claims is handed out as a plain dict (and listed in ``CollectionResult.unmatched``): nothing is
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydynox._crud import decoded_async, decoded_sync, loaded_as
from pydynox._model_info import ModelInfo
from pydynox._reads import _filter, _partition_values, _sort_condition
from pydynox.attributes.primitives import _PLACEHOLDER, StringAttribute
from pydynox.conditions import Condition
from pydynox.expressions import ExpressionBuilder
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync
from pydynox.query import AsyncQueryResult, QueryResult

__all__ = ["Collection", "CollectionResult"]


class CollectionResult:
    """Items of a collection query grouped by model: ``result[Order]`` (also ``result.get(Order)``)
    is the list of that model's items, ``result.items`` every item in key order, ``unmatched`` the
    items no model claimed (plain dicts)."""

    def __init__(self, models: Sequence[type], items: list[Any]) -> None:
        self.items = items
        self._by_model: dict[type, list[Any]] = {m: [] for m in models}
        self.unmatched: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, dict):
                self.unmatched.append(item)
                continue
            for model in models:
                if isinstance(item, model):
                    self._by_model[model].append(item)
                    break

    def __getitem__(self, model: type) -> list[Any]:
        if model not in self._by_model:
            raise KeyError(f"{model.__qualname__} is not part of this collection")
        return self._by_model[model]

    def get(self, model: type) -> list[Any]:
        return self[model]

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        counts = ", ".join(f"{m.__qualname__}: {len(v)}" for m, v in self._by_model.items())
        return f"<CollectionResult {counts}, unmatched: {len(self.unmatched)}>"


def _pattern(attr: Any) -> tuple[re.Pattern[str], int] | None:
    """The shape of a templated sort key (``ORDER#{id}`` → ``ORDER#.+``) and how much fixed text it
    has; None when the key is not templated or starts with a placeholder (nothing to tell by)."""
    if not isinstance(attr, StringAttribute) or attr.template is None or not attr.get_prefix():
        return None
    literals = _PLACEHOLDER.split(attr.template)[::2]
    return re.compile(".+".join(re.escape(text) for text in literals)), sum(map(len, literals))


class Collection:
    """Several models that live in one partition of one table; see the module docstring."""

    def __init__(self, *models: type | Sequence[type]) -> None:
        flat: list[type] = []
        for m in models:
            if isinstance(m, (list, tuple)):
                flat.extend(m)
            else:
                flat.append(m)  # type: ignore[arg-type]
        if not flat:
            raise ValueError("a Collection needs at least one model")
        infos: list[ModelInfo] = []
        for m in flat:
            info = getattr(m, "_pydynox_info", None)
            if not isinstance(info, ModelInfo):
                raise TypeError(f"Collection takes model classes, got {m!r}")
            infos.append(info)
        first = infos[0]
        first.require_config()
        assert first.partition_key is not None
        for info in infos[1:]:
            info.require_config()
            assert info.partition_key is not None
            if info.table != first.table:
                raise ValueError(
                    f"Collection: {info.name} is in table {info.table!r}, {first.name} in {first.table!r}"
                )
            if info.partition_key.db_name != first.partition_key.db_name or (
                (info.sort_key and info.sort_key.db_name) != (first.sort_key and first.sort_key.db_name)
            ):
                raise ValueError(f"Collection: {info.name} and {first.name} have different key attributes")
        self.models = flat
        self._infos = infos
        self._by_value: dict[tuple[str, str], ModelInfo] = {}
        self._by_shape: list[tuple[re.Pattern[str], int, ModelInfo]] = []
        for info in infos:
            if info.discriminator is not None:
                for value in info.discriminator_values:
                    slot = (info.discriminator.db_name, value)
                    other = self._by_value.get(slot)
                    # A hierarchy root loads its subclasses itself; a subclass listed too takes its own.
                    if other is None or issubclass(info.cls, other.cls):
                        self._by_value[slot] = info
                continue
            shape = _pattern(info.sort_key)
            if shape is None:
                raise ValueError(
                    f"Collection: {info.name} needs a discriminator or a templated sort key with fixed "
                    f"leading text (e.g. 'ORDER#{{id}}') so its items can be told apart"
                )
            for other_shape, _, other in self._by_shape:
                if other_shape.pattern == shape[0].pattern:
                    raise ValueError(
                        f"Collection: {info.name} and {other.name} have sort keys of the same shape "
                        f"({info.sort_key.template!r}); their items cannot be told apart"  # type: ignore[union-attr]
                    )
            self._by_shape.append((shape[0], shape[1], info))
        # The most specific shape first: "ORDER#{o}#LINE#{n}" before "ORDER#{o}".
        self._by_shape.sort(key=lambda s: -s[1])
        self._sort_keys = [i.sort_key for i in infos if i.sort_key is not None]
        self._disc_names = sorted({name for name, _ in self._by_value})
        self._sort_name = first.sort_key.db_name if first.sort_key is not None else None

    def __repr__(self) -> str:
        return f"Collection({', '.join(m.__qualname__ for m in self.models)})"

    def _owner(self, item: dict[str, Any]) -> ModelInfo | None:
        for name in self._disc_names:
            info = self._by_value.get((name, item.get(name)))  # type: ignore[arg-type]
            if info is not None:
                return info
        if self._sort_name is not None:
            sort_value = item.get(self._sort_name)
            if isinstance(sort_value, str):
                for shape, _, info in self._by_shape:
                    if shape.fullmatch(sort_value):
                        return info
        return None

    def _coded(self, items: list[Any]) -> list[tuple[ModelInfo, list[int]]]:
        """Items whose models have compressed or encrypted attributes, grouped by model."""
        groups: dict[int, tuple[ModelInfo, list[int]]] = {}
        for i, item in enumerate(items):
            info = self._owner(item)
            if info is not None and info.core.has_codecs:
                groups.setdefault(id(info), (info, []))[1].append(i)
        return list(groups.values())

    async def _decoded_async(self, items: list[Any]) -> None:
        for info, indexes in self._coded(items):
            decoded = await decoded_async(info, [items[i] for i in indexes])
            for i, item in zip(indexes, decoded, strict=True):
                items[i] = item

    def _decoded_sync(self, items: list[Any]) -> None:
        for info, indexes in self._coded(items):
            decoded = decoded_sync(info, [items[i] for i in indexes])
            for i, item in zip(indexes, decoded, strict=True):
                items[i] = item

    def _load(self, items: list[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            info = self._owner(item)
            loaded = loaded_as(info, info.core.load(item)) if info is not None else None
            out.append(item if loaded is None else loaded)
        return out

    def _kwargs(
        self,
        partition_key: Any,
        sort_key_condition: Condition | None,
        filter_condition: Condition | None,
        scan_index_forward: bool,
        consistent_read: bool | None,
        key_values: dict[str, Any],
    ) -> dict[str, Any]:
        first = self._infos[0]
        assert first.partition_key is not None
        where = f"{self!r}.query()"
        builder = ExpressionBuilder()
        pk_attrs = [first.partition_key]
        parts: list[Condition] = [
            a == v for a, v in _partition_values(first, pk_attrs, partition_key, key_values, where)
        ]
        if sort_key_condition is not None:
            parts.extend(_sort_condition(first, sort_key_condition, self._sort_keys, where))
        if consistent_read is None:
            consistent_read = bool(first.config and first.config.consistent_read)
        return {
            "table": first.table,
            "key_condition_expression": " AND ".join(p.build(builder) for p in parts),
            "filter_expression": _filter(builder, filter_condition),
            "projection_expression": None,
            "scan_index_forward": scan_index_forward,
            "consistent_read": consistent_read,
            "index_name": None,
            "expression_attribute_names": builder.names or None,
            "expression_attribute_values": builder.values or None,
            "model": None,
        }

    def _key_of(self) -> Any:
        names = [a.db_name for a in self._infos[0].key_attributes]

        def key_of(item: Any) -> dict[str, Any] | None:
            if isinstance(item, dict):
                return {n: item[n] for n in names}
            snapshot = item._pydynox_info.get_snapshot(item)
            return None if snapshot is None else snapshot.pick(names)

        return key_of

    def query(
        self,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        **key_values: Any,
    ) -> AsyncQueryResult[Any]:
        """The partition's items as instances of their models, page after page. The partition key
        is ``partition_key=`` or given by name (or by its template's placeholders)."""
        kwargs = self._kwargs(
            partition_key, sort_key_condition, filter_condition, scan_index_forward, consistent_read,
            key_values,
        )  # fmt: skip
        core = self._infos[0].client()._core

        def fetch(limit: int | None, exclusive_start_key: Any) -> Any:
            return core.query_page(True, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)

        async def prepare(items: list[Any]) -> None:
            await self._decoded_async(items)
            items[:] = self._load(items)
            for item in items:
                if not isinstance(item, dict):
                    await run_hooks_async(item._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)

        return AsyncQueryResult(
            fetch,
            limit,
            page_size,
            last_evaluated_key,
            key_of=self._key_of(),
            prepare=prepare,
            request={"operation": "Query", **{k: v for k, v in kwargs.items() if k != "model"}},
        )

    def sync_query(
        self,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool | None = None,
        last_evaluated_key: dict[str, Any] | None = None,
        **key_values: Any,
    ) -> QueryResult[Any]:
        kwargs = self._kwargs(
            partition_key, sort_key_condition, filter_condition, scan_index_forward, consistent_read,
            key_values,
        )  # fmt: skip
        core = self._infos[0].client()._core

        def fetch(limit: int | None, exclusive_start_key: Any) -> Any:
            return core.query_page(False, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)

        def prepare(items: list[Any]) -> None:
            self._decoded_sync(items)
            items[:] = self._load(items)
            for item in items:
                if not isinstance(item, dict):
                    run_hooks_sync(item._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)

        return QueryResult(
            fetch,
            limit,
            page_size,
            last_evaluated_key,
            key_of=self._key_of(),
            prepare=prepare,
            request={"operation": "Query", **{k: v for k, v in kwargs.items() if k != "model"}},
        )

    async def fetch(self, partition_key: Any = None, **options: Any) -> CollectionResult:
        """Every item of the partition, grouped by model (takes the options of ``query``)."""
        items = await self.query(partition_key, **options).all()
        return CollectionResult(self.models, items)

    def sync_fetch(self, partition_key: Any = None, **options: Any) -> CollectionResult:
        items = self.sync_query(partition_key, **options).all()
        return CollectionResult(self.models, items)
