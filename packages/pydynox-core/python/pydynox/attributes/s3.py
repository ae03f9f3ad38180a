"""``S3Attribute``: a file kept in S3, its metadata in the item.

Assign an :class:`S3File` (bytes, or a path that is streamed from disk) and save: the object is
uploaded first, then the item is written with the object's metadata. Loading the item gives an
:class:`S3Value`, which downloads the object or presigns a URL for it. The order of operations and
what each failure leaves behind are in docs/s3.md; the transfers themselves are in the Rust core.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydynox._core import HAS_S3
from pydynox.attributes.base import Attribute

if TYPE_CHECKING:
    from pydynox.client import DynamoDBClient

__all__ = ["S3Attribute", "S3File", "S3Value"]

MiB = 1024 * 1024


class S3File:
    """Content to upload to an :class:`S3Attribute`: ``S3File(b"...", name="a.pdf")`` or
    ``S3File(Path("big.bin"))``. A path is read in place, part by part, while it is sent: a large file
    is never held in memory whole."""

    __slots__ = ("content_type", "data", "metadata", "name", "path")

    def __init__(
        self,
        data: bytes | os.PathLike[str] | str,
        name: str | None = None,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        if isinstance(data, (bytes, bytearray, memoryview)):
            if name is None:
                raise ValueError("S3File(bytes) needs name= (a path brings its own)")
            self.data: bytes | None = bytes(data)
            self.path: Path | None = None
        elif isinstance(data, (str, os.PathLike)):
            self.path = Path(data)
            if not self.path.is_file():
                raise FileNotFoundError(f"S3File: {self.path} is not a file")
            self.data = None
            name = name or self.path.name
        else:
            raise TypeError(f"S3File takes bytes or a path, got {type(data).__name__}")
        if not name:
            raise ValueError("S3File name must not be empty")
        if metadata is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise TypeError("S3File metadata must map str to str")
        self.name = name
        self.content_type = content_type
        self.metadata = dict(metadata) if metadata else None

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def __repr__(self) -> str:
        source = f"path={str(self.path)!r}" if self.path is not None else f"{len(self.data or b'')} bytes"
        return f"S3File({source}, name={self.name!r})"


class S3Value:
    """An uploaded object, as an :class:`S3Attribute` holds it once saved or loaded."""

    __slots__ = (
        "_attribute",
        "bucket",
        "content_type",
        "etag",
        "key",
        "metadata",
        "name",
        "size",
        "version_id",
    )

    def __init__(
        self,
        bucket: str,
        key: str,
        size: int,
        etag: str | None = None,
        content_type: str | None = None,
        version_id: str | None = None,
        name: str | None = None,
        metadata: dict[str, str] | None = None,
        attribute: S3Attribute | None = None,
    ) -> None:
        self.bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self.content_type = content_type
        self.version_id = version_id
        self.name = name
        self.metadata = metadata
        self._attribute = attribute

    # 1.x name
    @property
    def last_modified(self) -> str | None:
        return None

    def to_stored(self) -> dict[str, Any]:
        """The map stored in the item (None values left out)."""
        stored: dict[str, Any] = {"bucket": self.bucket, "key": self.key, "size": self.size}
        for name in ("etag", "content_type", "version_id", "name", "metadata"):
            value = getattr(self, name)
            if value:
                stored[name] = value
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any], attribute: S3Attribute | None = None) -> S3Value:
        try:
            return cls(
                bucket=stored["bucket"],
                key=stored["key"],
                size=int(stored["size"]),
                etag=stored.get("etag"),
                content_type=stored.get("content_type"),
                version_id=stored.get("version_id"),
                name=stored.get("name"),
                metadata=stored.get("metadata"),
                attribute=attribute,
            )
        except (KeyError, TypeError) as e:
            where = f"{attribute.model_name}.{attribute.name}" if attribute is not None else "S3Value"
            raise ValueError(f"{where}: the stored S3 metadata is incomplete ({e})") from None

    def _core_args(self) -> tuple[Any, dict[str, Any]]:
        attribute = self._attribute
        if attribute is None:
            raise RuntimeError("this S3Value belongs to no S3Attribute, so it has no client to download with")
        return attribute._client()._core, attribute._target()

    async def get_bytes(self) -> bytes:
        """The object's content."""
        core, target = self._core_args()
        data: bytes = await core.s3_download(True, self.bucket, self.key, **target)
        return data

    def sync_get_bytes(self) -> bytes:
        core, target = self._core_args()
        data: bytes = core.s3_download(False, self.bucket, self.key, **target)
        return data

    async def save_to(self, path: str | os.PathLike[str]) -> int:
        """Streams the object into the file at ``path`` (replaced once complete); returns its size."""
        core, target = self._core_args()
        size: int = await core.s3_download(True, self.bucket, self.key, path=os.fspath(path), **target)
        return size

    def sync_save_to(self, path: str | os.PathLike[str]) -> int:
        core, target = self._core_args()
        size: int = core.s3_download(False, self.bucket, self.key, path=os.fspath(path), **target)
        return size

    async def presigned_url(self, expires: float = 3600) -> str:
        """A URL that downloads the object without credentials for ``expires`` seconds (at most 7
        days); signed locally, no request is made."""
        core, target = self._core_args()
        url: str = await core.s3_presign(True, self.bucket, self.key, float(expires), **target)
        return url

    def sync_presigned_url(self, expires: float = 3600) -> str:
        core, target = self._core_args()
        url: str = core.s3_presign(False, self.bucket, self.key, float(expires), **target)
        return url

    def __eq__(self, other: object) -> bool:
        return isinstance(other, S3Value) and self.to_stored() == other.to_stored()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"S3Value(s3://{self.bucket}/{self.key}, size={self.size})"


class S3Attribute(Attribute[Any]):
    """A file in S3 (``S3File`` to upload, ``S3Value`` once uploaded); the item stores its metadata
    as a map (bucket, key, size, etag, content type, name).

    Args:
        bucket: the S3 bucket.
        prefix: prepended to every object key (``"docs/"``).
        region, endpoint_url: where S3 is, when not where the client says (see
            :class:`DynamoDBClient`'s ``s3_endpoint_url``).
        multipart_threshold: files from this size up are sent as a multipart upload (default 8 MiB).
        part_size: the size of each part (at least 5 MiB, S3's minimum; default 8 MiB).
        max_concurrency: parts in flight at once (default 4).

    Saving uploads the object first and writes the item after; a write that fails deletes the object
    again. Deleting the item deletes the object; replacing the file deletes the old object once the
    item points to the new one. See docs/s3.md.
    """

    kind = "M"
    has_load = True
    has_dump = True

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        multipart_threshold: int = 8 * MiB,
        part_size: int = 8 * MiB,
        max_concurrency: int = 4,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("partition_key") or kwargs.get("sort_key"):
            raise TypeError("S3Attribute cannot be a key")
        super().__init__(**kwargs)
        if not HAS_S3:
            raise RuntimeError("this build of pydynox has no S3 support (built without the 's3' feature)")
        if not isinstance(bucket, str) or not bucket:
            raise ValueError(f"bucket must be a bucket name, got {bucket!r}")
        for label, value in (("multipart_threshold", multipart_threshold), ("part_size", part_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be a positive number of bytes, got {value!r}")
        if part_size < 5 * MiB:
            raise ValueError(f"part_size must be at least 5 MiB (S3's minimum part size), got {part_size}")
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or not 1 <= max_concurrency <= 64
        ):
            raise ValueError(f"max_concurrency must be from 1 to 64, got {max_concurrency!r}")
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.endpoint_url = endpoint_url
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.max_concurrency = max_concurrency

    def dump(self, value: Any) -> dict[str, Any]:
        if isinstance(value, S3Value):
            return value.to_stored()
        if isinstance(value, S3File):
            raise TypeError(
                f"{self.model_name}.{self.name}: the S3File is not uploaded yet; save() and update() "
                "upload it (batch writes and transactions do not)"
            )
        raise TypeError(
            f"{self.model_name}.{self.name}: expects an S3File or S3Value, got {type(value).__name__}"
        )

    def load(self, value: Any) -> S3Value:
        return S3Value.from_stored(value, self)

    def _client(self) -> DynamoDBClient:
        if self._info is None:
            raise RuntimeError(f"{self.model_name}.{self.name} is not an attribute of a model class yet")
        return self._info.client()

    def _target(self) -> dict[str, Any]:
        return {"region": self.region, "endpoint_url": self.endpoint_url}
