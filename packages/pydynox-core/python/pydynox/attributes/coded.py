"""The base of attributes whose stored form is not their value: compressed and encrypted ones.

Such an attribute holds a value of any type DynamoDB stores (a string, a number with every digit, a
map of sets...) and loads it back as the same type. The operation that writes the item encodes it,
the one that reads the item decodes it, both inside the Rust core. What DynamoDB holds is an opaque
Binary (and, when encrypted, different bytes on every write), so conditions cannot compare it and
paths cannot reach inside it: such an attribute can be set, removed and tested for existence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from pydynox.attributes.base import Attribute

if TYPE_CHECKING:
    from pydynox.atomic import UpdateAction
    from pydynox.expressions import Path

__all__ = ["CodedAttribute"]


class CodedAttribute(Attribute[Any]):
    """An attribute encoded on write and decoded on read by the Rust core (see the module docstring)."""

    kind = "any"

    def codec_spec(self) -> tuple[Any, ...]:
        """The codec as the Rust core takes it (see ``ItemCodecs::from_py``)."""
        raise NotImplementedError

    def _refuse(self, what: str) -> NoReturn:
        raise TypeError(
            f"{self.model_name}.{self.name}: {what}; it is a {type(self).__name__}, stored encoded, so "
            "its value can only be set, removed or tested with exists()/not_exists()"
        )

    def _stored_at(self, segments: tuple[str | int, ...], value: Any, role: str) -> Any:
        self._refuse("its value cannot be compared or combined in an expression")

    def __getitem__(self, key: str | int) -> Path:
        self._refuse("paths inside it cannot be addressed")

    def begins_with(self, prefix: Any) -> Any:
        self._refuse("begins_with() cannot see its value")

    def _sealed(self, value: Any) -> Any:
        info = self._info
        if info is None:
            raise TypeError(f"{self.model_name}.{self.name} is not an attribute of a model class yet")
        return info.core.seal(self.db_name, value)

    def set(self, value: Any) -> UpdateAction:
        from pydynox.atomic import SetAction

        if value is None:
            return self.remove()
        return SetAction(self, "value", self._sealed(value))

    def if_not_exists(self, value: Any) -> UpdateAction:
        from pydynox.atomic import SetAction

        return SetAction(self, "if_not_exists", self._sealed(value))
