"""Metrics: the conventions' duration and returned-rows histograms, and pydynox's capacity, throttle and
retry counters, read back from the SDK's InMemoryMetricReader after real calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from otel_testing import fresh_table, instrumented, make_client, unique_table
from pydynox import DynamoDBClient, OperationEvent, events
from pydynox.exceptions import ConditionalCheckFailedException
from support.fault_proxy import FaultProxy

KEY = {"pk": "p", "sk": "1"}


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    with fresh_table(client) as name:
        yield name


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(endpoint) as p:
        yield p


@pytest.fixture
def recorded() -> Iterator[list[OperationEvent]]:
    seen: list[OperationEvent] = []
    with events.subscribe(seen.append):
        yield seen


def operation(name: str, table: str, endpoint: str, **extra: Any) -> frozenset[tuple[str, Any]]:
    """The attribute set of one operation's duration point."""
    return frozenset(
        {
            "db.system.name": "aws.dynamodb",
            "db.operation.name": name,
            "db.collection.name": table,
            "db.namespace": "us-east-1",
            "server.address": "127.0.0.1",
            "server.port": urlsplit(endpoint).port,
            **extra,
        }.items()
    )


def capacity(name: str, table: str) -> frozenset[tuple[str, Any]]:
    return frozenset(
        {"db.system.name": "aws.dynamodb", "db.operation.name": name, "db.collection.name": table}.items()
    )


async def test_duration_histogram_per_operation_with_the_advised_buckets(
    client: DynamoDBClient, table: str, endpoint: str, recorded: list[OperationEvent]
) -> None:
    with instrumented() as telemetry:
        await client.put_item(table, {**KEY, "v": 1})
        await client.get_item(table, KEY)
        client_get = await client.get_item(table, {"pk": "missing", "sk": "1"})
        assert client_get is None
        with pytest.raises(ConditionalCheckFailedException):
            await client.put_item(table, {**KEY, "v": 2}, condition_expression="attribute_not_exists(pk)")
        points = {
            frozenset(p.attributes.items()): p for p in telemetry.histogram("db.client.operation.duration")
        }

    failed = operation(
        "PutItem",
        table,
        endpoint,
        **{
            "error.type": "ConditionalCheckFailedException",
            "db.response.status_code": "ConditionalCheckFailedException",
        },
    )
    assert set(points) == {
        operation("PutItem", table, endpoint),
        operation("GetItem", table, endpoint),
        failed,
    }
    get = points[operation("GetItem", table, endpoint)]
    assert get.count == 2
    durations = [e.duration for e in recorded if e.operation == "GetItem"]
    assert get.sum == pytest.approx(sum(durations))
    assert tuple(get.explicit_bounds) == (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
    assert points[failed].count == 1


async def test_returned_rows_histogram_for_reads(client: DynamoDBClient, table: str) -> None:
    await client.batch_write(table, put_items=[{"pk": "p", "sk": str(i)} for i in range(12)])
    with instrumented() as telemetry:
        assert len(await client.query(table, "pk = :p", expression_attribute_values={":p": "p"}).all()) == 12
        await client.get_item(table, {"pk": "p", "sk": "0"})
        await client.put_item(table, {"pk": "p", "sk": "new"})  # a write returns no rows
        rows = {
            p.attributes["db.operation.name"]: p
            for p in telemetry.histogram("db.client.response.returned_rows")
        }
    assert set(rows) == {"Query", "GetItem"}
    assert (rows["Query"].count, rows["Query"].sum) == (1, 12)
    assert (rows["GetItem"].count, rows["GetItem"].sum) == (1, 1)
    assert tuple(rows["Query"].explicit_bounds)[:4] == (1, 2, 5, 10)


async def test_consumed_capacity_by_table_and_operation(
    client: DynamoDBClient, recorded: list[OperationEvent]
) -> None:
    first, second = unique_table(), unique_table()
    await client.create_table(first, partition_key=("pk", "S"), wait=True)
    await client.create_table(second, partition_key=("pk", "S"), wait=True)
    try:
        with instrumented() as telemetry:
            await client.put_item(first, {"pk": "a"})
            await client.put_item(second, {"pk": "x"})
            await client.get_item(first, {"pk": "a"}, consistent_read=True)
            await client.transact_get(
                [{"table": first, "key": {"pk": "a"}}, {"table": second, "key": {"pk": "x"}}]
            )
            reads = telemetry.sums("pydynox.client.consumed_read_capacity")
            writes = telemetry.sums("pydynox.client.consumed_write_capacity")
    finally:
        await client.delete_table(first)
        await client.delete_table(second)

    def reported(operation: str, table: str, index: int) -> float:
        return sum(
            e.consumed_by_table.get(table, (0.0, 0.0))[index] for e in recorded if e.operation == operation
        )

    assert writes == {
        capacity("PutItem", first): reported("PutItem", first, 1),
        capacity("PutItem", second): reported("PutItem", second, 1),
    }
    assert all(v > 0 for v in writes.values())
    assert reads == {
        capacity("GetItem", first): reported("GetItem", first, 0),
        capacity("TransactGetItems", first): reported("TransactGetItems", first, 0),
        capacity("TransactGetItems", second): reported("TransactGetItems", second, 0),
    }
    assert all(v > 0 for v in reads.values())


async def test_throttles_and_retries_are_counted(proxy: FaultProxy, table: str, endpoint: str) -> None:
    client = make_client(proxy.endpoint_url)
    with instrumented() as telemetry:
        proxy.throttle("GetItem", times=2)
        await client.get_item(table, KEY)
        proxy.fail("PutItem", times=1)
        await client.put_item(table, {**KEY, "v": 1})
        proxy.unprocessed("BatchWriteItem", times=1)
        await client.batch_write(table, put_items=[{"pk": "b", "sk": str(i)} for i in range(4)])
        throttles = telemetry.sums("pydynox.client.throttles")
        retries = telemetry.sums("pydynox.client.retries")

    get = operation("GetItem", table, proxy.endpoint_url)
    assert throttles == {get: 2}
    assert retries == {
        get | {("pydynox.retry.reason", "error")}: 2,
        operation("PutItem", table, proxy.endpoint_url) | {("pydynox.retry.reason", "error")}: 1,
        operation("BatchWriteItem", table, proxy.endpoint_url) | {("pydynox.retry.reason", "unprocessed")}: 1,
    }
