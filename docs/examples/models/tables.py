"""A model's table with its indexes; query, scan and count; the sync twins."""

import asyncio

# --8<-- [start:imports]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import IntegerAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

# --8<-- [end:imports]
client = DynamoDBClient(region="us-east-1")
set_default_client(client)


# --8<-- [start:order-model]
class Order(Model):
    model_config = ModelConfig(table="models_orders")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    status = StringAttribute()
    total = IntegerAttribute()

    by_status = GlobalSecondaryIndex("status-index", partition_key="status", sort_key="total")
    by_total = LocalSecondaryIndex("total-index", sort_key="total", projection=["status"])


# --8<-- [end:order-model]


async def main() -> None:
    # --8<-- [start:create-table]
    assert not await Order.table_exists()
    await Order.create_table(wait=True)  # wait=True returns once the table is ACTIVE
    assert await Order.table_exists()

    description = await client.describe_table("models_orders")
    assert description["GlobalSecondaryIndexes"][0]["IndexName"] == "status-index"
    assert description["LocalSecondaryIndexes"][0]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["status"],
    }
    # --8<-- [end:create-table]

    # --8<-- [start:query]
    for i in range(1, 6):
        await Order(
            pk="CUSTOMER#1", sk=f"ORDER#{i:03d}", status="paid" if i % 2 else "new", total=i * 10
        ).save()

    newest_first = Order.query(
        partition_key="CUSTOMER#1",
        sort_key_condition=Order.sk.between("ORDER#002", "ORDER#004"),
        scan_index_forward=False,
    )
    assert [o.sk async for o in newest_first] == ["ORDER#004", "ORDER#003", "ORDER#002"]

    paid = await Order.query(partition_key="CUSTOMER#1", filter_condition=Order.status == "paid").all()
    assert [o.total for o in paid] == [10, 30, 50]

    by_prefix = Order.query(partition_key="CUSTOMER#1", sort_key_condition=Order.sk.begins_with("ORDER#"))
    first = await by_prefix.first()
    assert first.sk == "ORDER#001"

    big = await Order.scan(filter_condition=Order.total > 25).all()
    assert len(big) == 3
    assert await Order.count(filter_condition=Order.status == "new") == 2
    assert await Order.count(partition_key="CUSTOMER#1", sort_key_condition=Order.sk < "ORDER#003") == 2
    # --8<-- [end:query]


# --8<-- [start:sync]
def sync_twins() -> None:
    order = Order.sync_get(pk="CUSTOMER#1", sk="ORDER#001")
    order.status = "shipped"
    order.sync_save()
    order.sync_update(atomic=[Order.total.add(5)])
    assert order.total == 15
    assert [o.sk for o in Order.sync_query(partition_key="CUSTOMER#1", limit=2)] == ["ORDER#001", "ORDER#002"]
    assert Order.sync_count() == 5


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
