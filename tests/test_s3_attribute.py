"""``S3Attribute``: files in moto's S3, their metadata in items on both DynamoDB backends.

What must hold: a saved file can be read back (bytes, a file, a presigned URL), async and ``sync_``;
the bucket holds exactly the objects items point to: a refused write deletes what it uploaded, a
replaced or removed file and a deleted item delete their objects; a large file goes up as a
multipart upload, read from disk part by part.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pydynox import BatchWriter, DynamoDBClient, Model, ModelConfig, Transaction
from pydynox._core import aws_stats
from pydynox.attributes import S3Attribute, S3File, S3Value, StringAttribute
from pydynox.exceptions import (
    ConditionalCheckFailedException,
    ConnectionException,
    PydynoxException,
    S3AttributeException,
)
from support.aws import object_keys
from support.clients import make_client
from support.fault_proxy import FaultProxy
from support.model_twin import ModelTwin
from support.readback import raw_item

MiB = 1024 * 1024


def doc_model(table: str, client: DynamoDBClient, bucket: str, **options: Any) -> Any:
    class Doc(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        title = StringAttribute()
        file = S3Attribute(bucket, prefix="docs/", **options)

    return Doc


@pytest.fixture
def Doc(table_name: str, aws_client: DynamoDBClient, bucket: str) -> Any:
    model = doc_model(table_name, aws_client, bucket)
    model.sync_create_table(wait=True)
    return model


async def test_a_saved_file_reads_back_as_bytes_a_file_and_a_url(
    twin: ModelTwin, Doc: Any, s3: Any, bucket: str, boto: Any, table_name: str, tmp_path: Path
) -> None:
    doc = Doc(
        pk="d1",
        title="report",
        file=S3File(b"%PDF-1.7 content", name="report.pdf", content_type="application/pdf"),
    )
    await twin(doc).save()
    assert isinstance(doc.file, S3Value)
    assert object_keys(s3, bucket) == [doc.file.key]
    assert doc.file.key.startswith("docs/d1/file/") and doc.file.key.endswith("/report.pdf")

    stored = raw_item(boto, table_name, "d1")
    assert stored is not None
    meta = stored["file"]["M"]
    assert meta["bucket"] == {"S": bucket} and meta["size"] == {"N": "16"}
    assert meta["content_type"] == {"S": "application/pdf"} and meta["name"] == {"S": "report.pdf"}

    loaded = await twin(Doc).get(pk="d1")
    value: S3Value = loaded.file
    assert (value.size, value.name, value.content_type) == (16, "report.pdf", "application/pdf")
    assert await twin(value).get_bytes() == b"%PDF-1.7 content"
    target = tmp_path / "copy.pdf"
    assert await twin(value).save_to(target) == 16
    assert target.read_bytes() == b"%PDF-1.7 content"
    url = await twin(value).presigned_url(60)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"%PDF-1.7 content"
    head = s3.head_object(Bucket=bucket, Key=value.key)
    assert head["ContentType"] == "application/pdf"


async def test_a_refused_conditional_write_leaves_no_orphan(
    twin: ModelTwin, Doc: Any, s3: Any, bucket: str, boto: Any, table_name: str
) -> None:
    first = Doc(pk="d1", file=S3File(b"first", name="a.txt"))
    await twin(first).save()
    before = object_keys(s3, bucket)

    rival = Doc(pk="d1", file=S3File(b"rival", name="b.txt"))
    requests = aws_stats()["s3_requests"]
    with pytest.raises(ConditionalCheckFailedException):
        await twin(rival).save(condition=Doc.pk.not_exists())
    assert aws_stats()["s3_requests"] - requests == 2, "one PutObject, then one DeleteObject"
    assert object_keys(s3, bucket) == before, "the object uploaded for the refused write is deleted"
    assert isinstance(rival.file, S3File), "the instance keeps its file, to be saved again"
    assert raw_item(boto, table_name, "d1")["file"]["M"]["key"] == {"S": first.file.key}

    loaded = await twin(Doc).get(pk="d1")
    with pytest.raises(ConditionalCheckFailedException):
        await twin(loaded).update(file=S3File(b"x", name="c.txt"), condition=Doc.title == "nope")
    assert object_keys(s3, bucket) == before


async def test_replacing_removing_and_deleting_delete_the_old_objects(
    twin: ModelTwin, Doc: Any, s3: Any, bucket: str
) -> None:
    doc = Doc(pk="d1", file=S3File(b"v1", name="f.txt"))
    await twin(doc).save()
    v1 = doc.file.key
    doc.file = S3File(b"v2", name="f.txt")
    await twin(doc).save()
    assert object_keys(s3, bucket) == [doc.file.key] != [v1]

    loaded = await twin(Doc).get(pk="d1")
    await twin(loaded).update(file=S3File(b"v3", name="f.txt"))
    assert object_keys(s3, bucket) == [loaded.file.key]
    assert await twin(loaded.file).get_bytes() == b"v3"

    await twin(loaded).update(file=None)
    assert object_keys(s3, bucket) == []

    await twin(Doc(pk="d2", file=S3File(b"x", name="x"))).save()
    await twin(Doc(pk="d3", file=S3File(b"y", name="y"))).save()
    assert len(object_keys(s3, bucket)) == 2
    await twin(await twin(Doc).get(pk="d2")).delete()
    await twin(Doc).delete_by_key(pk="d3")
    assert object_keys(s3, bucket) == []

    # A new instance put over an existing item replaces its object too.
    await twin(Doc(pk="d4", file=S3File(b"old", name="o"))).save()
    await twin(Doc(pk="d4", file=S3File(b"new", name="n"))).save()
    keys = object_keys(s3, bucket)
    assert len(keys) == 1 and keys[0].endswith("/n")


async def test_a_20_mib_file_is_a_concurrent_multipart_upload(
    twin: ModelTwin, Doc: Any, s3: Any, bucket: str, tmp_path: Path
) -> None:
    path = tmp_path / "video.bin"
    with path.open("wb") as f:
        for _ in range(20):
            f.write(os.urandom(MiB))
    doc = Doc(pk="big", file=S3File(path, content_type="video/mp4"))
    await twin(doc).save()
    value: S3Value = doc.file
    assert value.size == 20 * MiB and value.name == "video.bin"
    # S3 names a multipart object's ETag after its parts: 8 MiB parts make three.
    assert value.etag is not None and value.etag.strip('"').endswith("-3")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads") in (None, [])
    body = s3.get_object(Bucket=bucket, Key=value.key)["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(path.read_bytes()).digest()
    copy = tmp_path / "copy.bin"
    assert await twin(value).save_to(copy) == 20 * MiB
    assert copy.read_bytes() == body


def test_a_large_file_is_streamed_from_disk_not_read_whole(aws_url: str, bucket: str, tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with path.open("wb") as f:
        for _ in range(20):
            f.write(os.urandom(MiB))
    script = textwrap.dedent(
        f"""
        import resource
        from pydynox import DynamoDBClient
        client = DynamoDBClient(region="us-east-1", endpoint_url={aws_url!r}, access_key="testing",
                                secret_key="testing")
        client._core.s3_upload(False, {bucket!r}, "warm-up", data=b"x" * 1000)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = client._core.s3_upload(False, {bucket!r}, "streamed", path={str(path)!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert out["parts"] == 3, out
        print((after - before) * 1024)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    growth = int(result.stdout.strip())
    # Three 8 MiB parts, four in flight at most: reading them whole would add 20 MiB.
    assert growth < 8 * MiB, f"peak memory grew by {growth / MiB:.1f} MiB for a 20 MiB upload"


async def test_a_failed_upload_writes_nothing(
    table_name: str, aws_client: DynamoDBClient, boto: Any, s3: Any
) -> None:
    Doc = doc_model(table_name, aws_client, "no-such-bucket")
    await Doc.create_table(wait=True)
    doc = Doc(pk="d1", file=S3File(b"x", name="x"))
    with pytest.raises(S3AttributeException) as caught:
        await doc.save()
    assert caught.value.code == "NoSuchBucket"
    assert raw_item(boto, table_name, "d1") is None
    assert isinstance(doc.file, S3File)


async def test_a_failed_upload_deletes_the_uploads_before_it_and_aborts_a_multipart_upload(
    table_name: str, endpoint: str, aws_url: str, bucket: str, s3: Any, boto: Any, tmp_path: Path
) -> None:
    with FaultProxy(aws_url) as proxy:
        client = make_client(endpoint, s3_endpoint_url=proxy.endpoint_url)

        class Pair(Model):
            model_config = ModelConfig(table=table_name, client=client)
            pk = StringAttribute(partition_key=True)
            small = S3Attribute(bucket)
            large = S3Attribute(bucket, multipart_threshold=6 * MiB, part_size=5 * MiB)

        await Pair.create_table(wait=True)
        path = tmp_path / "large.bin"
        path.write_bytes(os.urandom(12 * MiB))
        pair = Pair(pk="p1", small=S3File(b"small", name="s"), large=S3File(path))
        # PutObject (small) and CreateMultipartUpload go through; the three parts are refused.
        proxy.delay(None, 0, times=2)
        proxy.fail(None, times=3, status=403, code="AccessDenied")
        with pytest.raises(PydynoxException):
            await pair.save()
        assert [r.fault for r in proxy.requests].count("fail") == 3, "every part was refused"
        assert object_keys(s3, bucket) == [], "the small file uploaded first is deleted again"
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads") in (None, []), "aborted"
        assert raw_item(boto, table_name, "p1") is None
        assert isinstance(pair.small, S3File) and isinstance(pair.large, S3File)


async def test_an_unknown_outcome_keeps_the_object(
    aws_url: str, bucket: str, s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # DynamoDB unreachable: the write may or may not have happened, so the object must stay.
    dead = make_client("http://127.0.0.1:9", s3_endpoint_url=aws_url, max_attempts=1, connect_timeout=1)
    Doc = doc_model("never-written", dead, bucket)
    doc = Doc(pk="d1", file=S3File(b"x", name="x"))
    with caplog.at_level(logging.WARNING, logger="pydynox.s3"), pytest.raises(ConnectionException):
        await doc.save()
    kept = object_keys(s3, bucket)
    assert len(kept) == 1
    assert kept[0] in caplog.text and "outcome is unknown" in caplog.text
    assert isinstance(doc.file, S3File)


async def test_batches_and_transactions(Doc: Any, s3: Any, bucket: str) -> None:
    docs = [Doc(pk=f"d{i}", file=S3File(f"{i}".encode(), name="f")) for i in range(3)]
    for d in docs:
        await d.save()
    with pytest.raises(TypeError, match="cannot upload an S3File"):
        async with BatchWriter() as batch:
            batch.save(Doc(pk="new", file=S3File(b"x", name="x")))
    with pytest.raises(TypeError, match="cannot upload an S3File"):
        async with Transaction() as tx:
            tx.save(Doc(pk="new", file=S3File(b"x", name="x")))
    assert len(object_keys(s3, bucket)) == 3

    async with BatchWriter() as batch:
        batch.delete(docs[0])
    async with Transaction() as tx:
        tx.delete(docs[1])
    assert object_keys(s3, bucket) == [docs[2].file.key]

    with pytest.raises(ValueError, match="update_by_key"):
        await Doc.update_by_key(pk="d2", file=None)


def test_bad_declarations_and_values() -> None:
    with pytest.raises(ValueError, match="part_size"):
        S3Attribute("b", part_size=MiB)
    with pytest.raises(ValueError, match="max_concurrency"):
        S3Attribute("b", max_concurrency=0)
    with pytest.raises(TypeError, match="cannot be a key"):
        S3Attribute("b", partition_key=True)
    with pytest.raises(ValueError, match="name"):
        S3File(b"data")
    with pytest.raises(FileNotFoundError):
        S3File(Path("/nonexistent/file.bin"))
    with pytest.raises(ValueError, match="s3_endpoint_url"):
        DynamoDBClient(region="us-east-1", s3_endpoint_url="not a url")
