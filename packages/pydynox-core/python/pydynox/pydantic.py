"""Pydantic models stored in DynamoDB, with every model feature.

.. code-block:: python

    from typing import Annotated
    from pydynox.pydantic import DynamoModel, PartitionKey, SortKey

    class User(DynamoModel, table="users"):
        pk: Annotated[str, PartitionKey()]
        sk: Annotated[str, SortKey()] = "PROFILE"
        name: str
        tags: set[str] = set()

A ``DynamoModel`` is a ``pydantic.BaseModel``: it validates on construction, serialises with
``model_dump``, and can be a FastAPI request or response model as it is. It also has everything a
:class:`pydynox.Model` has: ``get``/``save``/``delete``/``update`` and their ``sync_`` twins, conditions
and atomic updates through ``User.name`` on the class, hooks, ``VersionAttribute``, AutoGenerate,
templates, indexes, query and scan. Attribute types come from the annotations; state one explicitly
with ``Annotated[int, VersionAttribute()]``. The table and the other :class:`~pydynox.ModelConfig`
options are class keywords: ``class User(DynamoModel, table="users", client=client)``.

Loading from DynamoDB does not re-validate (the Rust core builds instances the way
``model_construct`` does, with values converted to the annotated types).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from pydantic import BaseModel, PrivateAttr

from pydynox._infer import KEY_OPTIONS, PartitionKey, SortKey, attribute_for, mark_keys
from pydynox._model_info import ModelInfo
from pydynox.attributes.base import Attribute
from pydynox.config import ModelConfig
from pydynox.model import ModelOperations

__all__ = ["DynamoModel", "PartitionKey", "SortKey"]

_CONFIG_KEYS = set(ModelConfig.__dataclass_fields__)
_OPTIONS = _CONFIG_KEYS | set(KEY_OPTIONS)


class DynamoModel(ModelOperations, BaseModel):
    """Base class of pydantic models stored in DynamoDB; see the module docstring."""

    _pydynox_snapshot: Any = PrivateAttr(default=None)
    dynamodb_config: ClassVar[ModelConfig | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Table options are read in __pydantic_init_subclass__, once pydantic knows the fields.
        super().__init_subclass__(**{k: v for k, v in kwargs.items() if k not in _OPTIONS})

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _CONFIG_KEYS}
        keys = {k: kwargs.pop(k) for k in KEY_OPTIONS if k in kwargs}
        super().__pydantic_init_subclass__(**kwargs)
        inherited = next(
            (b.__dict__["dynamodb_config"] for b in cls.__mro__[1:] if b.__dict__.get("dynamodb_config")),
            None,
        )
        config = cls.__dict__.get("dynamodb_config") or inherited
        if options:
            base = vars(config) if config is not None else {}
            config = ModelConfig(**{**base, **options})
        cls.dynamodb_config = config
        attributes: dict[str, Attribute[Any]] = {}
        if not cls.__pydantic_complete__:
            raise TypeError(
                f"{cls.__qualname__}: pydantic could not resolve every annotation yet; define the types "
                "its fields name before the model (forward references are not supported for stored models)"
            )
        for name, field in cls.model_fields.items():
            attr = attribute_for(cls, name, field.annotation, list(field.metadata))
            if attr.default is None and not field.is_required():
                attr.default = functools.partial(
                    field.get_default, call_default_factory=True, validated_data={}
                )
            attributes[name] = attr
        mark_keys(cls, attributes, keys)
        private_defaults = {
            name: private.get_default()
            for name, private in cls.__private_attributes__.items()
            if name != "_pydynox_snapshot"
        }
        info = ModelInfo(cls, config, attributes, pydantic=True, private_defaults=private_defaults or None)
        type.__setattr__(cls, "_pydynox_info", info)
        # The attributes on the class give conditions and updates: User.age > 3, User.tags.add({...}).
        for name, attr in attributes.items():
            type.__setattr__(cls, name, attr)

    def __eq__(self, other: object) -> bool:
        # pydantic compares private attributes too; the stored snapshot is bookkeeping, not value.
        if not isinstance(other, BaseModel) or type(self) is not type(other):
            return NotImplemented
        return self.__dict__ == other.__dict__ and self.__pydantic_extra__ == other.__pydantic_extra__

    __hash__ = None  # type: ignore[assignment]

    def model_post_init(self, context: Any, /) -> None:
        type(self)._pydynox_info.complete_new(self.__dict__)


# The base class itself is not stored anywhere; it only needs an (empty) info for its own methods.
type.__setattr__(DynamoModel, "_pydynox_info", ModelInfo(DynamoModel, None, {}, pydantic=True))
