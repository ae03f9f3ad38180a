"""Items in endpoints: ``get_or_404``, its dependency form ``item_or_404``, and ``response_schema``.

.. code-block:: python

    @app.get("/users/{pk}")
    async def read(user: Annotated[User, Depends(item_or_404(User))]) -> User:
        return user

A missing item raises :class:`~pydynox_fastapi.ItemNotFoundError` (404, ``not_found``), whose body
names the model, never the key.

Models as response models: a :class:`pydynox.pydantic.DynamoModel` is a pydantic model and serves as
``response_model`` as it is. For a :class:`pydynox.Model`, :func:`response_schema` derives a pydantic
model from its attributes that reads the instance's attributes (``from_attributes``).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, create_model
from pydynox.attributes import (
    Attribute,
    DecimalAttribute,
    EnumAttribute,
    FloatAttribute,
    IntegerAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    StringAttribute,
)
from pydynox.model import ModelOperations

from pydynox_fastapi.errors import ItemNotFoundError

__all__ = ["get_or_404", "item_or_404", "response_schema", "sync_get_or_404"]

M = TypeVar("M", bound=ModelOperations)


def _info(model: Any, where: str) -> Any:
    info = getattr(model, "_pydynox_info", None) if isinstance(model, type) else None
    if info is None:
        raise TypeError(f"{where} needs a pydynox model class, got {model!r}")
    return info


async def get_or_404(
    model: type[M], *, consistent_read: bool | None = None, fields: Sequence[str] | None = None, **key: Any
) -> M:
    """``await model.get(**key)``, or :class:`~pydynox_fastapi.ItemNotFoundError` (404) when there
    is no such item."""
    _info(model, "get_or_404()")
    item = await model.get(consistent_read=consistent_read, fields=fields, **key)
    if item is None:
        raise ItemNotFoundError(model.__name__)
    return item


def sync_get_or_404(
    model: type[M], *, consistent_read: bool | None = None, fields: Sequence[str] | None = None, **key: Any
) -> M:
    """The blocking twin of :func:`get_or_404`, for ``def`` endpoints."""
    _info(model, "sync_get_or_404()")
    item = model.sync_get(consistent_read=consistent_read, fields=fields, **key)
    if item is None:
        raise ItemNotFoundError(model.__name__)
    return item


def item_or_404(
    model: type[M],
    *,
    consistent_read: bool | None = None,
    fields: Sequence[str] | None = None,
    **params: str,
) -> Callable[..., Awaitable[M]]:
    """A dependency that loads ``model`` from the request's path (or query) parameters, or answers 404.

    By default each key attribute comes from the parameter of the same name (``/users/{pk}/{sk}``).
    ``item_or_404(User, pk="user_id")`` takes ``pk`` from ``{user_id}``; a templated key takes its
    placeholders instead (``item_or_404(Order, user_id="user_id", order_id="order_id")`` for
    ``sk = StringAttribute(template="ORDER#{order_id}")``). Parameters are parsed as the attribute's
    type (``int`` for an IntegerAttribute, ...).
    """
    info = _info(model, "item_or_404()")
    info.require_config()
    names = params or {a.name: a.name for a in info.key_attributes}
    accepted = _key_arguments(info)
    for argument, param in names.items():
        if argument not in accepted:
            raise TypeError(
                f"item_or_404({info.name}): {argument!r} is not a key attribute or a key template "
                f"placeholder (expected some of {sorted(accepted)})"
            )
        if not isinstance(param, str) or not param.isidentifier():
            raise ValueError(
                f"item_or_404({info.name}): parameter name for {argument!r} must be an identifier"
            )
    if len(set(names.values())) != len(names):
        raise ValueError(f"item_or_404({info.name}): two key arguments read the same parameter")

    async def load(**values: Any) -> M:
        key = {argument: values[param] for argument, param in names.items()}
        return await get_or_404(model, consistent_read=consistent_read, fields=fields, **key)

    load.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=accepted[argument])
            for argument, param in names.items()
        ],
        return_annotation=model,
    )
    load.__name__ = load.__qualname__ = f"{model.__name__}_or_404"
    return load


def _key_arguments(info: Any) -> dict[str, Any]:
    """What ``get`` accepts as key arguments, with the type to parse each one as: the key
    attributes, and the placeholders of templated keys (always text)."""
    accepted: dict[str, Any] = {}
    for attr in info.key_attributes:
        accepted[attr.name] = _key_type(attr)
        if isinstance(attr, StringAttribute) and attr.template is not None:
            for placeholder in attr.placeholders:
                part = info.attributes.get(placeholder)
                accepted.setdefault(placeholder, _key_type(part) if part is not None else str)
    return accepted


def _key_type(attr: Attribute[Any]) -> Any:
    if isinstance(attr, IntegerAttribute):
        return int
    if isinstance(attr, FloatAttribute):
        return float
    if isinstance(attr, NumberAttribute | DecimalAttribute):
        return Decimal
    return _value_type(attr)


# -- response schemas ------------------------------------------------------------------------------


def response_schema(
    model: type[Any], *, name: str | None = None, exclude: Sequence[str] = ()
) -> type[BaseModel]:
    """A pydantic model with ``model``'s attributes, for ``response_model=`` (and OpenAPI).

    It validates from instances (``from_attributes``), so an endpoint may return the model instance
    itself. Keys and required attributes are required fields; others may be None. ``exclude`` leaves
    attributes out of the answer (a password hash, an internal flag). Bytes are sent as base64.
    """
    info = _info(model, "response_schema()")
    missing = sorted(set(exclude) - set(info.attributes))
    if missing:
        raise ValueError(f"response_schema({info.name}): exclude names unknown attributes {missing}")
    fields: dict[str, Any] = {}
    for attr_name, attr in info.attributes.items():
        if attr_name in exclude:
            continue
        tp = _value_type(attr)
        if attr.partition_key or attr.sort_key or attr.required:
            fields[attr_name] = (tp, ...)
        else:
            fields[attr_name] = (tp | None, None)
    config = ConfigDict(from_attributes=True, ser_json_bytes="base64", val_json_bytes="base64")
    schema: type[BaseModel] = create_model(name or f"{model.__name__}Schema", __config__=config, **fields)
    schema.__module__ = model.__module__
    return schema


def _value_type(attr: Attribute[Any]) -> Any:
    """The Python type of an attribute's values."""
    if isinstance(attr, EnumAttribute):
        return attr.enum_class
    if isinstance(attr, MapAttribute | JSONAttribute) and attr.model_class is not None:
        return attr.model_class
    if type(attr) is NumberAttribute:
        return int | Decimal  # whole numbers load as int, others as Decimal
    if isinstance(attr, NumberSetAttribute):
        return set[int | Decimal]
    for klass in type(attr).__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            if typing.get_origin(base) is Attribute:
                (arg,) = typing.get_args(base)
                if not isinstance(arg, TypeVar):
                    return arg
    return Any
