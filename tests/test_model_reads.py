"""Models at scale: query and scan across DynamoDB's 1 MB pages, exact resume, prefetch, counts,
parallel scans that stream, PartiQL into models.

Every test runs against the real moto server, through the async methods and their ``sync_`` twins.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pydynox import DynamoDBClient, Model, ModelConfig, OperationEvent, events
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.hooks import after_load
from pydynox.query import Count
from support.backends import Backend
from support.clients import make_client, unique_name
from support.model_twin import ModelTwin

PARTITION = "BIG"
#: ~4 KB each: 300 of them make more than one 1 MB page.
BIG_ITEMS = 300
PAYLOAD = "x" * 4000


def item_model(table: str, client: DynamoDBClient) -> Any:
    class Item(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        n = NumberAttribute(required=True)
        payload = StringAttribute(required=True)
        loads = 0

        @after_load
        def counted(self) -> None:
            type(self).loads += 1

    return Item


@pytest.fixture(scope="module")
def big(endpoint: str, boto: Any) -> Iterator[Any]:
    """A table with one partition of ~1.2 MB (300 items of ~4 KB), written once for the module."""
    client = make_client(endpoint)
    table = unique_name("big")
    Item = item_model(table, client)
    Item.sync_create_table(wait=True)
    Item.sync_batch_write(
        save=[Item(pk=PARTITION, sk=f"{i:04d}", n=i, payload=PAYLOAD) for i in range(BIG_ITEMS)]
    )
    yield Item
    boto.delete_table(TableName=table)


@pytest.fixture
def queries() -> Iterator[list[OperationEvent]]:
    seen: list[OperationEvent] = []

    def record(event: OperationEvent) -> None:
        if event.operation in ("Query", "Scan"):
            seen.append(event)

    with events.subscribe(record):
        yield seen


async def test_a_query_follows_the_1mb_pages_to_the_end(
    big: Any, twin: ModelTwin, queries: list[Any]
) -> None:
    items = await twin(big).query(partition_key=PARTITION)
    assert [i.n for i in items] == list(range(BIG_ITEMS))
    assert all(isinstance(i, big) and i.payload == PAYLOAD for i in items)
    # DynamoDB (and moto) stop a page at 1 MB: the read took more than one request.
    assert len(queries) >= 2


async def test_scan_pages_and_limit(big: Any, twin: ModelTwin) -> None:
    items = await twin(big).scan(limit=250, page_size=100)
    assert len(items) == 250
    assert len({i.sk for i in items}) == 250


def test_pages_hand_out_whole_pages(big: Any) -> None:
    pages = list(big.sync_query(partition_key=PARTITION, page_size=64).pages())
    assert [len(p) for p in pages] == [64, 64, 64, 64, 44]


async def test_breaking_out_mid_page_resumes_right_after_the_last_item(big: Any) -> None:
    result = big.query(partition_key=PARTITION, page_size=50)
    seen = []
    async for item in result:
        seen.append(item.n)
        if len(seen) == 73:  # in the middle of the second page
            break
    resume = result.last_evaluated_key
    assert resume == {"pk": PARTITION, "sk": "0072"}
    rest = await big.query(partition_key=PARTITION, page_size=50, last_evaluated_key=resume).all()
    assert seen + [i.n for i in rest] == list(range(BIG_ITEMS))


def test_sync_resume_with_limit_never_skips(big: Any) -> None:
    collected: list[int] = []
    start = None
    while True:
        # limit=37 ends in the middle of DynamoDB's pages of 50: nothing may be skipped or repeated.
        result = big.sync_query(partition_key=PARTITION, limit=37, page_size=50, last_evaluated_key=start)
        batch = [i.n for i in result]
        collected.extend(batch)
        start = result.last_evaluated_key
        if start is None:
            break
        assert len(batch) == 37
    assert collected == list(range(BIG_ITEMS))


async def test_resume_key_of_a_descending_read_and_as_dict(big: Any) -> None:
    result = big.query(partition_key=PARTITION, scan_index_forward=False, as_dict=True, page_size=20)
    first = [item async for item in _take(result, 5)]
    assert [i["sk"] for i in first] == ["0299", "0298", "0297", "0296", "0295"]
    assert result.last_evaluated_key == {"pk": PARTITION, "sk": "0295"}
    rest = await big.query(
        partition_key=PARTITION, scan_index_forward=False, as_dict=True,
        last_evaluated_key=result.last_evaluated_key,
    ).all()  # fmt: skip
    assert rest[0]["sk"] == "0294" and len(rest) == BIG_ITEMS - 5


async def _take(result: Any, n: int) -> Any:
    count = 0
    async for item in result:
        yield item
        count += 1
        if count == n:
            return


async def test_the_next_page_is_fetched_while_the_caller_works(
    big: Any, queries: list[Any], backend: Backend
) -> None:
    result = big.query(partition_key=PARTITION, page_size=100)
    first = await result.__anext__()
    assert first.n == 0
    # The caller is still on page one; the request for page two is already under way.
    for _ in range(200):
        if len(queries) >= 2:
            break
        await asyncio.sleep(0.01)
    assert len(queries) == 2
    assert len(await result.all()) == BIG_ITEMS - 1
    # Page 3, then never more than one page ahead. The engine, like DynamoDB, marks a page that
    # reaches Limit with a LastEvaluatedKey even at the end, so it takes one more (empty) page.
    assert len(queries) == (4 if backend.name == "engine" else 3)
    assert result.last_evaluated_key is None


def test_sync_prefetch_fetches_one_page_ahead(big: Any, queries: list[Any]) -> None:
    result = big.sync_query(partition_key=PARTITION, page_size=100)
    assert next(result).n == 0
    import time

    deadline = time.monotonic() + 5
    while len(queries) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(queries) == 2
    assert len(result.all()) == BIG_ITEMS - 1


async def test_first_fetches_only_one_page(big: Any, queries: list[Any]) -> None:
    item = await big.query(partition_key=PARTITION, page_size=10).first()
    assert item is not None and item.n == 0
    await asyncio.sleep(0.2)
    assert len(queries) == 1


async def test_after_load_hooks_run_per_item_handed_out(big: Any, twin: ModelTwin) -> None:
    big.loads = 0
    await twin(big).query(partition_key=PARTITION, limit=30)
    assert big.loads == 30


async def test_fields_projection_does_not_trip_required_fields(big: Any, twin: ModelTwin) -> None:
    items = await twin(big).query(partition_key=PARTITION, fields=["n"], limit=3)
    assert [(i.n, i.payload) for i in items] == [(0, None), (1, None), (2, None)]


async def test_count_of_a_partition_and_of_the_table(big: Any, twin: ModelTwin) -> None:
    total = await twin(big).count(partition_key=PARTITION)
    assert isinstance(total, Count) and total == BIG_ITEMS
    some = await twin(big).count(partition_key=PARTITION, sort_key_condition=big.sk.begins_with("01"))
    assert some == 100
    filtered = await twin(big).count(filter_condition=big.n >= 250)
    assert filtered == 50
    # pydynox 1.x code unpacks the count
    count, metrics = filtered
    assert count == 50 and metrics is not None
    assert str(filtered) == "50" and f"{filtered:>4}" == "  50" and repr(filtered) == "Count(50)"


async def test_parallel_scan_streams_every_item_once(big: Any, mode: str) -> None:
    if mode == "async":
        result = big.parallel_scan(4, page_size=40)
        got = [item.n async for item in result]
    else:
        got = await asyncio.to_thread(lambda: [i.n for i in big.sync_parallel_scan(4, page_size=40)])
    assert sorted(got) == list(range(BIG_ITEMS))


async def test_parallel_scan_awaited_gives_items_and_metrics(big: Any) -> None:
    items, metrics = await big.parallel_scan(3, filter_condition=big.n < 10)
    assert sorted(i.n for i in items) == list(range(10))
    assert metrics is not None


async def test_parallel_scan_metrics_are_the_totals_of_every_page(big: Any, mode: str) -> None:
    """Several pages per segment: the metrics add up all of them, not the last page's."""
    if mode == "async":
        scan = big.parallel_scan(4, page_size=40, filter_condition=big.n < 100)
        items = await scan.all()
    else:
        scan = big.sync_parallel_scan(4, page_size=40, filter_condition=big.n < 100)
        items = await asyncio.to_thread(scan.all)
    assert len(items) == 100
    metrics = scan.metrics
    assert metrics is not None
    assert metrics.scanned_count == BIG_ITEMS  # every item of the table was read, by some page
    assert metrics.items_count == 100
    # At least one page per segment plus the pages of 40: far more than one request.
    assert metrics.attempts >= BIG_ITEMS // 40
    assert metrics.request_id is None
    assert metrics.duration_ms > 0


async def test_stopping_a_parallel_scan_early_stops_the_segments(big: Any) -> None:
    seen = 0
    stream = big.parallel_scan(4, page_size=10).__aiter__()
    async for _ in stream:
        seen += 1
        if seen == 5:
            break
    await stream.aclose()
    assert seen == 5
    # No segment task is left reading pages nobody will take.
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_sync_parallel_scan_stops_early(big: Any) -> None:
    for seen, _ in enumerate(big.sync_parallel_scan(4, page_size=10), start=1):
        if seen == 5:
            break
    assert seen == 5
    assert not [t for t in threading.enumerate() if t.name.startswith("pydynox-scan-")]


async def test_execute_statement_loads_models(big: Any, twin: ModelTwin) -> None:
    table = big.model_config.table
    found = await twin(big).execute_statement(
        f'SELECT * FROM "{table}" WHERE pk = ? AND sk = ?', [PARTITION, "0007"]
    )
    assert len(found) == 1 and isinstance(found[0], big) and found[0].n == 7


def test_parallel_scan_refuses_bad_segments(big: Any) -> None:
    with pytest.raises(ValueError, match="total_segments"):
        big.sync_parallel_scan(0)
    with pytest.raises(TypeError, match="total_segments"):
        big.sync_parallel_scan("4")
