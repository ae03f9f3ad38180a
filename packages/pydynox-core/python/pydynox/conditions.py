"""Conditions for writes, filters and key conditions, built from attributes:
``(User.age >= 18) & User.email.exists() & ~User.tags.contains("banned")``.

A condition is not a boolean: ``and``/``or``/``not`` and ``if cond:`` raise ``TypeError``; combine
with ``&``, ``|`` and ``~``.
"""

from __future__ import annotations

import re
from typing import Any

from pydynox.expressions import ExpressionBuilder, Path

__all__ = ["And", "Condition", "Not", "Or", "Size", "attribute_type", "size"]

TYPE_CODES = ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS")


class Condition:
    """Base of every condition."""

    __slots__ = ()

    def __and__(self, other: Condition) -> Condition:
        return And(self, _check(other, "&"))

    def __or__(self, other: Condition) -> Condition:
        return Or(self, _check(other, "|"))

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "a condition is not a boolean: combine conditions with &, | and ~ (not and/or/not), "
            "and compare attributes only inside conditions"
        )

    def build(self, builder: ExpressionBuilder) -> str:
        raise NotImplementedError

    def paths(self) -> list[Path]:
        """The attribute paths this condition reads."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Condition {readable(self.build, ExpressionBuilder())}>"


def readable(build: Any, builder: ExpressionBuilder) -> str:
    """An expression with its placeholders replaced by names and values, for repr()."""
    text: str = build(builder)
    lookup = {**builder.names, **{k: repr(v) for k, v in builder.values.items()}}
    return re.sub(r"[#:][nv]\d+", lambda m: lookup.get(m.group(0), m.group(0)), text)


def _check(other: Any, op: str) -> Condition:
    if not isinstance(other, Condition):
        raise TypeError(f"cannot combine a condition with {type(other).__name__} using {op}")
    return other


class Comparison(Condition):
    __slots__ = ("left", "op", "value")

    def __init__(self, left: Path | Size, op: str, value: Any) -> None:
        self.left = left
        self.op = op
        self.value = value

    def build(self, builder: ExpressionBuilder) -> str:
        return f"{_operand(self.left, builder)} {self.op} {builder.value(self.value)}"

    def paths(self) -> list[Path]:
        return [self.left.path if isinstance(self.left, Size) else self.left]


class Between(Condition):
    __slots__ = ("high", "low", "path")

    def __init__(self, path: Path | Size, low: Any, high: Any) -> None:
        self.path = path
        self.low = low
        self.high = high

    def build(self, builder: ExpressionBuilder) -> str:
        return (
            f"{_operand(self.path, builder)} BETWEEN {builder.value(self.low)} AND {builder.value(self.high)}"
        )

    def paths(self) -> list[Path]:
        return [self.path.path if isinstance(self.path, Size) else self.path]


class In(Condition):
    __slots__ = ("path", "values")

    def __init__(self, path: Path, values: list[Any]) -> None:
        self.path = path
        self.values = values

    def build(self, builder: ExpressionBuilder) -> str:
        placeholders = ", ".join(builder.value(v) for v in self.values)
        return f"{builder.path(self.path)} IN ({placeholders})"

    def paths(self) -> list[Path]:
        return [self.path]


_NO_VALUE = object()


class FunctionCondition(Condition):
    """``attribute_exists``, ``attribute_not_exists``, ``begins_with``, ``contains``, ``attribute_type``."""

    __slots__ = ("function", "path", "value")

    def __init__(self, function: str, path: Path, value: Any = _NO_VALUE) -> None:
        self.function = function
        self.path = path
        self.value = value

    def build(self, builder: ExpressionBuilder) -> str:
        if self.value is _NO_VALUE:
            return f"{self.function}({builder.path(self.path)})"
        return f"{self.function}({builder.path(self.path)}, {builder.value(self.value)})"

    def paths(self) -> list[Path]:
        return [self.path]


class _Group(Condition):
    __slots__ = ("conditions",)
    joiner = ""
    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        if len(conditions) < 2:
            raise ValueError(f"{type(self).__name__}() needs at least two conditions")
        flat: list[Condition] = []
        for c in conditions:
            _check(c, type(self).__name__)
            if isinstance(c, _Group) and type(c) is type(self):
                flat.extend(c.conditions)
            else:
                flat.append(c)
        self.conditions = tuple(flat)

    def build(self, builder: ExpressionBuilder) -> str:
        return "(" + f" {self.joiner} ".join(c.build(builder) for c in self.conditions) + ")"

    def paths(self) -> list[Path]:
        return [p for c in self.conditions for p in c.paths()]


class And(_Group):
    """All of the conditions hold (also ``a & b``)."""

    __slots__ = ()
    joiner = "AND"


class Or(_Group):
    """At least one of the conditions holds (also ``a | b``)."""

    __slots__ = ()
    joiner = "OR"


class Not(Condition):
    """The condition does not hold (also ``~a``)."""

    __slots__ = ("condition",)

    def __init__(self, condition: Condition) -> None:
        self.condition = _check(condition, "~")

    def build(self, builder: ExpressionBuilder) -> str:
        return f"(NOT {self.condition.build(builder)})"

    def paths(self) -> list[Path]:
        return self.condition.paths()


class Size:
    """``size(path)``: compare it like a number, ``User.tags.size() > 3``."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        if not isinstance(path, Path):
            raise TypeError(f"size() takes a model attribute or path, got {type(path).__name__}")
        self.path = path

    def _n(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"size({self.path}) compares with an int, got {value!r}")
        return value

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        return Comparison(self, "=", self._n(value))

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        return Comparison(self, "<>", self._n(value))

    def __lt__(self, value: int) -> Condition:
        return Comparison(self, "<", self._n(value))

    def __le__(self, value: int) -> Condition:
        return Comparison(self, "<=", self._n(value))

    def __gt__(self, value: int) -> Condition:
        return Comparison(self, ">", self._n(value))

    def __ge__(self, value: int) -> Condition:
        return Comparison(self, ">=", self._n(value))

    def between(self, low: int, high: int) -> Condition:
        return Between(self, self._n(low), self._n(high))

    __hash__ = object.__hash__


def _operand(operand: Path | Size, builder: ExpressionBuilder) -> str:
    if isinstance(operand, Size):
        return f"size({builder.path(operand.path)})"
    return builder.path(operand)


def size(path: Path) -> Size:
    """The size of the value at ``path``: ``size(User.tags) > 3``."""
    return Size(path)


def attribute_type(path: Path, type_code: str) -> Condition:
    """The value at ``path`` is of DynamoDB type ``type_code`` (``"S"``, ``"N"``, ``"L"``...)."""
    return path.attribute_type(type_code)
