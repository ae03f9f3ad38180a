"""The embedded engine in process: memory://, through the AWS SDK's whole pipeline, no sockets."""

import asyncio

# --8<-- [start:example]
from pydynox import DynamoDBClient


async def main() -> None:
    client = DynamoDBClient(endpoint_url="memory://")  # no credentials needed; region defaults to us-east-1
    await client.create_table("notes", partition_key=("pk", "S"), sort_key=("sk", "N"), wait=True)
    for n in (10, 9, 100):
        await client.put_item("notes", {"pk": "a", "sk": n})
    items = await client.query("notes", "pk = :p", expression_attribute_values={":p": "a"}).all()
    assert [i["sk"] for i in items] == [9, 10, 100]  # numbers sort as numbers


# --8<-- [end:example]


if __name__ == "__main__":
    asyncio.run(main())
