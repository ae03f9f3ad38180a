from pydynox.exceptions import ProvisionedThroughputExceededException
from shop import Product, reserve


# --8<-- [start:fresh]
async def test_a_fresh_engine_per_test(pydynox_memory_backend) -> None:
    # An empty engine of this test's own; its client is the default client until the test ends.
    await Product.create_table(wait=True)
    await Product(pk="P#9", name="Chair", stock=1).save()
    assert await reserve("P#9", 1)
    assert not await reserve("P#9", 1)
    assert (await Product.get(pk="P#9")).stock == 0


def test_sync_code_too(pydynox_memory_backend) -> None:
    Product.sync_create_table(wait=True)
    Product(pk="P#9").sync_save()
    assert Product.sync_get(pk="P#9").stock == 0


# --8<-- [end:fresh]


# --8<-- [start:seeded]
async def test_seeded(pydynox_memory_backend_seeded) -> None:
    assert await reserve("P#1", 2)
    assert (await Product.get(pk="P#1")).stock == 1
    assert (await Product.get(pk="P#2")).name == "Desk"  # a plain item seeded as (table, dict)


# --8<-- [end:seeded]


# --8<-- [start:faults]
async def test_throttling_is_retried(pydynox_memory_backend_seeded) -> None:
    engine = pydynox_memory_backend_seeded
    engine.throttle(2, operations=["UpdateItem"])
    assert await reserve("P#1", 1)  # the SDK's retries get through two throttles
    assert engine.calls().count("UpdateItem") == 3


def test_throttling_that_does_not_stop(pydynox_memory_backend_factory) -> None:
    # Another engine, whose client does not retry. The factory seeds with blocking calls: call it
    # from a plain test or fixture, not inside a running event loop.
    engine = pydynox_memory_backend_factory(
        models=[Product], items=[Product(pk="P#1", stock=5)], max_attempts=1
    )
    engine.throttle(1)
    try:
        engine.client.sync_get_item("products", {"pk": "P#1"})
        raise AssertionError("throttled")
    except ProvisionedThroughputExceededException:
        pass


# --8<-- [end:faults]
