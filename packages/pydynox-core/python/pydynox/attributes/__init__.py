"""Attribute types of models. Each is a descriptor: ``User.name`` is the attribute (for conditions and
updates), ``user.name`` the value."""

from pydynox.attributes.base import Attribute
from pydynox.attributes.collections import (
    BinarySetAttribute,
    ListAttribute,
    MapAttribute,
    NumberSetAttribute,
    StringSetAttribute,
)
from pydynox.attributes.primitives import (
    BinaryAttribute,
    BooleanAttribute,
    DecimalAttribute,
    FloatAttribute,
    IntegerAttribute,
    NumberAttribute,
    StringAttribute,
)
from pydynox.attributes.special import (
    DatetimeAttribute,
    EnumAttribute,
    ExpiresIn,
    JSONAttribute,
    TTLAttribute,
    VersionAttribute,
)
from pydynox.generators import AutoGenerate

__all__ = [
    "Attribute",
    "AutoGenerate",
    "BinaryAttribute",
    "BinarySetAttribute",
    "BooleanAttribute",
    "DatetimeAttribute",
    "DecimalAttribute",
    "EnumAttribute",
    "ExpiresIn",
    "FloatAttribute",
    "IntegerAttribute",
    "JSONAttribute",
    "ListAttribute",
    "MapAttribute",
    "NumberAttribute",
    "NumberSetAttribute",
    "StringAttribute",
    "StringSetAttribute",
    "TTLAttribute",
    "VersionAttribute",
]
