"""Rate limiting: calls wait for their budget without blocking the event loop (or holding the GIL),
are charged what DynamoDB reports, share one budget across tasks, and adapt to throttling."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from pydynox import AdaptiveRate, DynamoDBClient, FixedRate
from support.clients import make_client
from support.fault_proxy import FaultProxy


async def test_waiting_for_the_budget_never_blocks_the_loop(endpoint: str, table: str) -> None:
    limit = FixedRate(wcu=10)
    client = make_client(endpoint, rate_limit=limit)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    # 21 writes of one unit at 10 per second, from 21 tasks sharing the one budget: about 2 s.
    await asyncio.gather(*(client.put_item(table, {"pk": f"k{i}", "sk": "s"}) for i in range(21)))
    elapsed = time.monotonic() - started
    stop.set()
    await ticking
    assert elapsed >= 1.8
    # The loop kept running all along (a blocked loop would have ticked a handful of times).
    assert ticks >= elapsed / 0.01 * 0.5
    assert limit.consumed_wcu == pytest.approx(21)


def test_sync_calls_wait_with_the_gil_released(endpoint: str, table: str) -> None:
    client = make_client(endpoint, rate_limit=FixedRate(rcu=10))
    client.sync_put_item(table, {"pk": "a", "sk": "s"})
    counter = 0
    done = threading.Event()

    def spin() -> None:
        nonlocal counter
        while not done.is_set():
            counter += 1
            time.sleep(0.001)

    spinner = threading.Thread(target=spin)
    spinner.start()
    started = time.monotonic()
    for _ in range(31):
        client.sync_get_item(table, {"pk": "a", "sk": "s"}, consistent_read=True)
    elapsed = time.monotonic() - started
    done.set()
    spinner.join()
    assert elapsed >= 1.2  # 31 reads of half a unit (as moto reports them) at 10 units per second
    assert counter >= elapsed / 0.001 * 0.2


async def test_calls_are_charged_the_capacity_dynamodb_reports(endpoint: str, table: str) -> None:
    limit = FixedRate(rcu=1000, wcu=1000)
    client = make_client(endpoint, rate_limit=limit)
    await client.put_item(table, {"pk": "a", "sk": "s"})
    assert (limit.consumed_wcu, limit.consumed_rcu) == (1, 0)
    # Reserved as one unit, charged the half unit DynamoDB reports for an eventually consistent read.
    await client.get_item(table, {"pk": "a", "sk": "s"})
    assert limit.consumed_rcu == pytest.approx(0.5)
    # (moto reports half a unit for consistent reads too; DynamoDB reports one.)
    limit.reset()
    assert (limit.consumed_rcu, limit.consumed_wcu, limit.throttle_count) == (0, 0, 0)


async def test_batches_reserve_a_unit_per_item(endpoint: str, table: str) -> None:
    limit = FixedRate(wcu=50)
    client = make_client(endpoint, rate_limit=limit)
    started = time.monotonic()
    await client.batch_write(table, put_items=[{"pk": f"b{i}", "sk": "s"} for i in range(60)])
    await client.batch_write(table, put_items=[{"pk": f"c{i}", "sk": "s"} for i in range(10)])
    # The first batch left a debt of 60 units, which the second waits to repay (at 50 per second).
    assert time.monotonic() - started >= 1.0
    assert limit.consumed_wcu == pytest.approx(70)


async def test_adaptive_rate_backs_off_when_throttled(http_endpoint: str, table: str) -> None:
    limit = AdaptiveRate(max_rcu=100, max_wcu=40)
    assert (limit.current_rcu, limit.current_wcu) == (50, 20)
    with FaultProxy(http_endpoint) as proxy:
        client = make_client(proxy.endpoint_url, rate_limit=limit, max_attempts=3)
        proxy.throttle("GetItem", times=2)
        await client.get_item(table, {"pk": "nothing", "sk": "s"})
    assert limit.throttle_count == 2
    # One back-off per burst of throttles: a fifth less, on both budgets.
    assert limit.current_rcu == pytest.approx(40)
    assert limit.current_wcu == pytest.approx(16)
    assert limit.max_rcu == 100


def test_rate_limit_arguments_are_checked(endpoint: str) -> None:
    with pytest.raises(ValueError, match="rcu="):
        FixedRate()
    with pytest.raises(ValueError, match="positive"):
        FixedRate(rcu=-1)
    with pytest.raises(ValueError, match="min_rcu"):
        AdaptiveRate(max_rcu=5, min_rcu=10)
    with pytest.raises(TypeError, match="FixedRate or an AdaptiveRate"):
        DynamoDBClient(endpoint_url=endpoint, region="us-east-1", rate_limit=10)  # type: ignore[arg-type]
    limit = FixedRate(rcu=5)
    assert repr(limit) == "FixedRate(rcu=5, wcu=None)"
    assert make_client(endpoint, rate_limit=limit).rate_limit is limit


def test_one_limiter_shared_by_two_clients(endpoint: str, table: str) -> None:
    limit = FixedRate(wcu=100)
    first: Any = make_client(endpoint, rate_limit=limit)
    second: Any = make_client(endpoint, rate_limit=limit)
    first.sync_put_item(table, {"pk": "1", "sk": "s"})
    second.sync_put_item(table, {"pk": "2", "sk": "s"})
    assert limit.consumed_wcu == pytest.approx(2)
