"""Rewrites set attributes that pydynox 1.x stored as lists (L) into DynamoDB sets (SS)."""

import asyncio

# --8<-- [start:migrate]
from pydynox import DynamoDBClient
from pydynox.exceptions import ConditionalCheckFailedException

client = DynamoDBClient(region="us-east-1")


async def lists_to_sets(table: str, key: list[str], attribute: str) -> int:
    """Rewrites `attribute` of every item where it is a list into a string set; returns the count."""
    rewritten = 0
    async for item in client.scan(
        table,
        filter_expression="attribute_type(#a, :list)",
        expression_attribute_names={"#a": attribute},
        expression_attribute_values={":list": "L"},
    ):
        members = set(item[attribute])
        try:
            await client.update_item(
                table,
                {k: item[k] for k in key},
                # None removes an empty list: DynamoDB has no empty sets.
                updates={attribute: members or None},
                condition_expression="attribute_type(#a, :list)",  # still a list: not rewritten meanwhile
                expression_attribute_names={"#a": attribute},
                expression_attribute_values={":list": "L"},
            )
        except ConditionalCheckFailedException:
            continue  # rewritten by another run, or changed by the application since the scan read it
        rewritten += 1
    return rewritten


# --8<-- [end:migrate]


async def main() -> None:
    await client.create_table("users", partition_key=("pk", "S"), wait=True)
    # As pydynox 1.x stored a StringSetAttribute:
    await client.put_item("users", {"pk": "USER#1", "tags": ["admin", "beta"]})
    await client.put_item("users", {"pk": "USER#2", "tags": []})
    await client.put_item("users", {"pk": "USER#3", "tags": {"ops"}})  # already a set

    # --8<-- [start:run]
    assert await lists_to_sets("users", ["pk"], "tags") == 2
    assert (await client.get_item("users", {"pk": "USER#1"}))["tags"] == {"admin", "beta"}
    assert "tags" not in await client.get_item("users", {"pk": "USER#2"})
    # --8<-- [end:run]


if __name__ == "__main__":
    asyncio.run(main())
