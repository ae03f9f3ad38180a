"""Model-level Query, Scan and Count: conditions in, model instances out (hydrated by the Rust core)."""

from __future__ import annotations

from typing import Any

from pydynox._core import Page
from pydynox._crud import projection_paths
from pydynox._model_info import ModelInfo
from pydynox.conditions import Between, Comparison, Condition, FunctionCondition
from pydynox.expressions import ExpressionBuilder
from pydynox.hooks import HookType, run_hooks_async, run_hooks_sync
from pydynox.query import AsyncQueryResult, AsyncScanResult, QueryResult, ScanResult

__all__ = ["ReadSpec", "count_args", "query_spec", "scan_spec"]


class ReadSpec:
    """The fixed arguments of one paginated read."""

    def __init__(self, info: ModelInfo, method: str, kwargs: dict[str, Any], as_dict: bool) -> None:
        self.info = info
        self.method = method
        self.kwargs = kwargs
        self.as_dict = as_dict
        # Items of a discriminator hierarchy may be subclasses with hooks of their own.
        self.hooks = not as_dict and (
            bool(info.hooks.get(HookType.AFTER_LOAD)) or info.discriminator is not None
        )

    def async_result(self, limit: int | None, page_size: int | None, start: Any) -> Any:
        client = self.info.client()
        method = getattr(client._core, self.method)
        kwargs = self.kwargs
        hooks = self.hooks

        async def fetch(limit: int | None, exclusive_start_key: Any) -> Page:
            page = await method(True, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)
            if hooks:
                for item in page.items:
                    await run_hooks_async(type(item)._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)
            return page  # type: ignore[no-any-return]

        cls = AsyncQueryResult if self.method == "query_page" else AsyncScanResult
        return cls(fetch, limit, page_size, start)

    def sync_result(self, limit: int | None, page_size: int | None, start: Any) -> Any:
        client = self.info.client()
        method = getattr(client._core, self.method)
        kwargs = self.kwargs
        hooks = self.hooks

        def fetch(limit: int | None, exclusive_start_key: Any) -> Page:
            page = method(False, limit=limit, exclusive_start_key=exclusive_start_key, **kwargs)
            if hooks:
                for item in page.items:
                    run_hooks_sync(type(item)._pydynox_info.hooks_for(HookType.AFTER_LOAD, None), item)
            return page  # type: ignore[no-any-return]

        cls = QueryResult if self.method == "query_page" else ScanResult
        return cls(fetch, limit, page_size, start)


def _consistent(info: ModelInfo, consistent_read: bool | None) -> bool:
    if consistent_read is None:
        return bool(info.config and info.config.consistent_read)
    return consistent_read


def _projection(info: ModelInfo, fields: Any, builder: ExpressionBuilder) -> str | None:
    paths = projection_paths(info, fields)
    if paths is None:
        return None
    rendered = []
    for p in paths:
        parts = p.split(".")
        rendered.append(".".join(_render_segment(builder, s) for s in parts))
    return ", ".join(rendered)


def _render_segment(builder: ExpressionBuilder, segment: str) -> str:
    name, bracket, rest = segment.partition("[")
    return builder.name(name) + (bracket + rest if bracket else "")


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


def _key_condition(
    info: ModelInfo, partition_value: Any, sort_condition: Condition | None, builder: ExpressionBuilder
) -> str:
    assert info.partition_key is not None
    pk_condition: Condition = info.partition_key == partition_value
    text = pk_condition.build(builder)
    if sort_condition is None:
        return text
    sk = info.sort_key
    if (
        not isinstance(sort_condition, (Comparison, Between, FunctionCondition))
        or (isinstance(sort_condition, Comparison) and sort_condition.op == "<>")
        or (isinstance(sort_condition, FunctionCondition) and sort_condition.function != "begins_with")
    ):
        raise ValueError(
            f"{info.name}: sort_key_condition must be =, <, <=, >, >=, between or begins_with on the sort key"
        )
    paths = sort_condition.paths()
    if sk is None or len(paths) != 1 or paths[0] is not sk:
        raise ValueError(
            f"{info.name}: sort_key_condition must be a condition on the sort key "
            f"{sk.name if sk else '(the model has none)'}"
        )
    return f"{text} AND {sort_condition.build(builder)}"


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
) -> ReadSpec:
    config = info.require_config()
    assert info.partition_key is not None
    if partition_key is None:
        values = dict(key_values)
        pk = info.partition_key
        partition_key = values.pop(pk.name, None)
        template = getattr(pk, "template", None)
        if partition_key is None and template is not None:
            partition_key = pk.build_key(values)  # type: ignore[attr-defined]
        elif values:
            raise TypeError(f"{info.name}.query() got unexpected arguments {sorted(values)}")
        if partition_key is None:
            raise ValueError(f"{info.name}.query() needs partition_key= (or {pk.name}=)")
    elif key_values:
        raise TypeError(f"{info.name}.query() got unexpected arguments {sorted(key_values)}")
    builder = ExpressionBuilder(info)
    kwargs: dict[str, Any] = {
        "table": config.table,
        "key_condition_expression": _key_condition(info, partition_key, sort_key_condition, builder),
        "filter_expression": _filter(builder, filter_condition),
        "projection_expression": _projection(info, fields, builder),
        "scan_index_forward": scan_index_forward,
        "consistent_read": _consistent(info, consistent_read),
    }
    kwargs["expression_attribute_names"] = builder.names or None
    kwargs["expression_attribute_values"] = builder.values or None
    kwargs["model"] = None if as_dict else (info.projected_core if fields is not None else info.core)
    return ReadSpec(info, "query_page", kwargs, as_dict)


def scan_spec(
    info: ModelInfo,
    filter_condition: Condition | None,
    consistent_read: bool | None,
    segment: int | None,
    total_segments: int | None,
    as_dict: bool,
    fields: Any,
) -> ReadSpec:
    config = info.require_config()
    builder = ExpressionBuilder(info)
    kwargs: dict[str, Any] = {
        "table": config.table,
        "filter_expression": _filter(builder, filter_condition),
        "projection_expression": _projection(info, fields, builder),
        "consistent_read": _consistent(info, consistent_read),
        "segment": segment,
        "total_segments": total_segments,
    }
    kwargs["expression_attribute_names"] = builder.names or None
    kwargs["expression_attribute_values"] = builder.values or None
    kwargs["model"] = None if as_dict else (info.projected_core if fields is not None else info.core)
    return ReadSpec(info, "scan_page", kwargs, as_dict)


def count_args(
    info: ModelInfo, filter_condition: Condition | None, consistent_read: bool | None
) -> dict[str, Any]:
    config = info.require_config()
    builder = ExpressionBuilder(info)
    return {
        "table": config.table,
        "filter_expression": _filter(builder, filter_condition),
        "expression_attribute_names": builder.names or None,
        "expression_attribute_values": builder.values or None,
        "consistent_read": _consistent(info, consistent_read),
    }
