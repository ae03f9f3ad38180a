"""Operation events: one per logical operation, to any listener; never item values."""

import asyncio

# --8<-- [start:example]
from pydynox import DynamoDBClient, events

client = DynamoDBClient(region="us-east-1")


async def main() -> None:
    await client.create_table("events_demo", partition_key=("pk", "S"), wait=True)

    seen: list[events.OperationEvent] = []
    with events.subscribe(seen.append):
        await client.put_item("events_demo", {"pk": "a", "secret": "never in an event"})
        await client.get_item("events_demo", {"pk": "a"}, consistent_read=True)

    put, get = seen
    assert (put.operation, put.table, put.ok) == ("PutItem", "events_demo", True)
    assert get.params["consistent_read"] is True and get.attempts == 1
    assert "never in an event" not in repr(put)
    await client.delete_table("events_demo")


# --8<-- [end:example]


if __name__ == "__main__":
    asyncio.run(main())
