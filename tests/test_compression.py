"""``CompressedAttribute``: values compressed in the Rust core, on both backends.

What must hold: every algorithm round-trips values of any type (async and ``sync_``), through gets,
queries, updates, batches and stream images; small or incompressible values are stored as they are;
a damaged stored value is an error, never another value; the item size limit applies to what is
really stored.
"""

from __future__ import annotations

import base64
import os
from decimal import Decimal
from typing import Any

import pytest
from pydynox import BatchWriter, DynamoDBClient, Model, ModelConfig
from pydynox._core import decode_stream_image
from pydynox.attributes import (
    CompressedAttribute,
    CompressionAlgorithm,
    EncryptedAttribute,
    EncryptedValue,
    StringAttribute,
)
from pydynox.exceptions import CompressionException, ItemTooLargeException
from support.model_twin import ModelTwin
from support.readback import raw_item

TEXT = "a log line that repeats, as logs do. " * 400


def doc_model(table: str, client: DynamoDBClient, **options: Any) -> Any:
    class Doc(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        body = CompressedAttribute(**options)
        title = StringAttribute()

    return Doc


@pytest.mark.parametrize("algorithm", ["zstd", "lz4", "gzip", CompressionAlgorithm.Zstd])
async def test_each_algorithm_round_trips_and_shrinks_what_is_stored(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, boto: Any, algorithm: Any
) -> None:
    Doc = doc_model(table_name, client, algorithm=algorithm)
    await twin(Doc).create_table(wait=True)
    await twin(Doc(pk="d1", body=TEXT, title="t")).save()
    stored = raw_item(boto, table_name, "d1")
    assert stored is not None and set(stored["body"]) == {"B"}
    assert len(stored["body"]["B"]) < len(TEXT) / 10
    loaded = await twin(Doc).get(pk="d1")
    assert loaded.body == TEXT and loaded.title == "t"


@pytest.mark.parametrize(
    "value",
    [
        {"events": [{"n": i, "amount": Decimal("12.50"), "tags": {"a", "b"}} for i in range(50)]},
        12345678901234567890123456789012345678,
        b"\x00" * 5000,
        ["mixed", 1, True, None, {"k": b"v"}],
    ],
    ids=["map", "int", "bytes", "list"],
)
async def test_values_of_any_type_round_trip(
    twin: ModelTwin, table_name: str, client: DynamoDBClient, value: Any
) -> None:
    Doc = doc_model(table_name, client, level=19)
    await twin(Doc).create_table(wait=True)
    await twin(Doc(pk="d1", body=value)).save()
    assert (await twin(Doc).get(pk="d1")).body == value


async def test_small_and_incompressible_values_are_stored_as_they_are(
    table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    Doc = doc_model(table_name, client, min_size=200)
    await Doc.create_table(wait=True)
    await Doc(pk="small", body="short").save()
    stored = raw_item(boto, table_name, "small")
    assert stored is not None
    assert stored["body"]["B"][0] == 0x10, "marked as stored without compression"
    assert b"short" in stored["body"]["B"]
    assert (await Doc.get(pk="small")).body == "short"


async def test_updates_queries_batches_and_plain_dicts_decode(
    twin: ModelTwin, table_name: str, client: DynamoDBClient
) -> None:
    class Log(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        body = CompressedAttribute(algorithm="lz4")

    await twin(Log).create_table(wait=True)
    async with BatchWriter(client) as batch:
        for i in range(30):
            batch.save(Log(pk="l", sk=f"{i:02}", body=f"{TEXT}{i}"))
    logs = await twin(Log).query(partition_key="l")
    assert [x.body for x in logs] == [f"{TEXT}{i}" for i in range(30)]
    assert (await twin(Log).query(partition_key="l", as_dict=True))[5]["body"] == f"{TEXT}5"
    found = await twin(Log).batch_get([{"pk": "l", "sk": "07"}])
    assert found[0].body == f"{TEXT}7"
    first = logs[0]
    await twin(first).update(body={"replaced": True})
    assert (await twin(Log).get(pk="l", sk="00")).body == {"replaced": True}


async def test_a_damaged_value_is_an_error(table_name: str, client: DynamoDBClient, boto: Any) -> None:
    Doc = doc_model(table_name, client)
    await Doc.create_table(wait=True)
    await Doc(pk="d1", body=TEXT).save()
    stored = raw_item(boto, table_name, "d1")
    assert stored is not None
    blob = bytearray(stored["body"]["B"])
    blob[-5] ^= 0x40
    boto.put_item(TableName=table_name, Item={**stored, "body": {"B": bytes(blob)}})
    with pytest.raises(CompressionException, match=r"Doc\.body"):
        await Doc.get(pk="d1")
    boto.put_item(TableName=table_name, Item={**stored, "body": {"B": b"not compressed by pydynox"}})
    with pytest.raises(CompressionException):
        await Doc.get(pk="d1")
    boto.put_item(TableName=table_name, Item={**stored, "body": {"S": "text"}})
    with pytest.raises(CompressionException, match="type S"):
        await Doc.get(pk="d1")


async def test_the_size_limit_applies_to_the_compressed_item(
    table_name: str, client: DynamoDBClient, boto: Any
) -> None:
    Doc = doc_model(table_name, client)
    await Doc.create_table(wait=True)
    big = "compressible " * 60_000  # 780 KB, far over 400 KB before compression
    await Doc(pk="big", body=big).save()
    assert (await Doc.get(pk="big")).body == big
    noise = os.urandom(420 * 1024)  # does not compress: stored as it is, over the limit
    with pytest.raises(ItemTooLargeException) as caught:
        await Doc(pk="noise", body=noise).save()
    assert caught.value.size > caught.value.max_size == 400 * 1024
    assert caught.value.item_key == {"pk": "noise"}
    assert raw_item(boto, table_name, "noise") is None


def test_settings_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="zstd levels are 1 to 22"):
        CompressedAttribute(level=30)
    with pytest.raises(ValueError, match="gzip levels are 0 to 9"):
        CompressedAttribute(algorithm="gzip", level=12)
    with pytest.raises(ValueError, match="lz4 has no compression levels"):
        CompressedAttribute(algorithm="lz4", level=3)
    with pytest.raises(ValueError, match="algorithm"):
        CompressedAttribute(algorithm="brotli")
    with pytest.raises(ValueError, match="min_size"):
        CompressedAttribute(min_size=-1)
    with pytest.raises(ValueError, match="threshold"):
        CompressedAttribute(threshold=1.5)
    with pytest.raises(TypeError, match="cannot be a key"):
        CompressedAttribute(partition_key=True)
    with pytest.raises(TypeError, match="cannot be compared"):
        _ = doc_model("docs", DynamoDBClient(region="us-east-1")).body == "x"


async def test_stream_images_decompress_and_leave_ciphertext_encrypted(
    table_name: str, aws_client: DynamoDBClient, kms_key: str, boto: Any
) -> None:
    class Doc(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        body = CompressedAttribute()
        secret = EncryptedAttribute(kms_key)

    await Doc.create_table(wait=True)
    await Doc(pk="d1", body=TEXT, secret="s").save()
    stored = raw_item(boto, table_name, "d1")
    assert stored is not None
    # A Lambda stream record carries the item in DynamoDB JSON, binaries in base64.
    image = {
        "pk": stored["pk"],
        "body": {"B": base64.b64encode(stored["body"]["B"]).decode()},
        "secret": {"B": base64.b64encode(stored["secret"]["B"]).decode()},
    }
    doc = decode_stream_image(image, Doc._pydynox_info.core, "NewImage")
    assert doc.body == TEXT
    assert isinstance(doc.secret, EncryptedValue), "a stream image is read without KMS"
    assert doc.secret.ciphertext == stored["secret"]["B"]
