"""Attributes with their own stored form: JSON, Enum, datetime, TTL and the optimistic-lock version."""

from __future__ import annotations

import datetime as _dt
import enum
import json
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydynox.attributes.base import Attribute, to_plain
from pydynox.attributes.typed import from_plain

__all__ = [
    "DatetimeAttribute",
    "EnumAttribute",
    "ExpiresIn",
    "JSONAttribute",
    "TTLAttribute",
    "VersionAttribute",
]

E = TypeVar("E", bound=enum.Enum)
UTC = _dt.UTC


class JSONAttribute(Attribute[Any]):
    """Any JSON value stored as a JSON string (``S``); with ``model_class`` a dataclass or pydantic
    model, rebuilt on load. Decimals are refused: JSON numbers are floats, which would lose digits."""

    kind = "S"
    has_load = True
    has_dump = True

    def __init__(self, model_class: type | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model_class = model_class

    def dump(self, value: Any) -> str:
        plain = to_plain(value)
        try:
            return json.dumps(
                plain, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_no_json
            )
        except (TypeError, ValueError) as e:
            raise TypeError(f"{self.model_name}.{self.name}: {e}") from None

    def load(self, value: Any) -> Any:
        data = json.loads(value)
        if self.model_class is None:
            return data
        return from_plain(self.model_class, data, f"{self.model_name}.{self.name}")


def _no_json(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Decimal):
        raise TypeError("a Decimal cannot be stored in JSON without losing digits; use MapAttribute")
    raise TypeError(f"{type(value).__name__} values cannot be stored as JSON")


class EnumAttribute(Attribute[E], Generic[E]):
    """An Enum member, stored as its value: ``S`` for str values, ``N`` for int values."""

    has_load = True
    has_dump = True

    def __init__(self, enum_class: type[E], **kwargs: Any) -> None:
        if not (isinstance(enum_class, type) and issubclass(enum_class, enum.Enum)):
            raise TypeError(f"EnumAttribute needs an Enum class, got {enum_class!r}")
        values = [m.value for m in enum_class]
        if all(isinstance(v, str) for v in values):
            self.kind = "S"
            self.key_type = "S"
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            self.kind = "N"
            self.key_type = "N"
        else:
            raise TypeError(f"EnumAttribute({enum_class.__name__}): member values must be all str or all int")
        super().__init__(**kwargs)
        self.enum_class = enum_class

    def dump(self, value: Any) -> Any:
        if isinstance(value, self.enum_class):
            return value.value
        try:
            return self.enum_class(value).value
        except ValueError:
            raise ValueError(
                f"{self.model_name}.{self.name}: {value!r} is not a {self.enum_class.__name__}"
            ) from None

    def load(self, value: Any) -> E:
        if isinstance(value, Decimal):
            value = int(value)
        return self.enum_class(value)


class DatetimeAttribute(Attribute[_dt.datetime]):
    """A datetime stored as ISO 8601 text (``S``). A naive datetime is taken as UTC; an aware one keeps
    its offset. Values in one offset (e.g. all UTC) sort in time order, so this works as a sort key."""

    kind = "S"
    key_type = "S"
    has_load = True
    has_dump = True

    def dump(self, value: Any) -> str:
        if not isinstance(value, _dt.datetime):
            raise TypeError(
                f"{self.model_name}.{self.name}: DatetimeAttribute expects a datetime, "
                f"got {type(value).__name__}"
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text: str = value.isoformat()
        return text

    def load(self, value: Any) -> _dt.datetime:
        return _dt.datetime.fromisoformat(value)


class ExpiresIn:
    """Expiry times for a :class:`TTLAttribute`: ``ExpiresIn.hours(2)`` is two hours from now (UTC)."""

    @staticmethod
    def seconds(n: float) -> _dt.datetime:
        return _dt.datetime.now(UTC) + _dt.timedelta(seconds=n)

    @staticmethod
    def minutes(n: float) -> _dt.datetime:
        return _dt.datetime.now(UTC) + _dt.timedelta(minutes=n)

    @staticmethod
    def hours(n: float) -> _dt.datetime:
        return _dt.datetime.now(UTC) + _dt.timedelta(hours=n)

    @staticmethod
    def days(n: float) -> _dt.datetime:
        return _dt.datetime.now(UTC) + _dt.timedelta(days=n)

    @staticmethod
    def weeks(n: float) -> _dt.datetime:
        return _dt.datetime.now(UTC) + _dt.timedelta(weeks=n)


class TTLAttribute(Attribute[_dt.datetime]):
    """The item's expiry time for DynamoDB's TTL: stored as whole epoch seconds (``N``), loaded as an
    aware UTC datetime. Accepts a datetime (naive means UTC) or epoch seconds."""

    kind = "int"
    has_load = True
    has_dump = True

    def dump(self, value: Any) -> int:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return int(value.timestamp())
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return int(value)
        raise TypeError(
            f"{self.model_name}.{self.name}: TTLAttribute expects a datetime or epoch seconds, "
            f"got {type(value).__name__}"
        )

    def load(self, value: Any) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(int(value), tz=UTC)


class VersionAttribute(Attribute[int]):
    """The optimistic-lock version: 1 after the first save, one more on every save, update and
    delete, each of which fails with ``ConditionalCheckFailedException`` when the stored version is
    not the one this instance loaded. The local number changes only after the write succeeded."""

    kind = "int"

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias=alias)
