"""Errors: every exception carries DynamoDB's code, message, request id and HTTP status."""

import asyncio

# --8<-- [start:example]
from pydynox import DynamoDBClient
from pydynox.exceptions import ResourceNotFoundException

client = DynamoDBClient(region="us-east-1")


async def main() -> None:
    try:
        await client.get_item("no_such_table", {"pk": "a"})
        raise AssertionError("the table does not exist")
    except ResourceNotFoundException as exc:
        assert exc.code == "ResourceNotFoundException" and exc.table == "no_such_table"
        assert exc.status_code == 400 and "no_such_table" in str(exc)


# --8<-- [end:example]


if __name__ == "__main__":
    asyncio.run(main())
