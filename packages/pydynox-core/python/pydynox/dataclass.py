"""Dataclasses stored in DynamoDB, with every model feature.

.. code-block:: python

    from typing import Annotated
    from pydynox.dataclass import DataclassModel, PartitionKey

    class Order(DataclassModel, table="orders"):
        pk: Annotated[str, PartitionKey()]
        total: Decimal = Decimal(0)
        lines: list[str] = field(default_factory=list)

A subclass of ``DataclassModel`` is made a standard dataclass (``dataclasses.fields``, ``asdict``,
``replace`` and type checkers all see one; dataclass options such as ``frozen=True`` or
``kw_only=True`` go with the table options as class keywords). It has everything a
:class:`pydynox.Model` has: CRUD with ``sync_`` twins, conditions and updates through ``Order.total``
on the class, hooks, versioning, AutoGenerate, templates, indexes, query and scan. Attribute types
come from the annotations (see ``pydynox.pydantic`` for the mapping); state one explicitly with
``Annotated[int, VersionAttribute()]``.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, dataclass_transform

from pydynox._infer import KEY_OPTIONS, PartitionKey, SortKey, attribute_for, mark_keys
from pydynox._model_info import ModelInfo
from pydynox.attributes.base import Attribute
from pydynox.config import ModelConfig
from pydynox.model import ModelOperations

__all__ = ["DataclassModel", "PartitionKey", "SortKey"]

_CONFIG_KEYS = set(ModelConfig.__dataclass_fields__)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
class _DataclassModelType(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _CONFIG_KEYS}
        keys = {k: kwargs.pop(k) for k in KEY_OPTIONS if k in kwargs}
        cls: Any = super().__new__(mcs, name, bases, namespace)
        if namespace.get("__module__") == __name__ and name == "DataclassModel":
            return cls
        cls = dataclasses.dataclass(cls, **kwargs)
        inherited = next((info.config for b in bases if (info := getattr(b, "_pydynox_info", None))), None)
        config = inherited
        if options:
            config = ModelConfig(**{**(vars(inherited) if inherited else {}), **options})
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except NameError as e:
            raise TypeError(
                f"{cls.__qualname__}: cannot resolve an annotation ({e}); define the types it names first"
            ) from e
        attributes: dict[str, Attribute[Any]] = {}
        for f in dataclasses.fields(cls):
            attr = attribute_for(cls, f.name, hints.get(f.name, Any))
            if attr.default is None:
                if f.default is not dataclasses.MISSING:
                    attr.default = f.default
                elif f.default_factory is not dataclasses.MISSING:
                    attr.default = f.default_factory
            attributes[f.name] = attr
        mark_keys(cls, attributes, keys)
        info = ModelInfo(cls, config, attributes)
        type.__setattr__(cls, "_pydynox_info", info)
        # Class access gives the attribute (for conditions and updates); instances hold the values.
        # The generated __init__ already captured the defaults these replace.
        for name_, attr in attributes.items():
            type.__setattr__(cls, name_, attr)
        return cls


class DataclassModel(ModelOperations, metaclass=_DataclassModelType):
    """Base class of dataclasses stored in DynamoDB; see the module docstring."""

    __slots__ = ("__dict__", "__weakref__", "_pydynox_snapshot")

    def __post_init__(self) -> None:
        type(self)._pydynox_info.complete_new(self.__dict__)


type.__setattr__(DataclassModel, "_pydynox_info", ModelInfo(DataclassModel, None, {}))
