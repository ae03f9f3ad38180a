"""Attribute types of models. Each is a descriptor: ``User.name`` is the attribute (for conditions and
updates), ``user.name`` the value."""

from pydynox.attributes.base import Attribute
from pydynox.attributes.coded import CodedAttribute
from pydynox.attributes.collections import (
    BinarySetAttribute,
    ListAttribute,
    MapAttribute,
    NumberSetAttribute,
    StringSetAttribute,
)
from pydynox.attributes.compressed import CompressedAttribute, CompressionAlgorithm
from pydynox.attributes.encrypted import DataKeyCache, EncryptedAttribute, EncryptedValue, EncryptionMode
from pydynox.attributes.primitives import (
    BinaryAttribute,
    BooleanAttribute,
    DecimalAttribute,
    FloatAttribute,
    IntegerAttribute,
    NumberAttribute,
    StringAttribute,
)
from pydynox.attributes.s3 import S3Attribute, S3File, S3Value
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
    "CodedAttribute",
    "CompressedAttribute",
    "CompressionAlgorithm",
    "DataKeyCache",
    "DatetimeAttribute",
    "DecimalAttribute",
    "EncryptedAttribute",
    "EncryptedValue",
    "EncryptionMode",
    "EnumAttribute",
    "ExpiresIn",
    "FloatAttribute",
    "IntegerAttribute",
    "JSONAttribute",
    "ListAttribute",
    "MapAttribute",
    "NumberAttribute",
    "NumberSetAttribute",
    "S3Attribute",
    "S3File",
    "S3Value",
    "StringAttribute",
    "StringSetAttribute",
    "TTLAttribute",
    "VersionAttribute",
]
