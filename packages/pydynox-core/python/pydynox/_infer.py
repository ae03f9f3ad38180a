"""Attributes from type annotations, for models declared as pydantic models or dataclasses.

``name: str`` becomes a StringAttribute, ``tags: set[str]`` a StringSetAttribute, ``status: Status``
an EnumAttribute, ``address: Address`` (a dataclass or pydantic model) a typed MapAttribute, and so
on. ``Annotated[str, StringAttribute(partition_key=True)]`` states the attribute explicitly (any
attribute class and option); ``Annotated[str, PartitionKey()]`` / ``SortKey()`` only mark the key.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import enum
import types
import typing
import uuid
from decimal import Decimal
from typing import Any

from pydynox.attributes.base import Attribute, to_plain
from pydynox.attributes.collections import (
    BinarySetAttribute,
    ListAttribute,
    MapAttribute,
    NumberSetAttribute,
    StringSetAttribute,
)
from pydynox.attributes.primitives import (
    BinaryAttribute,
    BooleanAttribute,
    DecimalAttribute,
    FloatAttribute,
    IntegerAttribute,
    StringAttribute,
)
from pydynox.attributes.special import DatetimeAttribute, EnumAttribute
from pydynox.attributes.typed import from_plain

__all__ = ["PartitionKey", "SortKey", "attribute_for"]


class PartitionKey:
    """``Annotated[str, PartitionKey()]``: this field is the table's partition key."""


class SortKey:
    """``Annotated[str, SortKey()]``: this field is the table's sort key."""


class TypedAttribute(Attribute[Any]):
    """A value of an annotated structured type (``list[Address]``, ``dict[str, Status]``...): stored
    in plain form, rebuilt from the annotation on load."""

    has_load = True
    has_dump = True

    def __init__(self, annotation: Any, kind: str) -> None:
        super().__init__()
        self.annotation = annotation
        self.kind = kind

    def load(self, value: Any) -> Any:
        return from_plain(self.annotation, value, f"{self.model_name}.{self.name}")

    def dump(self, value: Any) -> Any:
        return to_plain(value)


_PLAIN_SCALARS = (str, int, bool, bytes, Decimal)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without Optional and Annotated, and the Annotated metadata."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            metadata.extend(args[1:])
            continue
        if origin is typing.Union or origin is types.UnionType:
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, metadata


def _is_plain(annotation: Any) -> bool:
    """Whether stored values of this type load back as they are (no conversion needed)."""
    annotation, _ = _unwrap(annotation)
    if annotation is Any or annotation in _PLAIN_SCALARS:
        return True
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return all(_is_plain(a) for a in typing.get_args(annotation)[-1:])
    return annotation in (list, dict)


def _storable(annotation: Any) -> bool:
    """Whether values of this type can be stored: scalars DynamoDB has, Enum, datetime and friends,
    dataclasses and pydantic models, and lists, sets and str-keyed dicts of those."""
    tp, _ = _unwrap(annotation)
    if tp is Any:
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return all(_storable(a) for a in typing.get_args(tp) if a is not type(None))
    if origin in (list, tuple, set, frozenset):
        return all(_storable(a) for a in typing.get_args(tp) if a is not Ellipsis)
    if origin is dict:
        args = typing.get_args(tp)
        return not args or (_unwrap(args[0])[0] is str and _storable(args[1]))
    if not isinstance(tp, type):
        return False
    return (
        issubclass(tp, (str, int, float, Decimal, bytes, enum.Enum, _dt.date, _dt.time, uuid.UUID))
        or tp in (list, dict, set, frozenset, tuple)
        or dataclasses.is_dataclass(tp)
        or callable(getattr(tp, "model_validate", None))
    )


def _infer(annotation: Any, label: str) -> Attribute[Any]:
    tp, _ = _unwrap(annotation)
    origin = typing.get_origin(tp)
    if tp is Any:
        return Attribute()
    if isinstance(tp, type):
        if issubclass(tp, bool):
            return BooleanAttribute()
        if issubclass(tp, enum.Enum):
            return EnumAttribute(tp)
        if issubclass(tp, str):
            return StringAttribute()
        if issubclass(tp, int):
            return IntegerAttribute()
        if issubclass(tp, float):
            return FloatAttribute()
        if issubclass(tp, Decimal):
            return DecimalAttribute()
        if issubclass(tp, bytes):
            return BinaryAttribute()
        if issubclass(tp, _dt.datetime):
            return DatetimeAttribute()
        if tp in (_dt.date, _dt.time, uuid.UUID):
            return TypedAttribute(tp, "S")
        if dataclasses.is_dataclass(tp) or callable(getattr(tp, "model_validate", None)):
            return MapAttribute(tp)
        if tp is list:
            return ListAttribute()
        if tp is dict:
            return MapAttribute()
    if origin in (set, frozenset):
        (member,) = typing.get_args(tp) or (str,)
        member, _ = _unwrap(member)
        if member is str:
            return StringSetAttribute()
        if member is bytes:
            return BinarySetAttribute()
        if member in (int, float, Decimal):
            return NumberSetAttribute() if member is not float else TypedAttribute(tp, "NS")
        raise TypeError(f"{label}: DynamoDB sets hold str, numbers or bytes, not {member!r}")
    if origin in (list, tuple, dict) and not _storable(tp):
        raise TypeError(
            f"{label}: cannot store {annotation!r} in DynamoDB (map keys must be str; values must be "
            "str, numbers, bool, bytes, Enum, datetime, dataclasses, pydantic models or containers of them)"
        )
    if origin in (list, tuple):
        return ListAttribute() if _is_plain(tp) else TypedAttribute(tp, "L")
    if origin is dict:
        return MapAttribute() if _is_plain(tp) else TypedAttribute(tp, "M")
    raise TypeError(f"{label}: cannot store a field annotated {annotation!r} in DynamoDB")


def attribute_for(
    owner: type, name: str, annotation: Any, extra_metadata: list[Any] | None = None
) -> Attribute[Any]:
    """The attribute for field ``name`` of ``owner``, from its annotation and metadata."""
    _, metadata = _unwrap(annotation)
    metadata = [*metadata, *(extra_metadata or [])]
    label = f"{owner.__qualname__}.{name}"
    explicit = [m for m in metadata if isinstance(m, Attribute)]
    if len(explicit) > 1:
        raise TypeError(f"{label} has more than one attribute in its annotation")
    # A copy: one Annotated alias may be shared by several models.
    attr = copy.copy(explicit[0]) if explicit else _infer(annotation, label)
    if any(isinstance(m, PartitionKey) or m is PartitionKey for m in metadata):
        if attr.key_type is None:
            raise TypeError(f"{label} ({type(attr).__name__}) cannot be a key")
        attr.partition_key = True
    if any(isinstance(m, SortKey) or m is SortKey for m in metadata):
        if attr.key_type is None:
            raise TypeError(f"{label} ({type(attr).__name__}) cannot be a key")
        attr.sort_key = True
    attr._info = None
    attr.__set_name__(owner, name)
    return attr


KEY_OPTIONS = ("partition_key", "sort_key")


def mark_keys(owner: type, attributes: dict[str, Attribute[Any]], keys: dict[str, str]) -> None:
    """Applies ``partition_key="pk"`` / ``sort_key="sk"`` given as class options."""
    for role, name in keys.items():
        attr = attributes.get(name)
        if attr is None:
            raise TypeError(f"{owner.__qualname__}: {role}={name!r} names no field")
        if attr.key_type is None:
            raise TypeError(f"{owner.__qualname__}.{name} ({type(attr).__name__}) cannot be a key")
        setattr(attr, role, True)
