"""Batches: BatchWriter (async and sync), what happens when writes fail, Model.batch_get."""

import asyncio

# --8<-- [start:setup]
from pydynox import BatchWriter, DynamoDBClient, Model, ModelConfig, SyncBatchWriter, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.exceptions import ItemsNotFoundException, UnprocessedItemsException
from pydynox.generators import AutoGenerate
from pydynox.hooks import after_save

set_default_client(DynamoDBClient(region="us-east-1"))


class Reading(Model):
    model_config = ModelConfig(table="readings")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True, default=AutoGenerate.ULID)
    value = NumberAttribute()
    saved = 0

    @after_save
    def count_saved(self) -> None:
        type(self).saved += 1


# --8<-- [end:setup]


async def main() -> None:
    await Reading.create_table(wait=True)

    # --8<-- [start:writer]
    async with BatchWriter() as batch:
        for i in range(130):
            await batch.save(Reading(pk="sensor-1", value=i))
        batch.put({"pk": "sensor-2", "sk": "manual", "value": 1}, table="readings")

    assert Reading.saved == 130
    assert await Reading.count(partition_key="sensor-1") == 130
    # --8<-- [end:writer]

    # --8<-- [start:failures]
    try:
        async with BatchWriter(max_retries=0) as batch:
            batch.put({"pk": "x", "sk": "1"}, table="no-such-table")
    except UnprocessedItemsException as e:
        assert e.unprocessed == [("no-such-table", "put", {"pk": "x", "sk": "1"})]
    # --8<-- [end:failures]

    # --8<-- [start:get]
    first_two = await Reading.query(partition_key="sensor-1", limit=2).all()
    keys = [{"pk": "sensor-1", "sk": r.sk} for r in reversed(first_two)] + [{"pk": "sensor-1", "sk": "nope"}]

    found = await Reading.batch_get(keys)
    assert [r.sk for r in found] == [r.sk for r in reversed(first_two)]
    assert found.missing == [{"pk": "sensor-1", "sk": "nope"}]

    assert (await Reading.batch_get(keys, missing="none"))[2] is None
    try:
        await Reading.batch_get(keys, missing="raise")
    except ItemsNotFoundException as e:
        assert e.keys == [{"pk": "sensor-1", "sk": "nope"}]
    # --8<-- [end:get]


# --8<-- [start:sync]
def sync_batch() -> None:
    with SyncBatchWriter() as batch:
        batch.delete({"pk": "sensor-2", "sk": "manual"}, table="readings")
    assert Reading.sync_get(pk="sensor-2", sk="manual") is None


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_batch()
