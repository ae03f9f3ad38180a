"""Rate limits: a fixed budget shared by concurrent calls, and an adaptive one that backs off."""

import asyncio

# --8<-- [start:setup]
from pydynox import AdaptiveRate, DynamoDBClient, FixedRate
from pydynox.local import LocalEngine

# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:fixed]
    client = DynamoDBClient(region="us-east-1", rate_limit=FixedRate(rcu=100, wcu=20))
    await client.create_table("jobs", partition_key=("pk", "S"), wait=True)

    await asyncio.gather(*(client.put_item("jobs", {"pk": f"job-{i}"}) for i in range(30)))
    assert client.rate_limit.consumed_wcu == 30
    # --8<-- [end:fixed]

    # --8<-- [start:adaptive]
    adaptive = AdaptiveRate(max_rcu=200, max_wcu=50)
    assert (adaptive.current_rcu, adaptive.current_wcu) == (100, 25)
    bulk = DynamoDBClient(region="us-east-1", rate_limit=adaptive)
    # --8<-- [end:adaptive]
    assert bulk.rate_limit is adaptive

    # --8<-- [start:throttled]
    engine = LocalEngine(None)  # an engine that can throttle on demand
    limited = engine.make_client(rate_limit=AdaptiveRate(max_wcu=50))
    await limited.create_table("jobs", partition_key=("pk", "S"), wait=True)

    engine.throttle(1, operations=["PutItem"])
    await limited.put_item("jobs", {"pk": "job-0"})  # throttled once, retried by the SDK
    assert limited.rate_limit.throttle_count == 1
    assert limited.rate_limit.current_wcu == 20  # 25, less a fifth
    # --8<-- [end:throttled]
    engine.discard()


if __name__ == "__main__":
    asyncio.run(main())
