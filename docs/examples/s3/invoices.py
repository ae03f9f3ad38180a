"""S3 attributes: upload on save, download, presigned URLs, files from disk, multipart uploads, the
order of operations on a refused write, deletes and the blocking twins."""

import asyncio
import tempfile
from pathlib import Path

from _local_bucket import ensure_local_bucket

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import S3Attribute, S3File, S3Value, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Invoice(Model):
    model_config = ModelConfig(table="s3_invoices")
    pk = StringAttribute(partition_key=True)
    customer = StringAttribute()
    pdf = S3Attribute(bucket="pydynox-docs", prefix="invoices/")


# --8<-- [end:setup]


# --8<-- [start:backup-model]
class Backup(Model):
    model_config = ModelConfig(table="s3_invoices")
    pk = StringAttribute(partition_key=True)
    archive = S3Attribute(
        bucket="pydynox-docs", prefix="backups/", part_size=5 * 1024 * 1024, max_concurrency=8
    )


# --8<-- [end:backup-model]

# --8<-- [start:order-imports]
from pydynox.exceptions import ConditionalCheckFailedException

# --8<-- [end:order-imports]


async def main(folder: Path) -> None:
    ensure_local_bucket()

    # --8<-- [start:first-use]
    await Invoice.create_table(wait=True)
    pdf = S3File(b"%PDF-1.7 ...", name="inv-1.pdf", content_type="application/pdf")
    invoice = Invoice(pk="INV#1", customer="acme", pdf=pdf)
    await invoice.save()
    assert isinstance(invoice.pdf, S3Value)
    assert invoice.pdf.key.startswith("invoices/INV_1/pdf/") and invoice.pdf.size == 12

    loaded = await Invoice.get(pk="INV#1")
    assert await loaded.pdf.get_bytes() == b"%PDF-1.7 ..."
    url = await loaded.pdf.presigned_url(expires=900)  # signed locally, valid 15 minutes
    assert url.startswith("http") and "X-Amz-Signature" in url
    # --8<-- [end:first-use]

    # --8<-- [start:files]
    report = folder / "report.csv"
    report.write_text("id,total\n" + "".join(f"{i},{i * 3}\n" for i in range(1000)))

    await loaded.update(pdf=S3File(report, content_type="text/csv"))
    copy = folder / "copy.csv"
    assert await loaded.pdf.save_to(copy) == report.stat().st_size
    assert copy.read_text() == report.read_text()
    # --8<-- [end:files]

    # --8<-- [start:multipart]
    big = folder / "dump.bin"
    with big.open("wb") as f:
        for _ in range(12):
            f.write(b"\0" * (1024 * 1024))
    backup = Backup(pk="BK#1", archive=S3File(big))
    await backup.save()
    assert backup.archive.size == 12 * 1024 * 1024
    assert backup.archive.etag.strip('"').endswith("-3")  # three parts of 5 MiB
    # --8<-- [end:multipart]

    # --8<-- [start:order]
    rival = Invoice(pk="INV#1", customer="someone else", pdf=S3File(b"forged", name="x.pdf"))
    try:
        await rival.save(condition=Invoice.pk.not_exists())
        raise AssertionError("INV#1 exists")
    except ConditionalCheckFailedException:
        assert isinstance(rival.pdf, S3File)  # its upload was deleted again

    await loaded.delete()
    assert await Invoice.get(pk="INV#1") is None
    # --8<-- [end:order]


# --8<-- [start:sync]
def read_blocking() -> None:
    again = Backup.sync_get(pk="BK#1")
    assert len(again.archive.sync_get_bytes()) == 12 * 1024 * 1024


# --8<-- [end:sync]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main(Path(scratch)))
    read_blocking()
