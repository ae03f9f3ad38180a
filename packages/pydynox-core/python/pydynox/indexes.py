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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydynox._model_info import ModelInfo

__all__ = ["GlobalSecondaryIndex", "LocalSecondaryIndex"]


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

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.model = owner

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
