"""The attribute base class: a descriptor that is the attribute on the class and the value on an
instance, and the root of a :class:`~pydynox.expressions.Path` for conditions and updates."""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pydynox.expressions import Path
from pydynox.generators import AutoGenerate

if TYPE_CHECKING:
    from typing import Self

    from pydynox._model_info import ModelInfo

T = TypeVar("T")

__all__ = ["Attribute", "to_plain"]

_IMMUTABLE = (
    str,
    int,
    float,
    bool,
    bytes,
    Decimal,
    type(None),
    tuple,
    frozenset,
    enum.Enum,
    _dt.date,
    _dt.time,
)


class Attribute(Path, Generic[T]):
    """One attribute of a model.

    Args:
        partition_key / sort_key: this attribute is the table's key.
        default: the value of a new instance when none is given; a list, dict or set is copied per
            instance, a callable is called, an :class:`~pydynox.AutoGenerate` value is generated on save.
        required: a save without a value raises ``ValueError``.
        discriminator: holds the model class name, so loading returns the most specific subclass.
        alias: the attribute's name in DynamoDB when it differs from the Python name.
    """

    #: The schema kind the Rust core checks and converts without calling Python.
    kind: str = "any"
    #: The DynamoDB key type when this attribute can be a table or index key.
    key_type: str | None = None
    #: ``(load, dump)`` are set when stored values need Python to convert them.
    has_load: bool = False
    has_dump: bool = False

    name: str
    model_name: str

    def __init__(
        self,
        partition_key: bool = False,
        sort_key: bool = False,
        default: Any = None,
        required: bool = False,
        discriminator: bool = False,
        alias: str | None = None,
    ) -> None:
        if (partition_key or sort_key) and self.key_type is None:
            raise TypeError(f"{type(self).__name__} cannot be a key (keys are strings, numbers or bytes)")
        if partition_key and sort_key:
            raise ValueError("an attribute is the partition key or the sort key, not both")
        if alias is not None and (not isinstance(alias, str) or not alias):
            raise ValueError(f"alias must be a non-empty str, got {alias!r}")
        self.partition_key = partition_key
        self.sort_key = sort_key
        self.default = default
        self.required = required
        self.discriminator = discriminator
        self.alias = alias
        self.name = ""
        self.model_name = "?"
        self._info: ModelInfo | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.model_name = owner.__qualname__

    @property
    def db_name(self) -> str:
        """The attribute's name in DynamoDB."""
        return self.alias or self.name

    @property
    def _attribute(self) -> Attribute[Any]:
        return self

    @property
    def _segments(self) -> tuple[str | int, ...]:
        return ()

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Self | T:
        if instance is None:
            return self
        # Instances keep values in their __dict__, which Python reads before this non-data
        # descriptor; we only get here for a value that was never set.
        return None  # type: ignore[return-value]

    if TYPE_CHECKING:

        def __set__(self, instance: object, value: T | None) -> None: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_name}.{self.name})"

    # -- values ----------------------------------------------------------------------------------------

    def load(self, value: Any) -> T:
        """Stored plain value → Python value (only called when ``has_load``)."""
        return value  # type: ignore[no-any-return]

    def dump(self, value: T) -> Any:
        """Python value → stored plain value (only called when ``has_dump``)."""
        return value

    def default_value(self) -> Any:
        """A fresh default for a new instance (never shared between instances)."""
        default = self.default
        if default is None or isinstance(default, AutoGenerate):
            return None
        if callable(default):
            return default()
        if isinstance(default, _IMMUTABLE):
            return default
        return copy.deepcopy(default)

    def default_factory(self) -> Callable[[], Any] | None:
        """What the Rust core calls for an item that lacks this attribute."""
        if self.default is None or isinstance(self.default, AutoGenerate):
            return None
        return self.default_value

    def element_attribute(self) -> Attribute[Any] | None:
        """The attribute describing elements (typed lists), if any."""
        return None

    def _stored_value(self, value: Any) -> Any:
        """``value`` dumped and checked against this attribute, as the Rust core will store it."""
        if self._info is None:
            return to_plain(value)
        return self._info.core.dump_value(self.db_name, value)

    def _stored_at(self, segments: tuple[str | int, ...], value: Any, role: str) -> Any:
        if segments:
            element = self.element_attribute()
            if element is not None and len(segments) == 1 and isinstance(segments[0], int):
                return element._stored_at((), value, role)
            return to_plain(value)
        if role == "same":
            return self._stored_value(value)
        if role == "element":
            return self._stored_element(value)
        if role == "add":
            if self.kind in ("N", "int", "float") or (self.kind == "any" and _is_number(value)):
                return self._stored_value(value)
            if self.kind in ("SS", "NS", "BS"):
                return self._stored_value(_as_set(self, value))
            raise TypeError(
                f"{self.model_name}.{self.name}: add() works on numbers and sets, not {type(self).__name__}"
            )
        if role == "set_members":
            if self.kind in ("SS", "NS", "BS") or self.kind == "any":
                return self._stored_value(_as_set(self, value))
            raise TypeError(
                f"{self.model_name}.{self.name}: delete() removes members from a set; "
                f"{type(self).__name__} is not a set"
            )
        if role == "list":
            if self.kind not in ("L", "any"):
                raise TypeError(
                    f"{self.model_name}.{self.name}: append()/prepend() work on lists, "
                    f"not {type(self).__name__}"
                )
            return self._stored_value(value)
        return value

    def _stored_element(self, value: Any) -> Any:
        element = self.element_attribute()
        if element is not None:
            return element._stored_value(value)
        return to_plain(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _as_set(attr: Attribute[Any], value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return value
    if isinstance(value, (list, tuple)):
        return set(value)
    raise TypeError(f"{attr.model_name}.{attr.name}: expected a set of members, got {type(value).__name__}")


def to_plain(value: Any) -> Any:
    """A value of a typed structure in plain stored form: Enum → its value, datetime → ISO 8601,
    UUID → str, dataclass or pydantic model → dict, recursively. Everything else is returned as is
    (the Rust core refuses what DynamoDB cannot store)."""
    if isinstance(value, (str, int, float, bool, bytes, Decimal)) or value is None:
        return value
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {to_plain(v) for v in value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return to_plain(model_dump(mode="python"))
    return value
