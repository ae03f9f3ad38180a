"""Scalar attributes: strings, numbers, booleans, bytes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydynox.attributes.base import Attribute

__all__ = [
    "BinaryAttribute",
    "BooleanAttribute",
    "DecimalAttribute",
    "FloatAttribute",
    "IntegerAttribute",
    "NumberAttribute",
    "StringAttribute",
]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class StringAttribute(Attribute[str]):
    """A string (``S``).

    ``template="USER#{user_id}"`` builds the value from other attributes of the instance when it is
    saved (and when the instance is created with all of them), so single-table keys are never built
    by hand. ``Model.query(user_id=...)`` and ``Model.get(user_id=...)`` build it the same way.
    """

    kind = "S"
    key_type = "S"

    def __init__(
        self,
        partition_key: bool = False,
        sort_key: bool = False,
        default: Any = None,
        required: bool = False,
        discriminator: bool = False,
        alias: str | None = None,
        template: str | None = None,
    ) -> None:
        super().__init__(partition_key, sort_key, default, required, discriminator, alias)
        self.template = template
        self.placeholders: tuple[str, ...] = tuple(_PLACEHOLDER.findall(template)) if template else ()

    @property
    def has_template(self) -> bool:
        return self.template is not None

    def build_key(self, values: dict[str, Any]) -> str:
        """The template filled from ``values`` (Python attribute names → values)."""
        assert self.template is not None
        missing = [p for p in self.placeholders if values.get(p) is None]
        if missing:
            raise ValueError(
                f"{self.model_name}.{self.name}: the template {self.template!r} needs "
                + ", ".join(repr(m) for m in missing)
            )
        return _PLACEHOLDER.sub(lambda m: _template_text(values[m.group(1)]), self.template)

    def get_prefix(self) -> str:
        """The template's text before its first placeholder (``"USER#"``)."""
        if self.template is None:
            return ""
        return self.template.split("{", 1)[0]


def _template_text(value: Any) -> str:
    import enum

    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


class NumberAttribute(Attribute[Any]):
    """A number (``N``). Whole numbers load as ``int``, others as ``Decimal``: never a lost digit."""

    kind = "N"
    key_type = "N"


class IntegerAttribute(Attribute[int]):
    """A whole number (``N``); loads as ``int`` and refuses floats and Decimals on save."""

    kind = "int"
    key_type = "N"


class FloatAttribute(Attribute[float]):
    """A float (``N``), sent in its shortest exact decimal form and loaded as ``float``."""

    kind = "float"
    key_type = "N"


class DecimalAttribute(Attribute[Decimal]):
    """An exact decimal (``N``, up to 38 significant digits); always loads as ``Decimal``."""

    kind = "N"
    key_type = "N"
    has_load = True

    def load(self, value: Any) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(value)


class BooleanAttribute(Attribute[bool]):
    """``True`` or ``False`` (``BOOL``)."""

    kind = "BOOL"


class BinaryAttribute(Attribute[bytes]):
    """Bytes (``B``)."""

    kind = "B"
    key_type = "B"
