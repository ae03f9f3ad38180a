"""The S3 side of writing an item with :class:`~pydynox.attributes.S3Attribute` values.

The order of operations (docs/s3.md explains why and what can still go wrong):

1. every :class:`S3File` the write carries is uploaded, each to a new object key (never over an
   object an item may point to);
2. the item is written to DynamoDB, asking it for the S3 metadata it replaces;
3. if DynamoDB refused the write, the objects just uploaded are deleted and the instance gets its
   ``S3File`` values back; if the outcome is unknown (a timeout, a lost connection, a cancelled
   task), they are kept, since the item may point to them, and a warning names them;
4. once the write succeeded, the objects the item no longer points to are deleted.

Deleting an item deletes its objects after DynamoDB confirmed the delete. A failed object delete
after a successful write leaves an orphan object (logged), never an item that points nowhere.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from pydynox.attributes.s3 import S3Attribute, S3File, S3Value
from pydynox.exceptions import ConnectionException, InternalServerError, PydynoxException

if TYPE_CHECKING:
    from pydynox._model_info import ModelInfo
    from pydynox.client import DynamoDBClient

__all__ = [
    "Ref",
    "S3Value",
    "S3Write",
    "delete_async",
    "delete_sync",
    "gone_after_put",
    "held",
    "outcome_unknown",
    "refs_in",
    "refuse_uploads",
]

_logger = logging.getLogger("pydynox.s3")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

#: (bucket, key, attribute) of an object an item points to.
Ref = tuple[str, str, S3Attribute]


def outcome_unknown(exc: BaseException) -> bool:
    """Whether a failed write may have been applied anyway (so objects it points to must stay)."""
    if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
        return True
    if isinstance(exc, (ConnectionException, InternalServerError)):
        return True
    return isinstance(exc, PydynoxException) and (exc.status_code or 0) >= 500


def refs_in(info: ModelInfo, stored: Any, names: Iterable[str] | None = None) -> list[Ref]:
    """The objects a stored item (a dict by DynamoDB names, or None) points to."""
    if not stored:
        return []
    out: list[Ref] = []
    for attr in info.s3_attributes:
        if names is not None and attr.name not in names:
            continue
        value = stored.get(attr.db_name)
        if isinstance(value, dict) and "bucket" in value and "key" in value:
            out.append((value["bucket"], value["key"], attr))
    return out


def _segment(value: Any) -> str:
    return _UNSAFE.sub("_", str(value)).strip("_") or "_"


class S3Write:
    """Uploads for one write and the clean-up after it. ``values`` is where the attribute values are
    (the instance's ``__dict__`` for a save, the values of an ``update()``); the uploaded objects'
    ``S3Value``s replace the ``S3File``s there."""

    def __init__(self, info: ModelInfo, key_values: dict[str, Any], values: MutableMapping[str, Any]) -> None:
        self.info = info
        self.values = values
        self.pending: list[tuple[S3Attribute, S3File]] = [
            (a, v) for a in info.s3_attributes if isinstance(v := values.get(a.name), S3File)
        ]
        self.uploaded: list[tuple[S3Attribute, S3File, S3Value]] = []
        parts = [_segment(key_values.get(a.name)) for a in info.key_attributes]
        self._key_path = "/".join(parts)

    def _object_key(self, attr: S3Attribute, file: S3File) -> str:
        # A new key for every upload: an object an item points to is never overwritten, so a write
        # that fails can always delete what it uploaded.
        return f"{attr.prefix}{self._key_path}/{attr.db_name}/{uuid.uuid4().hex}/{_segment(file.name)}"

    def _upload_args(self, attr: S3Attribute, file: S3File) -> dict[str, Any]:
        args: dict[str, Any] = {
            "bucket": attr.bucket,
            "key": self._object_key(attr, file),
            "content_type": file.content_type,
            "metadata": file.metadata,
            "multipart_threshold": attr.multipart_threshold,
            "part_size": attr.part_size,
            "max_concurrency": attr.max_concurrency,
            **attr._target(),
        }
        if file.path is not None:
            args["path"] = str(file.path)
        else:
            args["data"] = file.data
        return args

    def _uploaded(self, attr: S3Attribute, file: S3File, out: dict[str, Any]) -> None:
        value = S3Value(
            bucket=out["bucket"],
            key=out["key"],
            size=out["size"],
            etag=out["etag"],
            content_type=file.content_type,
            version_id=out["version_id"],
            name=file.name,
            metadata=file.metadata,
            attribute=attr,
        )
        self.uploaded.append((attr, file, value))
        self.values[attr.name] = value

    async def upload_async(self, client: DynamoDBClient) -> None:
        """Uploads every pending file; when one fails, the ones already up are deleted (no write
        happened, so nothing points to them)."""
        try:
            for attr, file in self.pending:
                out = await client._core.s3_upload(True, **self._upload_args(attr, file))
                self._uploaded(attr, file, out)
        except BaseException:
            await delete_async(client, self._restore(None))
            raise

    def upload_sync(self, client: DynamoDBClient) -> None:
        try:
            for attr, file in self.pending:
                out = client._core.s3_upload(False, **self._upload_args(attr, file))
                self._uploaded(attr, file, out)
        except BaseException:
            delete_sync(client, self._restore(None))
            raise

    def _restore(self, exc: BaseException | None) -> list[Ref]:
        """Gives the values their S3Files back; the objects to delete (none when the write ``exc``
        ended may have been applied; all when there was no write)."""
        for attr, file, _ in self.uploaded:
            self.values[attr.name] = file
        refs = [(v.bucket, v.key, attr) for attr, _, v in self.uploaded]
        self.uploaded = []
        if refs and exc is not None and outcome_unknown(exc):
            _logger.warning(
                "%s: the write's outcome is unknown (%s); keeping the uploaded objects %s, which the "
                "item may point to",
                self.info.name,
                type(exc).__name__,
                ", ".join(f"s3://{b}/{k}" for b, k, _ in refs),
            )
            return []
        return refs

    async def failed_async(self, client: DynamoDBClient, exc: BaseException) -> None:
        await delete_async(client, self._restore(exc))

    def failed_sync(self, client: DynamoDBClient, exc: BaseException) -> None:
        delete_sync(client, self._restore(exc))

    def replaced(self, old: list[Ref]) -> list[Ref]:
        """The objects of ``old`` that the item no longer points to after this write."""
        now = {(v.bucket, v.key) for v in self.values.values() if isinstance(v, S3Value)}
        return [r for r in old if (r[0], r[1]) not in now]


def _by_target(refs: list[Ref]) -> dict[tuple[Any, ...], list[str]]:
    groups: dict[tuple[Any, ...], list[str]] = {}
    for bucket, key, attr in refs:
        groups.setdefault((bucket, attr.region, attr.endpoint_url), []).append(key)
    return groups


def _log_failed(refs: list[str], bucket: str, exc: BaseException) -> None:
    _logger.warning(
        "could not delete S3 objects no item points to any more (%s): %s",
        exc,
        ", ".join(f"s3://{bucket}/{k}" for k in refs),
    )


async def delete_async(client: DynamoDBClient, refs: list[Ref]) -> None:
    """Deletes objects after the fact: a failure is logged (the object stays), never raised."""
    for (bucket, region, endpoint_url), keys in _by_target(refs).items():
        try:
            await client._core.s3_delete(True, bucket, keys, region=region, endpoint_url=endpoint_url)
        except Exception as e:
            _log_failed(keys, bucket, e)


def delete_sync(client: DynamoDBClient, refs: list[Ref]) -> None:
    for (bucket, region, endpoint_url), keys in _by_target(refs).items():
        try:
            client._core.s3_delete(False, bucket, keys, region=region, endpoint_url=endpoint_url)
        except Exception as e:
            _log_failed(keys, bucket, e)


def held(info: ModelInfo, instance: Any) -> list[Ref]:
    """The objects a loaded (or saved) instance's item points to, as last stored."""
    if not info.s3_attributes:
        return []
    base = info.get_snapshot(instance)
    if base is None:
        return [
            (v.bucket, v.key, a)
            for a in info.s3_attributes
            if isinstance(v := instance.__dict__.get(a.name), S3Value)
        ]
    return refs_in(info, base.pick([a.db_name for a in info.s3_attributes]))


def gone_after_put(info: ModelInfo, instance: Any, names: Iterable[str] | None = None) -> list[Ref]:
    """The objects the item points to as last stored and would not after writing the instance's
    values (of the attributes ``names``, or all)."""
    if not info.s3_attributes:
        return []
    now = {
        (v.bucket, v.key)
        for a in info.s3_attributes
        if isinstance(v := instance.__dict__.get(a.name), S3Value)
    }
    old = [r for r in held(info, instance) if names is None or r[2].name in names]
    return [r for r in old if (r[0], r[1]) not in now]


def refuse_uploads(info: ModelInfo, values: MutableMapping[str, Any], where: str) -> None:
    """Batch writes and transactions carry no upload step: an ``S3File`` there is refused."""
    for attr in info.s3_attributes:
        if isinstance(values.get(attr.name), S3File):
            raise TypeError(
                f"{info.name}.{attr.name}: {where} cannot upload an S3File; save() or update() the "
                "instance to upload it (the S3Value it then holds can be written anywhere)"
            )
