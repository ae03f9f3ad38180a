"""``dynamodb_model``: turn an existing pydantic model or dataclass into a stored model.

.. code-block:: python

    @dynamodb_model(table="users", partition_key="pk")
    class User(BaseModel):
        pk: str
        name: str

The decorator returns a subclass of the class with everything of :class:`pydynox.pydantic.DynamoModel`
or :class:`pydynox.dataclass.DataclassModel` (CRUD, conditions, hooks, locking, query...). For new
code, subclass those bases directly: type checkers then see the methods too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydynox.client import DynamoDBClient

__all__ = ["dynamodb_model"]

T = TypeVar("T", bound=type)


def dynamodb_model(
    table: str, partition_key: str, sort_key: str | None = None, client: DynamoDBClient | None = None
) -> Callable[[T], T]:
    options: dict[str, Any] = {"table": table, "partition_key": partition_key}
    if sort_key is not None:
        options["sort_key"] = sort_key
    if client is not None:
        options["client"] = client

    def decorate(cls: T) -> T:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
        if callable(getattr(cls, "model_validate", None)):
            from pydynox.pydantic import DynamoModel

            return type(cls.__name__, (DynamoModel, cls), namespace, **options)  # type: ignore[return-value]
        if dataclasses.is_dataclass(cls):
            from pydynox.dataclass import DataclassModel

            metaclass: Any = type(DataclassModel)
            return metaclass(cls.__name__, (DataclassModel, cls), namespace, **options)  # type: ignore[no-any-return]
        raise TypeError(f"@dynamodb_model decorates a pydantic model or a dataclass, not {cls!r}")

    return decorate
