"""Model-level Query, Scan and Count, on the table or on a secondary index: conditions in, model
instances out (hydrated by the Rust core)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydynox._core import Page
from pydynox._crud import decode_for, projection_paths
from pydynox._model_info import ModelInfo
from pydynox.attributes.base import Attribute
from pydynox.attributes.primitives import StringAttribute
from pydynox.conditions import And, Between, Comparison, Condition, FunctionCondition
from pydynox.expressions import ExpressionBuilder
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync
from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

if TYPE_CHECKING:
    from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

    Index = GlobalSecondaryIndex | LocalSecondaryIndex

__all__ = ["ReadSpec", "count_args", "query_spec", "scan_spec"]


class ReadSpec:
    """The fixed arguments of one paginated read."""

    def __init__(
        self,
        info: ModelInfo,
        method: str,
        kwargs: dict[str, Any],
        as_dict: bool,
        key_names: list[str],
    ) -> None:
        self.info = info
        self.method = method
        self.kwargs = kwargs
        self.as_dict = as_dict
        self.key_names = key_names
        # Items of a discriminator hierarchy may be subclasses with hooks of their own.
        self.hooks = not as_dict and (
            bool(info.hooks.get(HookType.AFTER_LOAD)) or info.discriminator is not None
        )

    def key_of(self) -> Any:
        """The resume key of a loaded item: the table's key plus the index's."""
        names = self.key_names
        if self.as_dict:
            return lambda item: {n: item[n] for n in names} if all(n in item for n in names) else None
        get_snapshot = self.info.get_snapshot

        def key_of(instance: Any) -> dict[str, Any] | None:
            snapshot = get_snapshot(instance)
            return None if snapshot is None else snapshot.pick(names)

        return key_of

    def request(self) -> dict[str, Any]:
        """The read as DynamoDB sees it (``request`` of the result), without the core's load schema."""
        operation = "Query" if self.method == "query_page" else "Scan"
        return {
            "operation": operation,
            **{k: v for k, v in self.kwargs.items() if k not in ("model", "decode")},
        }

    def async_result(self, limit: int | None, page_size: int | None, start: Any) -> Any:
        method = getattr(self.info.client()._core, self.method)
        kwargs = self.kwargs

        def fetch(limit: int | None, exclusive_start_key: Any) -> Any:
            return method(True, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)

        async def after_load(items: list[Any]) -> None:
            for item in items:
                await run_hooks_async(type(item)._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)

        cls = AsyncQueryResult if self.method == "query_page" else AsyncScanResult
        return cls(
            fetch, limit, page_size, start, key_of=self.key_of(),
            prepare=after_load if self.hooks else None, request=self.request(),
        )  # fmt: skip

    def sync_result(self, limit: int | None, page_size: int | None, start: Any) -> Any:
        method = getattr(self.info.client()._core, self.method)
        kwargs = self.kwargs

        def fetch(limit: int | None, exclusive_start_key: Any) -> Page:
            return method(False, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)  # type: ignore[no-any-return]

        def after_load(items: list[Any]) -> None:
            for item in items:
                run_hooks_sync(type(item)._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)

        cls = QueryResult if self.method == "query_page" else ScanResult
        return cls(
            fetch, limit, page_size, start, key_of=self.key_of(),
            prepare=after_load if self.hooks else None, request=self.request(),
        )  # fmt: skip


def _consistent(info: ModelInfo, consistent_read: bool | None, index: Index | None) -> bool:
    if consistent_read is None:
        if index is not None and index.is_global:
            return False
        return bool(info.config and info.config.consistent_read)
    if consistent_read and index is not None and index.is_global:
        raise ValueError(
            f"{info.name}.{index.name}: a global secondary index does not support consistent reads"
        )
    return consistent_read


def _index_key_names(info: ModelInfo, index: Index | None) -> list[str]:
    names = [a.db_name for a in info.key_attributes]
    if index is not None:
        for n in (*index.partition_key_names(info), *index.sort_keys):
            db = info.attribute(n).db_name
            if db not in names:
                names.append(db)
    return names


def _projection(info: ModelInfo, fields: Any, builder: ExpressionBuilder, index: Index | None) -> str | None:
    paths = projection_paths(info, fields)
    if paths is None:
        return None
    for name in _index_key_names(info, index):
        if name not in paths:
            paths.append(name)
    return ", ".join(builder.name(p) for p in paths)


def _filter(builder: ExpressionBuilder, condition: Condition | None) -> str | None:
    if condition is not None and not isinstance(condition, Condition):
        raise TypeError(f"filter_condition= takes a condition, got {type(condition).__name__}")
    # A subclass of a discriminator hierarchy reads only its own items (and its subclasses').
    own: Condition | None = builder.owner.subclass_filter() if builder.owner is not None else None
    if own is not None:
        condition = own if condition is None else condition & own
    if condition is None:
        return None
    return condition.build(builder)


def _is_key_comparison(condition: Condition) -> bool:
    if isinstance(condition, Comparison):
        return condition.op != "<>"
    if isinstance(condition, FunctionCondition):
        return condition.function == "begins_with"
    return isinstance(condition, Between)


def _sort_condition(
    info: ModelInfo, sort_condition: Condition, sort_keys: Sequence[Attribute[Any]], where: str
) -> list[Condition]:
    """The parts of a sort key condition; every part must compare one of the sort key attributes."""
    parts = list(sort_condition.conditions) if isinstance(sort_condition, And) else [sort_condition]
    names = ", ".join(a.name for a in sort_keys) or "(none)"
    for part in parts:
        if not isinstance(part, Condition) or not _is_key_comparison(part):
            raise ValueError(
                f"{where}: sort_key_condition must be =, <, <=, >, >=, between or begins_with "
                f"on the sort key ({names})"
            )
        paths = part.paths()
        if len(paths) != 1 or not any(paths[0] is k for k in sort_keys):
            raise ValueError(f"{where}: sort_key_condition must be a condition on the sort key ({names})")
    if len(parts) > 1 and len(sort_keys) < 2:
        raise ValueError(f"{where}: sort_key_condition takes one condition on the sort key ({names})")
    return parts


def _partition_values(
    info: ModelInfo,
    attributes: Sequence[Attribute[Any]],
    partition_key: Any,
    key_values: dict[str, Any],
    where: str,
) -> list[tuple[Attribute[Any], Any]]:
    """The partition key value(s): ``partition_key=`` for a single attribute, else by attribute name
    (or by the placeholders of a templated key)."""
    values = dict(key_values)
    out: list[tuple[Attribute[Any], Any]] = []
    if partition_key is not None:
        if len(attributes) != 1:
            names = ", ".join(f"{a.name}=" for a in attributes)
            raise ValueError(f"{where}: the partition key has several attributes; give {names}")
        out.append((attributes[0], partition_key))
        attributes = []
    for attr in attributes:
        value = values.pop(attr.name, None)
        if value is None and isinstance(attr, StringAttribute) and attr.template is not None:
            if all(values.get(p) is not None for p in attr.placeholders):
                value = attr.build_key(values)
                for p in attr.placeholders:
                    values.pop(p, None)
        if value is None:
            hints = ["partition_key="] if len(attributes) == 1 and not out else []
            if isinstance(attr, StringAttribute) and attr.template is not None:
                parts = ", ".join(f"{p}=" for p in attr.placeholders)
                hints.append(f"{parts} for its template {attr.template!r}")
            hint = f" (or {', or '.join(hints)})" if hints else ""
            raise ValueError(f"{where} needs {attr.name}={hint}")
        out.append((attr, value))
    if values:
        raise TypeError(f"{where} got unexpected arguments {sorted(values)}")
    return out


def query_spec(
    info: ModelInfo,
    partition_key: Any,
    sort_key_condition: Condition | None,
    filter_condition: Condition | None,
    scan_index_forward: bool,
    consistent_read: bool | None,
    as_dict: bool,
    fields: Any,
    key_values: dict[str, Any],
    index: Index | None = None,
) -> ReadSpec:
    config = info.require_config()
    assert info.partition_key is not None
    if index is None:
        where = f"{info.name}.query()"
        pk_attrs: list[Attribute[Any]] = [info.partition_key]
        sk_attrs: list[Attribute[Any]] = [info.sort_key] if info.sort_key is not None else []
    else:
        where = f"{info.name}.{index.name}.query()"
        pk_attrs = [info.attribute(n) for n in index.partition_key_names(info)]
        sk_attrs = [info.attribute(n) for n in index.sort_keys]
    builder = ExpressionBuilder(info)
    parts: list[Condition] = [
        attr == value for attr, value in _partition_values(info, pk_attrs, partition_key, key_values, where)
    ]
    if sort_key_condition is not None:
        parts.extend(_sort_condition(info, sort_key_condition, sk_attrs, where))
    kwargs: dict[str, Any] = {
        "table": config.table,
        "key_condition_expression": " AND ".join(p.build(builder) for p in parts),
        "filter_expression": _filter(builder, filter_condition),
        "projection_expression": _projection(info, fields, builder, index),
        "scan_index_forward": scan_index_forward,
        "consistent_read": _consistent(info, consistent_read, index),
        "index_name": index.index_name if index is not None else None,
    }
    return _spec(info, "query_page", kwargs, builder, as_dict, fields, index)


def _spec(
    info: ModelInfo,
    method: str,
    kwargs: dict[str, Any],
    builder: ExpressionBuilder,
    as_dict: bool,
    fields: Any,
    index: Index | None,
) -> ReadSpec:
    kwargs["expression_attribute_names"] = builder.names or None
    kwargs["expression_attribute_values"] = builder.values or None
    # An index that projects only some attributes returns partial items: load them like a
    # fields= read, so missing required attributes stay None instead of failing the load.
    partial = fields is not None or (index is not None and index.projection != "ALL")
    kwargs["model"] = None if as_dict else (info.projected_core if partial else info.core)
    kwargs["decode"] = decode_for(info, as_dict)
    return ReadSpec(info, method, kwargs, as_dict, _index_key_names(info, index))


def scan_spec(
    info: ModelInfo,
    filter_condition: Condition | None,
    consistent_read: bool | None,
    segment: int | None,
    total_segments: int | None,
    as_dict: bool,
    fields: Any,
    index: Index | None = None,
) -> ReadSpec:
    config = info.require_config()
    builder = ExpressionBuilder(info)
    kwargs: dict[str, Any] = {
        "table": config.table,
        "filter_expression": _filter(builder, filter_condition),
        "projection_expression": _projection(info, fields, builder, index),
        "consistent_read": _consistent(info, consistent_read, index),
        "segment": segment,
        "total_segments": total_segments,
        "index_name": index.index_name if index is not None else None,
    }
    return _spec(info, "scan_page", kwargs, builder, as_dict, fields, index)


def segment_specs(
    info: ModelInfo,
    total_segments: int,
    filter_condition: Condition | None,
    consistent_read: bool | None,
    as_dict: bool,
    fields: Any,
) -> list[ReadSpec]:
    """One scan per segment of a parallel scan."""
    if isinstance(total_segments, bool) or not isinstance(total_segments, int):
        raise TypeError(f"total_segments must be an int, got {total_segments!r}")
    if not 1 <= total_segments <= 1_000_000:
        raise ValueError(f"total_segments must be from 1 to 1000000, got {total_segments}")
    return [
        scan_spec(info, filter_condition, consistent_read, segment, total_segments, as_dict, fields)
        for segment in range(total_segments)
    ]


def count_args(
    info: ModelInfo,
    partition_key: Any,
    sort_key_condition: Condition | None,
    filter_condition: Condition | None,
    consistent_read: bool | None,
    key_values: dict[str, Any],
    index: Index | None = None,
) -> dict[str, Any]:
    """COUNT of a Query when a partition key is given (``partition_key=`` or by name), else of a Scan."""
    if partition_key is not None or key_values:
        spec = query_spec(
            info, partition_key, sort_key_condition, filter_condition, True, consistent_read,
            True, None, key_values, index,
        )  # fmt: skip
        k = spec.kwargs
        return {
            "table": k["table"],
            "key_condition_expression": k["key_condition_expression"],
            "filter_expression": k["filter_expression"],
            "expression_attribute_names": k["expression_attribute_names"],
            "expression_attribute_values": k["expression_attribute_values"],
            "consistent_read": k["consistent_read"],
            "index_name": k["index_name"],
        }
    if sort_key_condition is not None:
        raise ValueError(f"{info.name}.count(): sort_key_condition needs a partition key")
    config = info.require_config()
    builder = ExpressionBuilder(info)
    return {
        "table": config.table,
        "filter_expression": _filter(builder, filter_condition),
        "expression_attribute_names": builder.names or None,
        "expression_attribute_values": builder.values or None,
        "consistent_read": _consistent(info, consistent_read, index),
        "index_name": index.index_name if index is not None else None,
    }
