"""LocalEngine: a named engine, its client, fault injection and the log of calls it saw."""

import asyncio

# --8<-- [start:example]
from pydynox.local import LocalEngine


async def main() -> None:
    engine = LocalEngine("docs-demo")  # LocalEngine(None) makes a uniquely named one
    client = engine.make_client()
    await client.create_table("jobs", partition_key=("pk", "S"), wait=True)

    engine.throttle(2, operations=["PutItem"])  # the next two PutItems are throttled...
    await client.put_item("jobs", {"pk": "j1"})  # ...and the SDK's retries get through
    assert engine.calls()[-3:] == ["PutItem", "PutItem", "PutItem"]

    engine.server_error(1)
    assert await client.get_item("jobs", {"pk": "j1"}) == {"pk": "j1"}  # a 500, retried
    assert engine.pending_faults == 0
    engine.discard()


# --8<-- [end:example]


if __name__ == "__main__":
    asyncio.run(main())
