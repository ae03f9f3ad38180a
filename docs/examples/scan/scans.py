"""Scans: filters, limits, counting a table, parallel scans, segments, the client's scan."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Reading(Model):
    model_config = ModelConfig(table="readings")
    pk = StringAttribute(partition_key=True)
    sensor = StringAttribute()
    value = NumberAttribute()


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:seed]
    await Reading.create_table(wait=True)
    await Reading.batch_write(
        save=[Reading(pk=f"R#{i:03d}", sensor=f"sensor-{i % 4}", value=i) for i in range(200)]
    )
    # --8<-- [end:seed]

    # --8<-- [start:filter]
    hot = Reading.scan(filter_condition=Reading.value >= 190)
    assert sorted([r.value async for r in hot]) == list(range(190, 200))
    assert hot.scanned_count == 200  # the filter runs after the read: every item was read

    some = await Reading.scan(limit=5).all()  # any five: a scan has no order
    assert len(some) == 5
    # --8<-- [end:filter]

    # --8<-- [start:count]
    assert await Reading.count() == 200
    assert await Reading.count(filter_condition=Reading.sensor == "sensor-0") == 50
    # --8<-- [end:count]

    # --8<-- [start:parallel]
    total = 0
    async for reading in Reading.parallel_scan(4, filter_condition=Reading.sensor == "sensor-1"):
        total += reading.value
    assert total == sum(i for i in range(200) if i % 4 == 1)

    readings, _ = await Reading.parallel_scan(4)  # (items, metrics) at once, like pydynox 1.x
    assert len(readings) == 200
    assert len(await Reading.parallel_scan(2, fields=["value"]).all()) == 200
    # --8<-- [end:parallel]

    # --8<-- [start:segments]
    halves = [await Reading.scan(segment=s, total_segments=2).all() for s in (0, 1)]
    assert sum(len(h) for h in halves) == 200
    assert not {r.pk for r in halves[0]} & {r.pk for r in halves[1]}  # each item in one segment
    # --8<-- [end:segments]

    # --8<-- [start:client]
    cold = client.scan(
        "readings", filter_expression="#v < :v", expression_attribute_names={"#v": "value"},
        expression_attribute_values={":v": 3},
    )  # fmt: skip
    assert sorted([item["value"] async for item in cold]) == [0, 1, 2]
    items, _ = await client.parallel_scan("readings", total_segments=4)
    assert len(items) == 200
    # --8<-- [end:client]


# --8<-- [start:sync]
def sync_twins() -> None:
    assert len(Reading.sync_scan(page_size=50).all()) == 200
    assert sum(1 for _ in Reading.sync_parallel_scan(4)) == 200  # a thread per segment
    assert Reading.sync_count(filter_condition=Reading.value < 10) == 10


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
