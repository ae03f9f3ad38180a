"""One client, both faces: async calls on any event loop, sync twins in threads, cancellation, and the
warning for a blocking call inside a running loop."""

# --8<-- [start:setup]
import asyncio
import warnings
from concurrent.futures import ThreadPoolExecutor

from pydynox import DynamoDBClient
from pydynox.local import LocalEngine

client = DynamoDBClient(region="us-east-1")
# --8<-- [end:setup]


# --8<-- [start:loops]
async def create() -> None:
    await client.create_table("runtime_demo", partition_key=("pk", "S"), wait=True)
    await client.put_item("runtime_demo", {"pk": "a"})


async def burst() -> None:
    await asyncio.gather(*(client.put_item("runtime_demo", {"pk": f"k{i}"}) for i in range(100)))


def loops() -> None:
    asyncio.run(create())
    asyncio.run(burst())  # another event loop: a client made on one loop works on any other
    assert client.sync_get_item("runtime_demo", {"pk": "k99"}) == {"pk": "k99"}


# --8<-- [end:loops]


# --8<-- [start:threads]
def threads() -> None:
    # Each blocking call waits with the GIL released: eight threads wait at once.
    with ThreadPoolExecutor(8) as pool:
        items = list(pool.map(lambda i: client.sync_get_item("runtime_demo", {"pk": f"k{i}"}), range(100)))
    assert all(item is not None for item in items)


# --8<-- [end:threads]


# --8<-- [start:cancel]
async def cancel() -> None:
    engine = LocalEngine(None)  # an engine that answers late on demand
    slow = engine.make_client()
    await slow.create_table("slow", partition_key=("pk", "S"), wait=True)
    engine.latency(2.0, operations=["GetItem"])
    try:
        async with asyncio.timeout(0.2):
            await slow.get_item("slow", {"pk": "a"})  # cancelled after 0.2 s, in Rust too
        raise AssertionError("the answer comes after 2 s")
    except TimeoutError:
        pass
    engine.discard()


# --8<-- [end:cancel]


# --8<-- [start:warning]
async def blocking_inside_a_loop() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.sync_get_item("runtime_demo", {"pk": "a"})  # works, but stalls this loop meanwhile
    assert caught[0].category is RuntimeWarning


# --8<-- [end:warning]


if __name__ == "__main__":
    loops()
    threads()
    asyncio.run(cancel())
    asyncio.run(blocking_inside_a_loop())
    client.sync_delete_table("runtime_demo")
