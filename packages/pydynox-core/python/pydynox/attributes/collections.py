"""Container attributes: lists, maps (plain or typed by a dataclass or pydantic model) and sets."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydynox.attributes.base import Attribute, to_plain
from pydynox.attributes.typed import from_plain

__all__ = [
    "BinarySetAttribute",
    "ListAttribute",
    "MapAttribute",
    "NumberSetAttribute",
    "StringSetAttribute",
]

M = TypeVar("M")


class ListAttribute(Attribute[list[Any]]):
    """A list (``L``). ``of=`` types the elements with another attribute:
    ``ListAttribute(of=EnumAttribute(Color))``."""

    kind = "L"

    def __init__(self, of: Attribute[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.of = of
        if of is not None and (of.has_load or of.has_dump):
            self.has_load = True
            self.has_dump = True

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        if self.of is not None:
            self.of.__set_name__(owner, f"{name}[]")

    def element_attribute(self) -> Attribute[Any] | None:
        return self.of

    def load(self, value: Any) -> list[Any]:
        of = self.of
        if of is None or not of.has_load:
            return value  # type: ignore[no-any-return]
        return [None if v is None else of.load(v) for v in value]

    def dump(self, value: Any) -> Any:
        of = self.of
        if of is None or not of.has_dump or not isinstance(value, (list, tuple)):
            return value
        return [None if v is None else of.dump(v) for v in value]


class MapAttribute(Attribute[Any], Generic[M]):
    """A map (``M``): a plain ``dict``, or with ``model_class`` an instance of a dataclass or pydantic
    model, stored as a map and rebuilt on load (nested Enum, datetime, Decimal and sets included)."""

    kind = "M"

    def __init__(self, model_class: type[M] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model_class = model_class
        if model_class is not None:
            self.has_load = True
            self.has_dump = True

    def load(self, value: Any) -> Any:
        if self.model_class is None:
            return value
        return from_plain(self.model_class, value, f"{self.model_name}.{self.name}")

    def dump(self, value: Any) -> Any:
        if self.model_class is None:
            return value
        if isinstance(value, dict):
            value = from_plain(self.model_class, value, f"{self.model_name}.{self.name}")
        if not isinstance(value, self.model_class):
            raise TypeError(
                f"{self.model_name}.{self.name}: expects a {self.model_class.__name__}, "
                f"got {type(value).__name__}"
            )
        return to_plain(value)


class StringSetAttribute(Attribute[set[str]]):
    """A set of strings, stored as DynamoDB's string set (``SS``). An empty set cannot be stored:
    set the attribute to None to remove it."""

    kind = "SS"


class NumberSetAttribute(Attribute[set[Any]]):
    """A set of numbers, stored as ``NS``; members load as ``int`` or ``Decimal``."""

    kind = "NS"


class BinarySetAttribute(Attribute[set[bytes]]):
    """A set of byte strings, stored as ``BS``."""

    kind = "BS"
