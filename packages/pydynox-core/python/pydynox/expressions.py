"""Attribute paths and the placeholders that carry them into DynamoDB expressions.

A :class:`Path` names an attribute, or a place inside one (``User.address["city"]``,
``User.tags[0]``). Conditions and update actions are built from paths; an
:class:`ExpressionBuilder` turns them into expression text, giving every name a ``#n`` placeholder and
every value a ``:v`` placeholder, so reserved words, dots and odd characters in names are always safe
and a condition and an update in one request can never collide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydynox.atomic import UpdateAction
    from pydynox.attributes.base import Attribute
    from pydynox.conditions import Condition, Size

__all__ = ["ExpressionBuilder", "Path"]


class ExpressionBuilder:
    """Collects placeholders for one request. ``owner`` (a model's info) checks that every path
    belongs to the model the request is for."""

    __slots__ = ("_by_name", "names", "owner", "values")

    def __init__(self, owner: Any = None) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._by_name: dict[str, str] = {}
        self.owner = owner

    def name(self, name: str) -> str:
        placeholder = self._by_name.get(name)
        if placeholder is None:
            placeholder = f"#n{len(self._by_name)}"
            self._by_name[name] = placeholder
            self.names[placeholder] = name
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def path(self, path: Path) -> str:
        if self.owner is not None:
            self.owner.check_attribute(path._attribute)
        out = self.name(path._attribute.db_name)
        for segment in path._segments:
            if isinstance(segment, int):
                out += f"[{segment}]"
            else:
                out += "." + self.name(segment)
        return out


class Path:
    """A place in an item: an attribute, or a map key / list index inside one.

    Comparison operators and the methods below build conditions; ``set``, ``add``, ``remove`` and
    friends build update actions. Values go through the attribute's serializer, so an Enum, a
    datetime or a Decimal can be used wherever the attribute accepts one.
    """

    __slots__ = ()

    @property
    def _attribute(self) -> Attribute[Any]:
        raise NotImplementedError

    @property
    def _segments(self) -> tuple[str | int, ...]:
        raise NotImplementedError

    def __getitem__(self, key: str | int) -> Path:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(f"{self}: a path step is a map key (str) or a list index (int), not {key!r}")
        if isinstance(key, int) and key < 0:
            raise ValueError(f"{self}: list indexes in DynamoDB paths cannot be negative ({key})")
        return SubPath(self._attribute, (*self._segments, key))

    def __str__(self) -> str:
        out = f"{self._attribute.model_name}.{self._attribute.name}"
        for segment in self._segments:
            out += f"[{segment!r}]"
        return out

    def _stored(self, value: Any, role: str = "same") -> Any:
        """``value`` in the form DynamoDB stores at this path. ``role``: ``same`` (a value of the
        path's own type), ``element`` (a member of a list or set), ``raw`` (passed as given)."""
        return self._attribute._stored_at(self._segments, value, role)

    # -- conditions ------------------------------------------------------------------------------------

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        from pydynox.conditions import Comparison

        return Comparison(self, "=", self._stored(value))

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        from pydynox.conditions import Comparison

        return Comparison(self, "<>", self._stored(value))

    def __lt__(self, value: Any) -> Condition:
        from pydynox.conditions import Comparison

        return Comparison(self, "<", self._stored(value))

    def __le__(self, value: Any) -> Condition:
        from pydynox.conditions import Comparison

        return Comparison(self, "<=", self._stored(value))

    def __gt__(self, value: Any) -> Condition:
        from pydynox.conditions import Comparison

        return Comparison(self, ">", self._stored(value))

    def __ge__(self, value: Any) -> Condition:
        from pydynox.conditions import Comparison

        return Comparison(self, ">=", self._stored(value))

    __hash__ = object.__hash__

    def exists(self) -> Condition:
        from pydynox.conditions import FunctionCondition

        return FunctionCondition("attribute_exists", self)

    def not_exists(self) -> Condition:
        from pydynox.conditions import FunctionCondition

        return FunctionCondition("attribute_not_exists", self)

    def begins_with(self, prefix: Any) -> Condition:
        from pydynox.conditions import FunctionCondition

        value = prefix if isinstance(prefix, (str, bytes)) else self._stored(prefix)
        return FunctionCondition("begins_with", self, value)

    def contains(self, value: Any) -> Condition:
        """A string attribute contains a substring; a set or list contains an element."""
        from pydynox.conditions import FunctionCondition

        return FunctionCondition("contains", self, self._stored(value, "element"))

    def between(self, low: Any, high: Any) -> Condition:
        from pydynox.conditions import Between

        return Between(self, self._stored(low), self._stored(high))

    def is_in(self, *values: Any) -> Condition:
        from pydynox.conditions import In

        if len(values) == 1 and isinstance(values[0], (list, tuple)):
            values = tuple(values[0])
        if not values:
            raise ValueError(f"{self}.is_in() needs at least one value")
        if len(values) > 100:
            raise ValueError(f"{self}.is_in() takes at most 100 values (DynamoDB's limit), got {len(values)}")
        return In(self, [self._stored(v) for v in values])

    def attribute_type(self, type_code: str) -> Condition:
        """The stored value is of this DynamoDB type (``S``, ``N``, ``B``, ``BOOL``, ``NULL``, ``L``,
        ``M``, ``SS``, ``NS``, ``BS``)."""
        from pydynox.conditions import TYPE_CODES, FunctionCondition

        if type_code not in TYPE_CODES:
            raise ValueError(f"{self}.attribute_type(): {type_code!r} is not one of {', '.join(TYPE_CODES)}")
        return FunctionCondition("attribute_type", self, type_code)

    def size(self) -> Size:
        """The size of the value (string length, number of elements...), to compare: ``size() > 3``."""
        from pydynox.conditions import Size

        return Size(self)

    # -- update actions --------------------------------------------------------------------------------

    def set(self, value: Any) -> UpdateAction:
        from pydynox.atomic import SetAction

        return SetAction(self, "value", self._stored(value))

    def add(self, value: Any) -> UpdateAction:
        """Adds to a number, or adds members to a set (DynamoDB's ADD; creates the attribute)."""
        from pydynox.atomic import AddAction

        return AddAction(self, self._stored(value, "add"))

    def delete(self, value: Any) -> UpdateAction:
        """Removes members from a set (DynamoDB's DELETE)."""
        from pydynox.atomic import DeleteAction

        return DeleteAction(self, self._stored(value, "set_members"))

    def remove(self) -> UpdateAction:
        from pydynox.atomic import RemoveAction

        return RemoveAction(self)

    def append(self, values: Any) -> UpdateAction:
        """Appends the elements of a list to the list at this path."""
        from pydynox.atomic import SetAction

        return SetAction(self, "append", self._stored(_as_list(self, values), "list"))

    def prepend(self, values: Any) -> UpdateAction:
        """Puts the elements of a list in front of the list at this path."""
        from pydynox.atomic import SetAction

        return SetAction(self, "prepend", self._stored(_as_list(self, values), "list"))

    def if_not_exists(self, value: Any) -> UpdateAction:
        """Sets the value only when the attribute does not exist yet."""
        from pydynox.atomic import SetAction

        return SetAction(self, "if_not_exists", self._stored(value))


def _as_list(path: Path, values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return list(values)
    raise TypeError(f"{path}: append()/prepend() take a list of elements, got {type(values).__name__}")


class SubPath(Path):
    """A map key or list index inside an attribute."""

    __slots__ = ("_attr", "_segs")

    def __init__(self, attribute: Attribute[Any], segments: tuple[str | int, ...]) -> None:
        self._attr = attribute
        self._segs = segments

    @property
    def _attribute(self) -> Attribute[Any]:
        return self._attr

    @property
    def _segments(self) -> tuple[str | int, ...]:
        return self._segs

    def __repr__(self) -> str:
        return f"<Path {self}>"
