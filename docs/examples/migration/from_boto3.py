"""boto3 and pydynox side by side, on one DynamoDB endpoint: tables, items, conditions, updates,
queries, batches, transactions, errors. boto3 code is synchronous; the pydynox code is async (every
call also has a blocking sync_ twin)."""

import asyncio

# --8<-- [start:boto3-setup]
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
table = dynamodb.Table("boto_users")
# --8<-- [end:boto3-setup]

# --8<-- [start:pydynox-setup]
from pydynox import DynamoDBClient, Transaction
from pydynox.exceptions import ConditionalCheckFailedException, TransactionCanceledException

client = DynamoDBClient(region="us-east-1")
# --8<-- [end:pydynox-setup]


def boto3_side() -> None:
    # --8<-- [start:boto3-table]
    dynamodb.create_table(
        TableName="boto_users",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    ).wait_until_exists()
    # --8<-- [end:boto3-table]

    # --8<-- [start:boto3-crud]
    table.put_item(Item={"pk": "USER#1", "sk": "PROFILE", "name": "Ana", "balance": Decimal("10.25")})
    user = table.get_item(Key={"pk": "USER#1", "sk": "PROFILE"}).get("Item")
    assert user["balance"] == Decimal("10.25")
    table.delete_item(Key={"pk": "USER#1", "sk": "PROFILE"})
    assert "Item" not in table.get_item(Key={"pk": "USER#1", "sk": "PROFILE"})
    # --8<-- [end:boto3-crud]

    # --8<-- [start:boto3-floats]
    try:
        table.put_item(Item={"pk": "USER#1", "sk": "PROFILE", "ratio": 0.1})
        raise AssertionError("boto3 refuses floats")
    except TypeError:
        pass  # "Float types are not supported. Use Decimal types instead."
    # --8<-- [end:boto3-floats]

    # --8<-- [start:boto3-condition]
    table.put_item(Item={"pk": "USER#1", "sk": "PROFILE", "name": "Ana", "visits": 0})
    try:
        table.put_item(
            Item={"pk": "USER#1", "sk": "PROFILE", "name": "Impostor"},
            ConditionExpression=Attr("pk").not_exists(),
        )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
    # --8<-- [end:boto3-condition]

    # --8<-- [start:boto3-update]
    new = table.update_item(
        Key={"pk": "USER#1", "sk": "PROFILE"},
        UpdateExpression="SET #name = :name ADD visits :one, tags :tags",
        ConditionExpression=Attr("visits").lt(100),
        ExpressionAttributeNames={"#name": "name"},  # `name` is a reserved word
        ExpressionAttributeValues={":name": "Ana Maria", ":one": 1, ":tags": {"admin"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert new["visits"] == 1 and new["tags"] == {"admin"}
    # --8<-- [end:boto3-update]

    # --8<-- [start:boto3-query]
    with table.batch_writer() as batch:
        for i in range(30):
            batch.put_item(Item={"pk": "USER#1", "sk": f"ORDER#{i:03d}", "total": i})

    orders, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = table.query(
            KeyConditionExpression=Key("pk").eq("USER#1") & Key("sk").begins_with("ORDER#"),
            FilterExpression=Attr("total").gte(10),
            Limit=10,
            **kwargs,
        )
        orders += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert len(orders) == 20
    # --8<-- [end:boto3-query]

    # --8<-- [start:boto3-batch-get]
    keys = [{"pk": "USER#1", "sk": f"ORDER#{i:03d}"} for i in (5, 1)]
    found = dynamodb.batch_get_item(RequestItems={"boto_users": {"Keys": keys}})
    assert len(found["Responses"]["boto_users"]) == 2  # in any order; check UnprocessedKeys yourself
    # --8<-- [end:boto3-batch-get]

    # --8<-- [start:boto3-transaction]
    low_level = boto3.client("dynamodb", region_name="us-east-1")
    try:
        low_level.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "boto_users", "Item": {"pk": {"S": "USER#2"}, "sk": {"S": "PROFILE"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "boto_users",
                        "Key": {"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}},
                        "ConditionExpression": "visits > :n",
                        "ExpressionAttributeValues": {":n": {"N": "100"}},
                    }
                },
            ]
        )
    except low_level.exceptions.TransactionCanceledException as exc:
        codes = [r["Code"] for r in exc.response["CancellationReasons"]]
        assert codes == ["None", "ConditionalCheckFailed"]
    # --8<-- [end:boto3-transaction]


async def pydynox_side() -> None:
    # --8<-- [start:pydynox-table]
    await client.create_table("users", partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    # --8<-- [end:pydynox-table]

    # --8<-- [start:pydynox-crud]
    await client.put_item(
        "users", {"pk": "USER#1", "sk": "PROFILE", "name": "Ana", "balance": Decimal("10.25")}
    )
    user = await client.get_item("users", {"pk": "USER#1", "sk": "PROFILE"})
    assert user["balance"] == Decimal("10.25")
    await client.delete_item("users", {"pk": "USER#1", "sk": "PROFILE"})
    assert await client.get_item("users", {"pk": "USER#1", "sk": "PROFILE"}) is None
    # --8<-- [end:pydynox-crud]

    # --8<-- [start:pydynox-floats]
    await client.put_item("users", {"pk": "USER#1", "sk": "PROFILE", "ratio": 0.1})  # sent as "0.1"
    stored = await client.get_item("users", {"pk": "USER#1", "sk": "PROFILE"})
    assert stored["ratio"] == Decimal("0.1")  # reads are exact: int or Decimal
    # --8<-- [end:pydynox-floats]

    # --8<-- [start:pydynox-condition]
    await client.put_item("users", {"pk": "USER#1", "sk": "PROFILE", "name": "Ana", "visits": 0})
    try:
        await client.put_item(
            "users",
            {"pk": "USER#1", "sk": "PROFILE", "name": "Impostor"},
            condition_expression="attribute_not_exists(pk)",
        )
    except ConditionalCheckFailedException:
        pass
    # --8<-- [end:pydynox-condition]

    # --8<-- [start:pydynox-update]
    new = await client.update_item(
        "users",
        {"pk": "USER#1", "sk": "PROFILE"},
        update_expression="SET #name = :name ADD visits :one, tags :tags",
        condition_expression="visits < :max",
        expression_attribute_names={"#name": "name"},
        expression_attribute_values={":name": "Ana Maria", ":one": 1, ":tags": {"admin"}, ":max": 100},
        return_values="ALL_NEW",
    )
    assert new["visits"] == 1 and new["tags"] == {"admin"}
    # --8<-- [end:pydynox-update]

    # --8<-- [start:pydynox-query]
    await client.batch_write(
        "users", put_items=[{"pk": "USER#1", "sk": f"ORDER#{i:03d}", "total": i} for i in range(30)]
    )
    orders = await client.query(
        "users",
        "pk = :pk AND begins_with(sk, :prefix)",
        filter_expression="#total >= :min",
        expression_attribute_names={"#total": "total"},
        expression_attribute_values={":pk": "USER#1", ":prefix": "ORDER#", ":min": 10},
        page_size=10,
    ).all()  # follows LastEvaluatedKey itself; `async for` streams instead
    assert len(orders) == 20
    # --8<-- [end:pydynox-query]

    # --8<-- [start:pydynox-batch-get]
    keys = [{"pk": "USER#1", "sk": f"ORDER#{i:03d}"} for i in (5, 1)]
    found = await client.batch_get("users", keys)  # unprocessed keys are retried for you
    assert [o["sk"] for o in found] == ["ORDER#005", "ORDER#001"]  # in the order of the keys
    # --8<-- [end:pydynox-batch-get]

    # --8<-- [start:pydynox-transaction]
    try:
        async with Transaction(client=client) as tx:
            tx.put("users", {"pk": "USER#2", "sk": "PROFILE"})
            tx.condition_check(
                "users",
                {"pk": "USER#1", "sk": "PROFILE"},
                "visits > :n",
                expression_attribute_values={":n": 100},
            )
    except TransactionCanceledException as exc:
        assert [r.code for r in exc.cancellation_reasons] == [None, "ConditionalCheckFailed"]
    # --8<-- [end:pydynox-transaction]


if __name__ == "__main__":
    boto3_side()
    asyncio.run(pydynox_side())
