"""Rebuilding typed values (dataclasses, pydantic models, Enum, datetime...) from stored plain values.

DynamoDB hands back str, int/Decimal, bool, bytes, list, dict and set; a typed map or JSON attribute
turns them back into what the annotations say, so a round trip returns equal objects.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import functools
import types
import typing
import uuid
from decimal import Decimal
from typing import Any

__all__ = ["from_plain"]


def from_plain(tp: Any, value: Any, label: str) -> Any:
    """``value`` (plain) as an instance of ``tp``; ``label`` names the attribute in errors."""
    if value is None:
        return None
    validate = getattr(tp, "model_validate", None)
    if isinstance(tp, type) and callable(validate):
        if isinstance(value, tp):
            return value
        return validate(value)
    try:
        return _convert(tp, value)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{label}: cannot read the stored value as {getattr(tp, '__name__', tp)}: {e}"
        ) from e


@functools.lru_cache(maxsize=256)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any) -> Any:
    if value is None or tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _convert(args[0], value)
        return value
    if origin is typing.Annotated:
        return _convert(typing.get_args(tp)[0], value)
    if origin in (list, tuple, set, frozenset):
        elem = (typing.get_args(tp) or (Any,))[0]
        items = [_convert(elem, v) for v in value]
        return origin(items)
    if origin is dict:
        pair = typing.get_args(tp)
        vt = pair[1] if len(pair) == 2 else Any
        return {k: _convert(vt, v) for k, v in value.items()}
    if not isinstance(tp, type):
        return value
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise TypeError(f"expected a map for {tp.__name__}, got {type(value).__name__}")
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{tp.__name__} has no field(s) {sorted(unknown)}")
        return tp(**{k: _convert(hints.get(k, Any), v) for k, v in value.items()})
    validate = getattr(tp, "model_validate", None)
    if callable(validate):
        return validate(value)
    if issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        return tp(value)
    if tp is _dt.datetime:
        return value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(value)
    if tp is _dt.date:
        return value if isinstance(value, _dt.date) else _dt.date.fromisoformat(value)
    if tp is _dt.time:
        return value if isinstance(value, _dt.time) else _dt.time.fromisoformat(value)
    if tp is uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if tp is float:
        return float(value)
    if tp is int and isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"{value} is not a whole number")
        return int(value)
    if tp is Decimal and not isinstance(value, Decimal):
        return Decimal(value)
    return value
