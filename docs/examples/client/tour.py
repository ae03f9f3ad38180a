"""The client: tables, items, queries and scans, batches, transactions, PartiQL, the sync twins."""

import asyncio

# --8<-- [start:setup]
from pydynox import DynamoDBClient, set_default_client
from pydynox.exceptions import ConditionalCheckFailedException, TransactionCanceledException

client = DynamoDBClient(region="us-east-1")
set_default_client(client)  # the client models use when their ModelConfig names none
# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:tables]
    await client.create_table(
        "users",
        partition_key=("pk", "S"),
        sort_key=("sk", "S"),
        global_secondary_indexes=[
            {"index_name": "by_email", "partition_key": ("email", "S"), "projection": "ALL"},
        ],
        wait=True,
    )
    assert await client.table_exists("users")
    description = await client.describe_table("users")
    assert description["TableStatus"] == "ACTIVE"
    assert description["GlobalSecondaryIndexes"][0]["IndexName"] == "by_email"
    # --8<-- [end:tables]

    # --8<-- [start:items]
    await client.put_item(
        "users",
        {"pk": "USER#1", "sk": "PROFILE", "name": "Ana", "email": "ana@example.com", "visits": 1},
        condition_expression="attribute_not_exists(pk)",
    )
    user = await client.get_item("users", {"pk": "USER#1", "sk": "PROFILE"})
    assert user is not None and user["name"] == "Ana"

    # `updates` sets attributes; None removes one.
    await client.update_item("users", {"pk": "USER#1", "sk": "PROFILE"}, updates={"name": "Ana Maria"})

    # Or an update expression, returning the new item.
    new = await client.update_item(
        "users",
        {"pk": "USER#1", "sk": "PROFILE"},
        update_expression="ADD #v :one",
        expression_attribute_names={"#v": "visits"},
        expression_attribute_values={":one": 1},
        return_values="ALL_NEW",
    )
    assert new["visits"] == 2

    try:
        await client.put_item(
            "users",
            {"pk": "USER#1", "sk": "PROFILE"},
            condition_expression="attribute_not_exists(pk)",
            return_values_on_condition_check_failure=True,
        )
    except ConditionalCheckFailedException as exc:
        assert exc.item is not None and exc.item["name"] == "Ana Maria"
    # --8<-- [end:items]

    # --8<-- [start:query]
    await client.batch_write(
        "users",
        put_items=[{"pk": "USER#1", "sk": f"ORDER#{i:03d}", "total": i} for i in range(30)],
    )
    orders = client.query(
        "users",
        "pk = :pk AND begins_with(sk, :prefix)",
        expression_attribute_values={":pk": "USER#1", ":prefix": "ORDER#"},
        limit=10,
    )
    first_ten = await orders.all()
    assert [o["sk"] for o in first_ten][:2] == ["ORDER#000", "ORDER#001"]

    # Resume exactly where the first ten ended.
    rest = client.query(
        "users",
        "pk = :pk AND begins_with(sk, :prefix)",
        expression_attribute_values={":pk": "USER#1", ":prefix": "ORDER#"},
        last_evaluated_key=orders.last_evaluated_key,
    )
    assert len(await rest.all()) == 20
    # --8<-- [end:query]

    # --8<-- [start:count]
    count, metrics = await client.count(
        "users", key_condition_expression="pk = :pk", expression_attribute_values={":pk": "USER#1"}
    )
    assert count == 31
    print(f"{count} items for {metrics.consumed_rcu} RCU")
    items, _ = await client.parallel_scan("users", total_segments=4)
    assert len(items) == 31
    # --8<-- [end:count]

    # --8<-- [start:batch]
    keys = [{"pk": "USER#1", "sk": f"ORDER#{i:03d}"} for i in (5, 1, 999)]
    found = await client.batch_get("users", keys)
    assert [o["sk"] for o in found] == ["ORDER#005", "ORDER#001"]  # in the order asked; missing is absent
    await client.batch_write("users", delete_keys=keys[:2])
    # --8<-- [end:batch]

    # --8<-- [start:transactions]
    try:
        await client.transact_write(
            [
                {"type": "put", "table": "users", "item": {"pk": "USER#2", "sk": "PROFILE", "name": "Bo"}},
                {
                    "type": "condition_check",
                    "table": "users",
                    "key": {"pk": "USER#1", "sk": "PROFILE"},
                    "condition_expression": "visits > :n",
                    "expression_attribute_values": {":n": 100},
                },
            ],
            client_request_token="signup-USER#2",
        )
    except TransactionCanceledException as exc:
        assert [r.code for r in exc.cancellation_reasons] == [None, "ConditionalCheckFailed"]

    assert await client.get_item("users", {"pk": "USER#2", "sk": "PROFILE"}) is None
    both = await client.transact_get(
        [
            {"table": "users", "key": {"pk": "USER#1", "sk": "PROFILE"}},
            {"table": "users", "key": {"pk": "USER#2", "sk": "PROFILE"}},
        ]
    )
    assert both[0] is not None and both[1] is None
    # --8<-- [end:transactions]

    # --8<-- [start:partiql]
    await client.execute_statement(
        "INSERT INTO \"users\" VALUE {'pk': 'USER#3', 'sk': 'PROFILE', 'name': 'Cy'}"
    )
    rows = await client.execute_statement('SELECT * FROM "users" WHERE pk = ?', ["USER#3"])
    assert rows[0]["name"] == "Cy" and rows.next_token is None
    # --8<-- [end:partiql]


# --8<-- [start:sync]
def sync_twins() -> None:
    user = client.sync_get_item("users", {"pk": "USER#1", "sk": "PROFILE"})
    assert user is not None
    orders = [
        o for o in client.sync_query("users", "pk = :pk", expression_attribute_values={":pk": "USER#1"})
    ]
    assert len(orders) == 29
    client.sync_delete_table("users")


# --8<-- [end:sync]


if __name__ == "__main__":
    asyncio.run(main())
    sync_twins()  # outside the event loop: a sync_ call inside one would block it
