"""Update actions, built from attributes: ``User.age.add(1)``, ``User.tags.delete({"old"})``,
``User.history.append([event])``, ``User.address["city"].set("Lisbon")``, ``User.nickname.remove()``.

Pass them to ``Model.update(atomic=[...])``: they run in DynamoDB, in one request, atomically.
"""

from __future__ import annotations

from typing import Any

from pydynox.expressions import ExpressionBuilder, Path

__all__ = ["AddAction", "DeleteAction", "RemoveAction", "SetAction", "UpdateAction", "build_update"]


class UpdateAction:
    """Base of the update actions."""

    __slots__ = ("path",)
    path: Path

    def clause(self) -> str:
        raise NotImplementedError

    def build(self, builder: ExpressionBuilder) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        from pydynox.conditions import readable

        return f"<{self.clause()} {readable(self.build, ExpressionBuilder())}>"


class SetAction(UpdateAction):
    __slots__ = ("mode", "value")

    def __init__(self, path: Path, mode: str, value: Any) -> None:
        self.path = path
        self.mode = mode
        self.value = value

    def clause(self) -> str:
        return "SET"

    def build(self, builder: ExpressionBuilder) -> str:
        target = builder.path(self.path)
        v = builder.value(self.value)
        if self.mode == "append":
            return f"{target} = list_append(if_not_exists({target}, {builder.value([])}), {v})"
        if self.mode == "prepend":
            return f"{target} = list_append({v}, if_not_exists({target}, {builder.value([])}))"
        if self.mode == "if_not_exists":
            return f"{target} = if_not_exists({target}, {v})"
        if self.mode == "increment":
            return f"{target} = if_not_exists({target}, {builder.value(0)}) + {v}"
        return f"{target} = {v}"


class AddAction(UpdateAction):
    """DynamoDB's ADD: a number is added to, a set gains members; a missing attribute is created.
    ADD only works on top-level attributes, so a number inside a map is added with SET instead."""

    __slots__ = ("value",)

    def __init__(self, path: Path, value: Any) -> None:
        self.path = path
        self.value = value
        if path._segments and isinstance(value, (set, frozenset)):
            raise ValueError(f"{path}: DynamoDB adds set members to top-level attributes only")

    def clause(self) -> str:
        return "SET" if self.path._segments else "ADD"

    def build(self, builder: ExpressionBuilder) -> str:
        if self.path._segments:
            return SetAction(self.path, "increment", self.value).build(builder)
        return f"{builder.path(self.path)} {builder.value(self.value)}"


class DeleteAction(UpdateAction):
    """DynamoDB's DELETE: removes members from a set."""

    __slots__ = ("value",)

    def __init__(self, path: Path, value: Any) -> None:
        if path._segments:
            raise ValueError(f"{path}: DynamoDB removes set members from top-level attributes only")
        self.path = path
        self.value = value

    def clause(self) -> str:
        return "DELETE"

    def build(self, builder: ExpressionBuilder) -> str:
        return f"{builder.path(self.path)} {builder.value(self.value)}"


class RemoveAction(UpdateAction):
    """Removes the attribute (or the map key / list element)."""

    __slots__ = ()

    def __init__(self, path: Path) -> None:
        self.path = path

    def clause(self) -> str:
        return "REMOVE"

    def build(self, builder: ExpressionBuilder) -> str:
        return builder.path(self.path)


def build_update(actions: list[UpdateAction], builder: ExpressionBuilder) -> str:
    """One UpdateExpression for all actions; two actions on one path are refused."""
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    seen: set[str] = set()
    for action in actions:
        if not isinstance(action, UpdateAction):
            raise TypeError(
                f"atomic= takes update actions such as User.age.add(1), got {type(action).__name__}"
            )
        where = str(action.path)
        if where in seen:
            raise ValueError(f"two update actions on {where} in one update")
        seen.add(where)
        clauses[action.clause()].append(action.build(builder))
    return " ".join(f"{name} {', '.join(parts)}" for name, parts in clauses.items() if parts)
