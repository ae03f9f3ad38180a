"""Metrics: the conventions' duration and returned-rows histograms, and pydynox's capacity, throttle and
retry counters, read back from the SDK's InMemoryMetricReader after real calls."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pydynox_otel
import pytest
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.trace import NoOpTracerProvider
from otel_testing import Telemetry, fresh_table, instrumented, make_client, unique_table
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
def proxy(http_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(http_endpoint) as p:
        yield p


@pytest.fixture
def recorded() -> Iterator[list[OperationEvent]]:
    seen: list[OperationEvent] = []
    with events.subscribe(seen.append):
        yield seen


def operation(name: str, table: str, server: OperationEvent, **extra: Any) -> frozenset[tuple[str, Any]]:
    """The attribute set of one operation's duration point; ``server`` is an event of the same client
    (moto answers on 127.0.0.1 and a port, the embedded engine by its name)."""
    attributes = {
        "db.system.name": "aws.dynamodb",
        "db.operation.name": name,
        "db.collection.name": table,
        "db.namespace": "us-east-1",
        "server.address": server.server_address,
        **extra,
    }
    if server.server_port is not None:
        attributes["server.port"] = server.server_port
    return frozenset(attributes.items())


def capacity(name: str, table: str) -> frozenset[tuple[str, Any]]:
    return frozenset(
        {"db.system.name": "aws.dynamodb", "db.operation.name": name, "db.collection.name": table}.items()
    )


async def test_duration_histogram_per_operation_with_the_advised_buckets(
    client: DynamoDBClient, table: str, recorded: list[OperationEvent]
) -> None:
    with instrumented() as telemetry:
        await client.put_item(table, {**KEY, "v": 1})
        await client.get_item(table, KEY)
        client_get = await client.get_item(table, {"pk": "missing", "sk": "1"})
        assert client_get is None
        with pytest.raises(ConditionalCheckFailedException):
            await client.put_item(table, {**KEY, "v": 2}, condition_expression="attribute_not_exists(pk)")
        points = telemetry.histogram_by_attributes("db.client.operation.duration")

    server = recorded[0]
    failed = operation(
        "PutItem",
        table,
        server,
        **{
            "error.type": "ConditionalCheckFailedException",
            "db.response.status_code": "ConditionalCheckFailedException",
        },
    )
    assert set(points) == {
        operation("PutItem", table, server),
        operation("GetItem", table, server),
        failed,
    }
    get = points[operation("GetItem", table, server)]
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


async def test_throttles_and_retries_are_counted(
    proxy: FaultProxy, table: str, recorded: list[OperationEvent]
) -> None:
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

    through_proxy = recorded[0]
    assert through_proxy.server_port == urlsplit(proxy.endpoint_url).port
    get = operation("GetItem", table, through_proxy)
    put = operation("PutItem", table, through_proxy)
    batch = operation("BatchWriteItem", table, through_proxy)
    assert throttles == {get: 2}
    assert retries == {
        get | {("pydynox.retry.reason", "error")}: 2,
        put | {("pydynox.retry.reason", "error")}: 1,
        batch | {("pydynox.retry.reason", "unprocessed")}: 1,
    }


def test_instrumenting_again_keeps_counting_into_the_same_instruments(
    client: DynamoDBClient, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    telemetry = Telemetry()
    providers = {"tracer_provider": telemetry.tracer_provider, "meter_provider": telemetry.meter_provider}
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            pydynox_otel.instrument(**providers)
            client.sync_put_item(table, {**KEY, "v": 1})
            pydynox_otel.uninstrument()
    # A meter refuses a second instrument of the same name with a warning; none was attempted.
    assert "created already" not in caplog.text
    (duration,) = telemetry.histogram("db.client.operation.duration")
    assert duration.count == 2
    (writes,) = telemetry.sums("pydynox.client.consumed_write_capacity").values()
    assert writes == 2.0
    telemetry.shutdown()


async def test_every_capacity_measurement_reaches_the_sdk_and_none_is_zero(
    client: DynamoDBClient, table: str, recorded: list[OperationEvent]
) -> None:
    """A view the application configures sees each call's units as it happens (here: re-aggregated
    as a histogram, whose count is the number of measurements), and a call adds only the kind of
    units DynamoDB charged it: reads add no write units, writes no read units."""
    reader = InMemoryMetricReader()
    as_histogram = View(
        instrument_name="pydynox.client.consumed_*", aggregation=ExplicitBucketHistogramAggregation((0.5, 1))
    )
    meter_provider = MeterProvider(metric_readers=[reader], views=[as_histogram])
    pydynox_otel.instrument(tracer_provider=NoOpTracerProvider(), meter_provider=meter_provider)
    try:
        await client.put_item(table, {**KEY, "v": 1})
        for _ in range(3):
            await client.get_item(table, KEY)
        data = reader.get_metrics_data()
    finally:
        pydynox_otel.uninstrument()
        meter_provider.shutdown()

    assert data is not None
    points = {
        m.name: [(dict(p.attributes or {}), p.count, p.sum) for p in m.data.data_points]
        for r in data.resource_metrics
        for s in r.scope_metrics
        for m in s.metrics
    }
    reads = [e.consumed_by_table[table][0] for e in recorded if e.operation == "GetItem"]
    (write,) = [e.consumed_by_table[table][1] for e in recorded if e.operation == "PutItem"]
    assert len(reads) == 3 and all(units > 0 for units in reads) and write > 0
    assert points["pydynox.client.consumed_read_capacity"] == [
        (dict(capacity("GetItem", table)), 3, pytest.approx(sum(reads)))
    ]
    assert points["pydynox.client.consumed_write_capacity"] == [
        (dict(capacity("PutItem", table)), 1, pytest.approx(write))
    ]


def test_metrics_without_spans_and_spans_without_metrics(client: DynamoDBClient, table: str) -> None:
    """A no-op provider on one side silences that side only."""
    telemetry = Telemetry()
    pydynox_otel.instrument(tracer_provider=NoOpTracerProvider(), meter_provider=telemetry.meter_provider)
    try:
        client.sync_put_item(table, {**KEY, "v": 1})
    finally:
        pydynox_otel.uninstrument()
    assert [p.count for p in telemetry.histogram("db.client.operation.duration")] == [1]

    pydynox_otel.instrument(tracer_provider=telemetry.tracer_provider, meter_provider=NoOpMeterProvider())
    try:
        client.sync_get_item(table, KEY)
    finally:
        pydynox_otel.uninstrument()
    assert telemetry.only_span().name == f"GetItem {table}"
    assert [p.count for p in telemetry.histogram("db.client.operation.duration")] == [1]
    telemetry.shutdown()
