"""Queries: pages, limit and page_size, stopping and resuming, projections, counting, the client's
query, the sync twins."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Event(Model):
    model_config = ModelConfig(table="events")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    kind = StringAttribute()
    size = NumberAttribute(required=True)


# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:seed]
    await Event.create_table(wait=True)
    await Event.batch_write(
        save=[
            Event(pk="STREAM#1", sk=f"{i:03d}", kind="click" if i % 3 else "view", size=i) for i in range(120)
        ]
    )
    # --8<-- [end:seed]

    # --8<-- [start:conditions]
    recent = Event.query(partition_key="STREAM#1", sort_key_condition=Event.sk >= "115")
    assert [e.sk async for e in recent] == ["115", "116", "117", "118", "119"]

    big_views = Event.query(
        partition_key="STREAM#1",
        sort_key_condition=Event.sk.between("100", "119"),
        filter_condition=(Event.kind == "view") & (Event.size > 110),
    )
    assert [e.size async for e in big_views] == [111, 114, 117]
    # --8<-- [end:conditions]

    # --8<-- [start:pages]
    result = Event.query(partition_key="STREAM#1", page_size=50)
    sizes = [len(page) async for page in result.pages()]
    assert sizes == [50, 50, 20]

    first = await Event.query(partition_key="STREAM#1", scan_index_forward=False).first()
    assert first.sk == "119"
    # --8<-- [end:pages]

    # --8<-- [start:resume]
    result = Event.query(partition_key="STREAM#1", page_size=50)
    handled = []
    async for event in result:
        handled.append(event.sk)
        if len(handled) == 70:
            break  # e.g. the request's time budget ran out
    cursor = result.last_evaluated_key
    assert cursor == {"pk": "STREAM#1", "sk": "069"}

    rest = await Event.query(partition_key="STREAM#1", last_evaluated_key=cursor).all()
    assert handled + [e.sk for e in rest] == [f"{i:03d}" for i in range(120)]
    # --8<-- [end:resume]

    # --8<-- [start:restart]
    query = Event.query(partition_key="STREAM#1")
    assert query.request["operation"] == "Query" and query.request["table"] == Event.model_config.table
    again = query.restart(cursor, limit=5)
    assert [e.sk for e in await again.all()] == ["070", "071", "072", "073", "074"]
    # --8<-- [end:restart]

    # --8<-- [start:fields]
    slim = await Event.query(partition_key="STREAM#1", limit=2, fields=["kind"]).all()
    assert [(e.sk, e.kind, e.size) for e in slim] == [("000", "view", None), ("001", "click", None)]

    plain = await Event.query(partition_key="STREAM#1", limit=1, as_dict=True).all()
    assert plain == [{"pk": "STREAM#1", "sk": "000", "kind": "view", "size": 0}]
    # --8<-- [end:fields]

    # --8<-- [start:count]
    assert await Event.count(partition_key="STREAM#1") == 120
    assert await Event.count(partition_key="STREAM#1", sort_key_condition=Event.sk.begins_with("11")) == 10
    views = await Event.count(partition_key="STREAM#1", filter_condition=Event.kind == "view")
    assert views == 40 and views.metrics is not None
    # --8<-- [end:count]

    # --8<-- [start:client]
    items = client.query(
        "events",
        "pk = :pk AND sk BETWEEN :low AND :high",
        filter_expression="#kind = :kind",
        expression_attribute_names={"#kind": "kind"},
        expression_attribute_values={":pk": "STREAM#1", ":low": "010", ":high": "019", ":kind": "view"},
    )
    assert [i["size"] async for i in items] == [12, 15, 18]

    page = await client.query_page(
        "events", "pk = :pk", expression_attribute_values={":pk": "STREAM#1"}, limit=100
    )
    assert len(page.items) == 100 and page.last_evaluated_key == {"pk": "STREAM#1", "sk": "099"}
    # --8<-- [end:client]


# --8<-- [start:sync]
def sync_twins() -> None:
    result = Event.sync_query(partition_key="STREAM#1", sort_key_condition=Event.sk < "005")
    assert [e.sk for e in result] == ["000", "001", "002", "003", "004"]
    assert [len(page) for page in Event.sync_query(partition_key="STREAM#1", page_size=100).pages()] == [
        100,
        20,
    ]
    assert Event.sync_count(partition_key="STREAM#1") == 120


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
