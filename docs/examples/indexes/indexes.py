"""Secondary indexes: declared on the model, created with the table, read through the model."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Event(Model):
    model_config = ModelConfig(table="events")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    kind = StringAttribute()
    size = NumberAttribute(required=True)
    by_kind = GlobalSecondaryIndex("kind-index", partition_key="kind", sort_key="size")
    by_size = LocalSecondaryIndex("size-index", sort_key="size", projection="KEYS_ONLY")


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:create]
    await Event.create_table(wait=True)  # the table and both indexes
    description = await client.describe_table("events")
    assert [i["IndexName"] for i in description["GlobalSecondaryIndexes"]] == ["kind-index"]
    assert description["LocalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}

    await Event.batch_write(
        save=[
            Event(pk="STREAM#1", sk=f"{i:03d}", kind="click" if i % 3 else "view", size=i) for i in range(120)
        ]
    )
    # --8<-- [end:create]

    # --8<-- [start:query]
    views = await Event.by_kind.query(kind="view", sort_key_condition=Event.size >= 100).all()
    assert [e.size for e in views] == [102, 105, 108, 111, 114, 117]
    biggest_click = await Event.by_kind.query(partition_key="click", scan_index_forward=False).first()
    assert biggest_click.size == 119
    # --8<-- [end:query]

    # --8<-- [start:keys-only]
    # KEYS_ONLY: the index holds the keys only. Attributes it does not project load as None, even
    # required ones, as with fields=.
    small = await Event.by_size.query(
        partition_key="STREAM#1", sort_key_condition=Event.size < 3, consistent_read=True
    ).all()
    assert [(e.sk, e.kind) for e in small] == [("000", None), ("001", None), ("002", None)]
    # --8<-- [end:keys-only]

    # --8<-- [start:count-scan]
    assert await Event.by_kind.count(kind="click") == 80
    clicks = await Event.by_kind.scan(filter_condition=(Event.size < 5) & (Event.kind == "click")).all()
    assert sorted(e.size for e in clicks) == [1, 2, 4]
    # --8<-- [end:count-scan]

    # --8<-- [start:consistent]
    try:
        await Event.by_kind.query(kind="view", consistent_read=True).all()
        raise AssertionError("global indexes are eventually consistent")
    except ValueError as exc:
        print(exc)  # refused before anything is sent
    # --8<-- [end:consistent]

    # --8<-- [start:resume]
    page = Event.by_kind.query(kind="view", limit=2)
    assert [e.size for e in await page.all()] == [0, 3]
    assert page.last_evaluated_key == {"kind": "view", "size": 3, "pk": "STREAM#1", "sk": "003"}
    rest = Event.by_kind.query(kind="view", last_evaluated_key=page.last_evaluated_key, limit=2)
    assert [e.size for e in await rest.all()] == [6, 9]
    # --8<-- [end:resume]

    # --8<-- [start:client]
    raw = await client.query(
        "events",
        "kind = :k AND #size BETWEEN :lo AND :hi",  # `size` is a reserved word: a placeholder
        index_name="kind-index",
        expression_attribute_names={"#size": "size"},
        expression_attribute_values={":k": "view", ":lo": 10, ":hi": 20},
    ).all()
    assert [i["size"] for i in raw] == [12, 15, 18]
    # --8<-- [end:client]


# --8<-- [start:sync]
def sync_twins() -> None:
    assert [e.size for e in Event.by_kind.sync_query(kind="view", limit=3)] == [0, 3, 6]
    assert Event.by_kind.sync_count(kind="view") == 40


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
