"""Compressed attributes: round trips, settings, the size limit, updates and damaged values."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import CompressedAttribute, CompressionAlgorithm, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Build(Model):
    model_config = ModelConfig(table="cmp_builds")
    pk = StringAttribute(partition_key=True)
    log = CompressedAttribute()  # zstd, level 3
    summary = CompressedAttribute(algorithm=CompressionAlgorithm.Lz4, min_size=64)


# --8<-- [end:setup]

# --8<-- [start:settings]
try:
    CompressedAttribute(algorithm="gzip", level=12)
    raise AssertionError("gzip has no level 12")
except ValueError as e:
    assert "gzip levels are 0 to 9" in str(e)
# --8<-- [end:settings]

# --8<-- [start:size-imports]
import os

from pydynox.exceptions import ItemTooLargeException

# --8<-- [end:size-imports]


async def main() -> None:
    # --8<-- [start:first-use]
    await Build.create_table(wait=True)
    log = "".join(f"step {i}: compiling module {i % 40} ... ok\n" for i in range(5000))
    await Build(pk="B#1", log=log, summary={"steps": 5000, "failed": []}).save()

    build = await Build.get(pk="B#1")
    assert build.log == log and build.summary == {"steps": 5000, "failed": []}

    stored = await client.get_item("cmp_builds", {"pk": "B#1"})
    assert isinstance(stored["log"], bytes)
    assert len(stored["log"]) < len(log) / 10
    # --8<-- [end:first-use]

    # --8<-- [start:size]
    huge = "the same line again\n" * 50_000  # 1 MB of text
    await Build(pk="B#2", log=huge).save()
    assert (await Build.get(pk="B#2")).log == huge

    try:
        await Build(pk="B#3", log=os.urandom(500_000)).save()  # random bytes do not compress
        raise AssertionError("the item is too large once encoded")
    except ItemTooLargeException as e:
        assert e.size > e.max_size
    # --8<-- [end:size]

    # --8<-- [start:update]
    await build.update(summary={"steps": 5000, "failed": ["lint"]})
    assert (await Build.get(pk="B#1")).summary["failed"] == ["lint"]
    assert await Build.count(filter_condition=Build.summary.exists()) == 1
    # --8<-- [end:update]

    # --8<-- [start:damaged]
    await client.put_item("cmp_builds", {"pk": "B#4", "log": b"\x11 not zstd at all"})
    try:
        await Build.get(pk="B#4")
        raise AssertionError("a damaged value never loads")
    except CompressionException as e:
        assert "Build.log" in str(e)
    # --8<-- [end:damaged]


# --8<-- [start:damaged-imports]
from pydynox.exceptions import CompressionException

# --8<-- [end:damaged-imports]


# --8<-- [start:sync]
def read_blocking() -> None:
    assert Build.sync_get(pk="B#1").log.startswith("step 0: compiling module 0")


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    read_blocking()
