"""Secondary indexes declared on a model; ``Model.create_table()`` creates them with the table.

.. code-block:: python

    class User(Model):
        ...
        by_email = GlobalSecondaryIndex("email-index", partition_key="email")
        by_status = GlobalSecondaryIndex(
            "status-index", partition_key=["tenant", "status"], sort_key="created"
        )
        by_age = LocalSecondaryIndex("age-index", sort_key="age", projection=["name"])

Keys name Python attributes of the model; a list gives a multi-attribute key (up to four).
``projection`` is ``"ALL"``, ``"KEYS_ONLY"`` or a list of attribute names to include.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from pydynox._model_info import ModelInfo
    from pydynox.conditions import Condition
    from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

__all__ = ["BoundIndex", "GlobalSecondaryIndex", "LocalSecondaryIndex"]

M = TypeVar("M")


def _names(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    names = tuple(value)
    if not names or len(names) > 4 or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{what} is an attribute name or a list of one to four names, got {value!r}")
    return names


class _Index:
    def __init__(self, index_name: str, projection: str | Sequence[str] = "ALL") -> None:
        if not isinstance(index_name, str) or not 3 <= len(index_name) <= 255:
            raise ValueError(f"index_name must be a str of 3 to 255 characters, got {index_name!r}")
        if isinstance(projection, str):
            if projection not in ("ALL", "KEYS_ONLY"):
                raise ValueError(
                    f"projection is 'ALL', 'KEYS_ONLY' or a list of attribute names, got {projection!r}"
                )
        elif not projection or not all(isinstance(p, str) for p in projection):
            raise ValueError(f"projection must name at least one attribute, got {projection!r}")
        self.index_name = index_name
        self.projection = projection if isinstance(projection, str) else tuple(projection)
        self.name = ""
        self.model: type | None = None

    is_global = False
    partition_keys: tuple[str, ...] = ()
    sort_keys: tuple[str, ...] = ()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.model = owner

    @overload
    def __get__(self, instance: None, owner: type[M]) -> BoundIndex[M]: ...
    @overload
    def __get__(self, instance: object, owner: type[M]) -> BoundIndex[M]: ...
    def __get__(self, instance: object | None, owner: type[M]) -> BoundIndex[M]:
        # Read through the class it is reached from: a subclass's index returns the subclass.
        return BoundIndex(self, owner)  # type: ignore[arg-type]  # only the two subclasses exist

    def partition_key_names(self, info: ModelInfo) -> tuple[str, ...]:
        """Python names of the index's partition key attributes (an LSI shares the table's)."""
        if self.partition_keys:
            return self.partition_keys
        assert info.partition_key is not None
        return (info.partition_key.name,)

    def _projection(self, info: ModelInfo) -> dict[str, Any]:
        if isinstance(self.projection, str):
            return {"projection": self.projection}
        return {
            "projection": "INCLUDE",
            "non_key_attributes": [
                info.attribute(n, f"index {self.index_name}").db_name for n in self.projection
            ],
        }

    def _key(self, info: ModelInfo, names: tuple[str, ...]) -> list[tuple[str, str]]:
        out = []
        for n in names:
            attr = info.attribute(n, f"index {self.index_name}")
            if attr.key_type is None:
                raise TypeError(
                    f"{info.name}.{n} ({type(attr).__name__}) cannot be a key of index {self.index_name}"
                )
            out.append((attr.db_name, attr.key_type))
        return out


class GlobalSecondaryIndex(_Index):
    is_global = True

    def __init__(
        self,
        index_name: str,
        partition_key: str | Sequence[str],
        sort_key: str | Sequence[str] | None = None,
        projection: str | Sequence[str] = "ALL",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
    ) -> None:
        super().__init__(index_name, projection)
        self.partition_keys = _names(partition_key, "partition_key")
        if not self.partition_keys:
            raise ValueError(f"index {index_name}: partition_key is required")
        self.sort_keys = _names(sort_key, "sort_key")
        self.read_capacity = read_capacity
        self.write_capacity = write_capacity

    def definition(self, info: ModelInfo) -> dict[str, Any]:
        d: dict[str, Any] = {
            "index_name": self.index_name,
            "partition_key": self._key(info, self.partition_keys),
            **self._projection(info),
        }
        if self.sort_keys:
            d["sort_key"] = self._key(info, self.sort_keys)
        if self.read_capacity is not None:
            d["read_capacity"] = self.read_capacity
        if self.write_capacity is not None:
            d["write_capacity"] = self.write_capacity
        return d


class LocalSecondaryIndex(_Index):
    def __init__(self, index_name: str, sort_key: str, projection: str | Sequence[str] = "ALL") -> None:
        super().__init__(index_name, projection)
        if not isinstance(sort_key, str):
            raise ValueError(f"index {index_name}: sort_key is one attribute name, got {sort_key!r}")
        self.sort_keys = (sort_key,)

    def definition(self, info: ModelInfo) -> dict[str, Any]:
        return {
            "index_name": self.index_name,
            "sort_key": self._key(info, self.sort_keys)[0],
            **self._projection(info),
        }


class BoundIndex(Generic[M]):
    """An index as reached from a model class: ``User.email_index.query(email="a@example.com")``.

    Every read takes the options of the model's own ``query``/``scan`` (``fields``, ``as_dict``,
    filters, ``limit``/``page_size``, ``last_evaluated_key``) and returns instances of the model.
    Global secondary indexes do not support consistent reads.
    """

    __slots__ = ("index", "model")

    def __init__(self, index: GlobalSecondaryIndex | LocalSecondaryIndex, model: type[M]) -> None:
        self.index = index
        self.model = model

    @property
    def index_name(self) -> str:
        return self.index.index_name

    def __repr__(self) -> str:
        return f"<{type(self.index).__name__} {self.index.index_name!r} of {self.model.__qualname__}>"

    def _info(self) -> ModelInfo:
        return self.model._pydynox_info  # type: ignore[attr-defined,no-any-return]

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
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        **key_values: Any,
    ) -> AsyncQueryResult[M]:
        """The items of one index partition: ``partition_key=`` for a one-attribute key, else the
        key attributes by name (``tenant="t1", status="open"``)."""
        from pydynox._reads import query_spec

        spec = query_spec(
            self._info(), partition_key, sort_key_condition, filter_condition, scan_index_forward,
            consistent_read, as_dict, fields, key_values, self.index,
        )  # fmt: skip
        return spec.async_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

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
        as_dict: bool = False,
        fields: Sequence[str] | None = None,
        **key_values: Any,
    ) -> QueryResult[M]:
        from pydynox._reads import query_spec

        spec = query_spec(
            self._info(), partition_key, sort_key_condition, filter_condition, scan_index_forward,
            consistent_read, as_dict, fields, key_values, self.index,
        )  # fmt: skip
        return spec.sync_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    def scan(
        self,
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
        from pydynox._reads import scan_spec

        spec = scan_spec(
            self._info(), filter_condition, consistent_read, segment, total_segments, as_dict, fields,
            self.index,
        )  # fmt: skip
        return spec.async_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    def sync_scan(
        self,
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
        from pydynox._reads import scan_spec

        spec = scan_spec(
            self._info(), filter_condition, consistent_read, segment, total_segments, as_dict, fields,
            self.index,
        )  # fmt: skip
        return spec.sync_result(limit, page_size, last_evaluated_key)  # type: ignore[no-any-return]

    def _count(
        self,
        partition_key: Any,
        sort_key_condition: Condition | None,
        filter_condition: Condition | None,
        consistent_read: bool | None,
        key_values: dict[str, Any],
    ) -> tuple[Any, dict[str, Any]]:
        from pydynox._reads import count_args

        info = self._info()
        args = count_args(
            info, partition_key, sort_key_condition, filter_condition, consistent_read, key_values,
            self.index,
        )  # fmt: skip
        return info.client(), args

    async def count(
        self,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        **key_values: Any,
    ) -> Any:
        """Matching items in the index (a Query with a partition key, else a Scan), as an int."""
        from pydynox.query import Count

        client, args = self._count(
            partition_key, sort_key_condition, filter_condition, consistent_read, key_values
        )
        return Count(*await client.count(**args))

    def sync_count(
        self,
        partition_key: Any = None,
        sort_key_condition: Condition | None = None,
        filter_condition: Condition | None = None,
        consistent_read: bool | None = None,
        **key_values: Any,
    ) -> Any:
        from pydynox.query import Count

        client, args = self._count(
            partition_key, sort_key_condition, filter_condition, consistent_read, key_values
        )
        return Count(*client.sync_count(**args))
