"""``EncryptedAttribute``: a value encrypted with KMS envelope encryption, by the Rust core.

See docs/security.md for what is protected, the key cache's bounds and the threat model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pydynox._core import HAS_KMS, EncryptedValue
from pydynox.attributes.coded import CodedAttribute

__all__ = ["DataKeyCache", "EncryptedAttribute", "EncryptedValue", "EncryptionMode"]


class EncryptionMode(enum.StrEnum):
    """What a model may do with an :class:`EncryptedAttribute`."""

    ReadWrite = "ReadWrite"
    """Encrypt on write, decrypt on read (the default)."""
    WriteOnly = "WriteOnly"
    """Encrypt on write; reads never decrypt (the value loads as an :class:`EncryptedValue`)."""
    ReadOnly = "ReadOnly"
    """Decrypt on read; writing a new value raises :class:`~pydynox.exceptions.EncryptionException`."""


@dataclass(frozen=True)
class DataKeyCache:
    """Bounds of the data-key cache (per client, per KMS key and encryption context).

    A data key encrypts new values until it is ``max_age`` seconds old or has encrypted
    ``max_messages`` values or ``max_bytes`` bytes; then GenerateDataKey gives a new one. At most
    ``max_keys`` unwrapped keys are kept to decrypt with (least recently used out first), none older
    than ``max_age``.
    """

    max_keys: int = 1000
    max_age: float = 300.0
    max_messages: int = 1_000_000
    max_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        for name in ("max_keys", "max_messages", "max_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"DataKeyCache.{name} must be a positive whole number, got {value!r}")
        if (
            isinstance(self.max_age, bool)
            or not isinstance(self.max_age, (int, float))
            or not (0 < self.max_age <= 86_400)
        ):
            raise ValueError(
                f"DataKeyCache.max_age must be a number of seconds above 0 (at most 86400), "
                f"got {self.max_age!r}"
            )

    def as_tuple(self) -> tuple[int, float, int, int]:
        return (self.max_keys, float(self.max_age), self.max_messages, self.max_bytes)


class EncryptedAttribute(CodedAttribute):
    """A value of any type, encrypted before it leaves the process (stored as Binary, ``B``).

    Args:
        key_id: the KMS key: id, ARN, alias name (``"alias/app"``) or alias ARN.
        mode: :class:`EncryptionMode` (``ReadWrite`` by default).
        region: the KMS region, when it is not the client's.
        context: the encryption context (``{"tenant": "acme"}``): KMS binds every data key to it,
            and it is part of each value's authenticated data.
        endpoint_url: the KMS endpoint, when it is not the client's (see :class:`DynamoDBClient`'s
            ``kms_endpoint_url``).
        cache: the data-key cache's bounds; None asks KMS for a new data key for every value written.

    Each value is encrypted with AES-256-GCM under a data key from KMS ``GenerateDataKey``; the
    wrapped data key is stored with it. The value is authenticated together with the table, the
    attribute, the item's key and the encryption context: a ciphertext that was altered, or copied
    to another item, attribute or table, raises :class:`~pydynox.exceptions.EncryptionException`
    instead of decrypting. Reads decrypt a whole page at once, asking KMS once per distinct data
    key the cache does not hold.
    """

    def __init__(
        self,
        key_id: str,
        mode: EncryptionMode | str | None = None,
        region: str | None = None,
        context: dict[str, str] | None = None,
        *,
        endpoint_url: str | None = None,
        cache: DataKeyCache | None = DataKeyCache(),  # noqa: B008 - frozen, so sharing it is safe
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not HAS_KMS:
            raise RuntimeError("this build of pydynox has no KMS support (built without the 'kms' feature)")
        if not isinstance(key_id, str) or not key_id.strip():
            raise ValueError(f"key_id must name a KMS key (id, ARN or alias), got {key_id!r}")
        try:
            self.mode = EncryptionMode(mode or EncryptionMode.ReadWrite)
        except ValueError:
            raise ValueError(f"mode must be ReadWrite, WriteOnly or ReadOnly, got {mode!r}") from None
        context = dict(context or {})
        for k, v in context.items():
            if not isinstance(k, str) or not isinstance(v, str) or not k:
                raise TypeError(f"context must map non-empty str keys to str values, got {k!r}: {v!r}")
        if cache is not None and not isinstance(cache, DataKeyCache):
            raise TypeError(f"cache must be a DataKeyCache or None, got {type(cache).__name__}")
        self.key_id = key_id
        self.region = region
        self.context = context
        self.endpoint_url = endpoint_url
        self.cache = cache

    def codec_spec(self) -> tuple[Any, ...]:
        return (
            "encrypt",
            self.key_id,
            self.context,
            self.mode.value,
            self.region,
            self.endpoint_url,
            self.cache.as_tuple() if self.cache is not None else None,
        )
