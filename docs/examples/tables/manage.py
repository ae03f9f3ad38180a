"""Tables: create (keys, indexes, capacity, streams), describe, wait, TTL, list, delete; from models."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute
from pydynox.exceptions import ResourceInUseException
from pydynox.indexes import GlobalSecondaryIndex

client = DynamoDBClient(region="us-east-1")
set_default_client(client)
# --8<-- [end:setup]


# --8<-- [start:model]
class Order(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    status = StringAttribute()
    by_status = GlobalSecondaryIndex("status-index", partition_key="status", projection="KEYS_ONLY")


# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:create]
    await client.create_table(
        "events",
        partition_key=("stream", "S"),
        sort_key=("seq", "N"),
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=5,
        global_secondary_indexes=[
            {
                "index_name": "by_kind",
                "partition_key": ("kind", "S"),
                "sort_key": ("seq", "N"),
                "projection": "INCLUDE",
                "non_key_attributes": ["payload"],
                "read_capacity": 5,
                "write_capacity": 5,
            },
        ],
        local_secondary_indexes=[
            {"index_name": "by_time", "sort_key": ("at", "S"), "projection": "KEYS_ONLY"},
        ],
        stream_view_type="NEW_AND_OLD_IMAGES",
        wait=True,  # returns once the table and its indexes are ACTIVE
    )
    # --8<-- [end:create]

    # --8<-- [start:describe]
    description = await client.describe_table("events")
    assert description["TableStatus"] == "ACTIVE" and description["BillingMode"] == "PROVISIONED"
    assert description["KeySchema"] == [
        {"AttributeName": "stream", "KeyType": "HASH"},
        {"AttributeName": "seq", "KeyType": "RANGE"},
    ]
    assert description["GlobalSecondaryIndexes"][0]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["payload"],
    }
    assert description["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert await client.table_exists("events") and not await client.table_exists("nope")
    assert "events" in await client.list_tables()
    # --8<-- [end:describe]

    # --8<-- [start:existing]
    try:
        await client.create_table("events", partition_key=("stream", "S"))
        raise AssertionError("the table exists")
    except ResourceInUseException as exc:
        assert exc.table == "events"
    # --8<-- [end:existing]

    # --8<-- [start:ttl]
    await client.update_time_to_live("events", "expires_at", enabled=True)
    # --8<-- [end:ttl]

    # --8<-- [start:refused]
    try:
        await client.create_table("bad", partition_key=("pk", "S"), billing_mode="PROVISIONED")
        raise AssertionError("provisioned without capacity")
    except ValueError as exc:
        assert "read_capacity and write_capacity" in str(exc)  # before anything was sent
    # --8<-- [end:refused]

    # --8<-- [start:models]
    if not await Order.table_exists():
        await Order.create_table(wait=True)  # the model's key, and the index declared on it
    gsi = (await client.describe_table("orders"))["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "status-index" and gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    # --8<-- [end:models]

    # --8<-- [start:delete]
    await Order.delete_table(wait=True)
    await client.delete_table("events", wait=True)  # returns once DynamoDB has deleted it
    assert not await client.table_exists("events")
    assert await client.ping()  # True while DynamoDB answers; False if it cannot be reached
    # --8<-- [end:delete]


# --8<-- [start:sync]
def sync_twins() -> None:
    client.sync_create_table("scratch", partition_key=("pk", "S"), wait=True)
    client.sync_wait_for_table_active("scratch", timeout_seconds=30)
    client.sync_delete_table("scratch", wait=True)


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()
