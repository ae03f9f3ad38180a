"""One CLIENT span per operation, with the database conventions' attributes, against a real DynamoDB
API server: reads and writes, queries and scans, batches, transactions, PartiQL, errors, throttles."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pydynox_otel
import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult
from opentelemetry.trace import Span, SpanKind, StatusCode
from otel_testing import Telemetry, attrs, fresh_table, instrumented, make_client, unique_table
from pydynox import DynamoDBClient, OperationEvent, events
from pydynox.exceptions import ConditionalCheckFailedException, ProvisionedThroughputExceededException
from support.fault_proxy import FaultProxy
from support.twin import Twin

SECRET = "SECRET-VALUE-42"
KEY = {"pk": "USER#1", "sk": "PROFILE"}
ITEM = {**KEY, "name": SECRET, "n": 7}


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    with fresh_table(client) as name:
        yield name


@pytest.fixture
def proxy(http_endpoint: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the backend, for throttles, failures and unprocessed items."""
    with FaultProxy(http_endpoint) as p:
        yield p


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    with instrumented() as t:
        yield t


@pytest.fixture
def recorded() -> Iterator[list[OperationEvent]]:
    """The core's own events, to compare spans with."""
    seen: list[OperationEvent] = []
    with events.subscribe(seen.append):
        yield seen


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def server_of(event: OperationEvent) -> dict[str, Any]:
    """Where the core says the request went: ``127.0.0.1`` and moto's port, or the embedded engine's
    name (no port)."""
    assert event.server_address
    server: dict[str, Any] = {"server.address": event.server_address}
    if event.server_port is not None:
        server["server.port"] = event.server_port
    return server


def no_values_in(span: ReadableSpan) -> None:
    """Neither item values nor key values appear anywhere in the exported span."""
    exported = span.to_json()
    assert SECRET not in exported
    assert "USER#1" not in exported


@pytest.fixture(params=["async", "sync"])
def api(request: pytest.FixtureRequest, client: DynamoDBClient) -> Twin:
    """The async methods, or their ``sync_`` twins run in a worker thread (as an app's thread would)."""
    return Twin(client, str(request.param))


# ---------------------------------------------------------------------------------------------------
# items


async def test_get_item_is_one_client_span_timed_by_the_operation(
    api: Twin,
    client: DynamoDBClient,
    table: str,
    telemetry: Telemetry,
    recorded: list[OperationEvent],
) -> None:
    await client.put_item(table, ITEM)
    telemetry.clear_spans()
    recorded.clear()

    got = await api.get_item(table, KEY, consistent_read=True, projection=["name"])
    assert got == {"name": SECRET}

    span = telemetry.only_span()
    (event,) = recorded
    assert span.name == f"GetItem {table}"
    assert span.kind is SpanKind.CLIENT
    assert (span.start_time, span.end_time) == (event.start_time_ns, event.end_time_ns)
    assert span.status.status_code is StatusCode.UNSET
    attributes = attrs(span)
    assert attributes.pop("aws.request_id") == event.request_id
    capacity = [json.loads(c) for c in attributes.pop("aws.dynamodb.consumed_capacity")]
    assert event.consumed_rcu is not None and event.consumed_rcu > 0
    assert capacity == [
        {
            "TableName": table,
            "CapacityUnits": event.consumed_rcu,
            "ReadCapacityUnits": event.consumed_rcu,
            "WriteCapacityUnits": 0.0,
        }
    ]
    assert attributes == {
        "db.system.name": "aws.dynamodb",
        "db.operation.name": "GetItem",
        "db.collection.name": table,
        "db.namespace": "us-east-1",
        "cloud.region": "us-east-1",
        **server_of(event),
        "aws.dynamodb.table_names": (table,),
        "aws.dynamodb.consistent_read": True,
        # Names only, through placeholders: a projection never holds a value.
        "aws.dynamodb.projection": "#pj0",
    }
    no_values_in(span)


async def test_writes_carry_capacity_and_never_values(
    api: Twin, client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    await api.put_item(table, ITEM, condition_expression="attribute_not_exists(pk)")
    await api.update_item(table, KEY, updates={"name": SECRET + "!"})
    await api.delete_item(table, KEY)

    put, update, delete = telemetry.dynamodb_spans()
    assert [s.name for s in (put, update, delete)] == [
        f"PutItem {table}",
        f"UpdateItem {table}",
        f"DeleteItem {table}",
    ]
    for span in (put, update, delete):
        assert attrs(span)["aws.dynamodb.table_names"] == (table,)
        (capacity,) = attrs(span)["aws.dynamodb.consumed_capacity"]
        assert json.loads(str(capacity))["WriteCapacityUnits"] > 0
        # Expressions are off by default.
        assert not [k for k in attrs(span) if k.startswith("pydynox.expression")]
        assert "db.query.text" not in attrs(span)
        no_values_in(span)


# ---------------------------------------------------------------------------------------------------
# queries and scans


@pytest.fixture
def indexed_table(client: DynamoDBClient) -> Iterator[str]:
    gsi = [{"index_name": "by_name", "partition_key": ("name", "S"), "projection": "ALL"}]
    with fresh_table(client, global_secondary_indexes=gsi) as name:
        client.sync_batch_write(name, put_items=[{"pk": "p", "sk": f"{i:02}", "name": "n"} for i in range(6)])
        yield name


async def test_query_span_has_the_query_attributes(
    client: DynamoDBClient, indexed_table: str, telemetry: Telemetry
) -> None:
    items = await client.query(
        indexed_table,
        "pk = :p",
        filter_expression="#n = :n",
        projection_expression="pk, sk",
        expression_attribute_names={"#n": "name"},
        expression_attribute_values={":p": "p", ":n": "n"},
        page_size=4,
        scan_index_forward=False,
        consistent_read=True,
    ).all()
    assert len(items) == 6

    # One span per page request: two pages of at most 4.
    first, second = telemetry.dynamodb_spans()
    assert first.name == second.name == f"Query {indexed_table}"
    assert {
        k: v
        for k, v in attrs(first).items()
        if k.startswith("aws.dynamodb.") and k != "aws.dynamodb.consumed_capacity"
    } == {
        "aws.dynamodb.table_names": (indexed_table,),
        "aws.dynamodb.consistent_read": True,
        "aws.dynamodb.projection": "pk, sk",
        "aws.dynamodb.limit": 4,
        "aws.dynamodb.scan_forward": False,
        "aws.dynamodb.count": 4,
        "aws.dynamodb.scanned_count": 4,
    }
    assert attrs(second)["aws.dynamodb.count"] == 2

    telemetry.clear_spans()
    page = await client.query_page(
        indexed_table, "#n = :n", index_name="by_name", expression_attribute_names={"#n": "name"},
        expression_attribute_values={":n": "n"}, select="COUNT",
    )  # fmt: skip
    assert page.count == 6
    span = telemetry.only_span()
    assert attrs(span)["aws.dynamodb.index_name"] == "by_name"
    assert attrs(span)["aws.dynamodb.select"] == "COUNT"
    assert attrs(span)["aws.dynamodb.count"] == 6


def test_scan_span_has_segments(client: DynamoDBClient, indexed_table: str, telemetry: Telemetry) -> None:
    client.sync_scan_page(indexed_table, limit=3, segment=1, total_segments=2)
    span = telemetry.only_span()
    assert span.name == f"Scan {indexed_table}"
    assert attrs(span)["aws.dynamodb.segment"] == 1
    assert attrs(span)["aws.dynamodb.total_segments"] == 2
    assert attrs(span)["aws.dynamodb.limit"] == 3
    assert attrs(span)["aws.dynamodb.consistent_read"] is False
    assert "aws.dynamodb.scanned_count" in attrs(span)


# ---------------------------------------------------------------------------------------------------
# batches, transactions, PartiQL


async def test_batch_write_and_get_are_one_span_each_with_the_batch_size(
    api: Twin, client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    items = [{"pk": "b", "sk": f"{i:03}", "name": SECRET} for i in range(30)]
    keys = [{"pk": "b", "sk": f"{i:03}"} for i in range(30)]
    await api.batch_write(table, put_items=items)
    got = await api.batch_get(table, keys)
    assert len(got) == 30

    # 30 writes go out as two requests of at most 25; still one logical operation, one span.
    write, read = telemetry.dynamodb_spans()
    assert write.name == f"BatchWriteItem {table}"
    assert read.name == f"BatchGetItem {table}"
    for span in (write, read):
        assert attrs(span)["db.operation.batch.size"] == 30
        assert attrs(span)["aws.dynamodb.table_names"] == (table,)
        assert attrs(span)["aws.dynamodb.consumed_capacity"]
        no_values_in(span)


async def test_transactions_span_every_table(client: DynamoDBClient, telemetry: Telemetry) -> None:
    first, second = unique_table(), unique_table()
    await client.create_table(first, partition_key=("pk", "S"), wait=True)
    await client.create_table(second, partition_key=("pk", "S"), wait=True)
    telemetry.clear_spans()
    try:
        await client.transact_write(
            [
                {"type": "put", "table": first, "item": {"pk": "USER#1", "v": SECRET}},
                {"type": "put", "table": second, "item": {"pk": "USER#1", "v": SECRET}},
                {"type": "condition_check", "table": first, "key": {"pk": "nobody"},
                 "condition_expression": "attribute_not_exists(pk)"},
            ]
        )  # fmt: skip
        await client.transact_get(
            [{"table": first, "key": {"pk": "USER#1"}}, {"table": second, "key": {"pk": "USER#1"}}]
        )
        write, read = telemetry.dynamodb_spans()
        # Two tables: no single collection, so the span is named after the operation alone.
        assert write.name == "TransactWriteItems"
        assert read.name == "TransactGetItems"
        for span, size in ((write, 3), (read, 2)):
            assert "db.collection.name" not in attrs(span)
            assert set(attrs(span)["aws.dynamodb.table_names"]) == {first, second}
            assert attrs(span)["db.operation.batch.size"] == size
            no_values_in(span)
        charged = {json.loads(c)["TableName"] for c in attrs(read)["aws.dynamodb.consumed_capacity"]}
        assert charged == {first, second}
    finally:
        await client.delete_table(first)
        await client.delete_table(second)


async def test_partiql_statement_only_when_asked_and_without_literals(
    client: DynamoDBClient, table: str
) -> None:
    statement = f"SELECT * FROM \"{table}\" WHERE pk = 'USER#1' AND n = 7"
    with instrumented() as telemetry:
        await client.execute_statement(statement)
        span = telemetry.only_span()
        assert span.name == f"ExecuteStatement {table}"
        assert "db.query.text" not in attrs(span)
        no_values_in(span)
    with instrumented(capture_expressions=True) as telemetry:
        await client.execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', ["USER#1"])
        await client.execute_statement(statement)
        parameterized, literal = telemetry.dynamodb_spans()
        assert attrs(parameterized)["db.query.text"] == f'SELECT * FROM "{table}" WHERE pk = ?'
        assert attrs(literal)["db.query.text"] == f'SELECT * FROM "{table}" WHERE pk = ? AND n = ?'
        no_values_in(literal)


async def test_expressions_with_placeholders_when_asked(client: DynamoDBClient, table: str) -> None:
    with instrumented(capture_expressions=True) as telemetry:
        await client.put_item(table, ITEM, condition_expression="attribute_not_exists(pk)")
        await client.update_item(
            table, KEY, update_expression="SET #n = :v", condition_expression="#n <> :v",
            expression_attribute_names={"#n": "name"}, expression_attribute_values={":v": "new " + SECRET},
        )  # fmt: skip
        [_ async for _ in client.query(table, "pk = :p", filter_expression="n > :min",
                                       expression_attribute_values={":p": "USER#1", ":min": 1})]  # fmt: skip
        put, update, query = telemetry.dynamodb_spans()
    assert attrs(put)["pydynox.expression.condition"] == "attribute_not_exists(pk)"
    assert attrs(update)["pydynox.expression.update"] == "SET #n = :v"
    assert attrs(update)["pydynox.expression.condition"] == "#n <> :v"
    assert attrs(query)["pydynox.expression.key_condition"] == "pk = :p"
    assert attrs(query)["pydynox.expression.filter"] == "n > :min"
    for span in (put, update, query):
        no_values_in(span)


# ---------------------------------------------------------------------------------------------------
# errors, retries, throttles


async def test_conditional_check_failure_is_an_error_span(
    api: Twin, client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    await client.put_item(table, ITEM)
    telemetry.clear_spans()
    with pytest.raises(ConditionalCheckFailedException):
        await api.put_item(table, ITEM, condition_expression="attribute_not_exists(pk)")

    span = telemetry.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ConditionalCheckFailedException"
    assert attrs(span)["error.type"] == "ConditionalCheckFailedException"
    assert attrs(span)["db.response.status_code"] == "ConditionalCheckFailedException"
    assert attrs(span)["aws.request_id"]
    assert not span.events  # not retried, not throttled
    no_values_in(span)


async def test_throttles_retried_inside_one_span(proxy: FaultProxy, table: str, telemetry: Telemetry) -> None:
    client = make_client(proxy.endpoint_url, max_attempts=5)
    await client.put_item(table, ITEM)
    telemetry.clear_spans()
    proxy.throttle("GetItem", times=2)
    proxy.fail("GetItem", times=1, status=500, code="InternalServerError")

    assert await client.get_item(table, KEY) == ITEM
    assert [r.fault for r in proxy.requests if r.operation == "GetItem"] == [
        "throttle",
        "throttle",
        "fail",
        None,
    ]

    span = telemetry.only_span()  # four attempts, one logical operation
    assert span.status.status_code is StatusCode.UNSET
    assert attrs(span)["pydynox.attempts"] == 4
    assert attrs(span)["server.port"] == port_of(proxy.endpoint_url)
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        (
            "pydynox.throttle",
            {"error.type": "ProvisionedThroughputExceededException", "pydynox.retried": True},
        ),
        (
            "pydynox.throttle",
            {"error.type": "ProvisionedThroughputExceededException", "pydynox.retried": True},
        ),
        ("pydynox.retry", {"error.type": "InternalServerError", "pydynox.retried": True}),
    ]
    assert span.end_time is not None
    assert all(e.timestamp == span.end_time for e in span.events)


def test_throttling_that_exhausts_the_retries(proxy: FaultProxy, table: str, telemetry: Telemetry) -> None:
    client = make_client(proxy.endpoint_url, max_attempts=2)
    proxy.throttle("PutItem", times=2, code="ThrottlingException")
    with pytest.raises(ProvisionedThroughputExceededException):
        client.sync_put_item(table, ITEM)

    span = telemetry.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert attrs(span)["error.type"] == "ProvisionedThroughputExceededException"
    assert attrs(span)["db.response.status_code"] == "ThrottlingException"
    # The retried throttle and the one that ended the call.
    assert [(e.name, (e.attributes or {})["pydynox.retried"]) for e in span.events] == [
        ("pydynox.throttle", True),
        ("pydynox.throttle", False),
    ]


def test_unprocessed_items_rounds_are_span_events(
    proxy: FaultProxy, table: str, telemetry: Telemetry
) -> None:
    client = make_client(proxy.endpoint_url)
    proxy.unprocessed("BatchWriteItem", times=2, fraction=0.5)
    client.sync_batch_write(table, put_items=[{"pk": "u", "sk": str(i)} for i in range(10)])

    span = telemetry.only_span()
    assert span.status.status_code is StatusCode.UNSET
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        ("pydynox.unprocessed_retry", {"pydynox.unprocessed.round": 1}),
        ("pydynox.unprocessed_retry", {"pydynox.unprocessed.round": 2}),
    ]


# ---------------------------------------------------------------------------------------------------
# hooks, scoping, sampling, legacy names


def test_hooks_see_the_span_before_it_ends(client: DynamoDBClient, table: str) -> None:
    seen: list[tuple[str, bool, StatusCode]] = []

    def request_hook(span: Span, event: OperationEvent) -> None:
        assert span.is_recording()
        attributes = span.attributes
        assert attributes["aws.dynamodb.table_names"] == (table,)
        seen.append(("request", "aws.request_id" in attributes, span.status.status_code))
        span.set_attribute("app.tenant", "acme")

    def response_hook(span: Span, event: OperationEvent) -> None:
        seen.append(("response", event.ok, span.status.status_code))
        span.set_attribute("app.items", event.item_count or 0)

    with instrumented(request_hook=request_hook, response_hook=response_hook) as telemetry:
        client.sync_put_item(table, ITEM)
        with pytest.raises(ConditionalCheckFailedException):
            client.sync_put_item(table, ITEM, condition_expression="attribute_not_exists(pk)")
        ok, failed = telemetry.dynamodb_spans()

    assert seen == [
        ("request", False, StatusCode.UNSET),
        ("response", True, StatusCode.UNSET),
        ("request", False, StatusCode.UNSET),  # the request hook runs before the response is set
        ("response", False, StatusCode.ERROR),
    ]
    assert attrs(ok)["app.tenant"] == attrs(failed)["app.tenant"] == "acme"
    assert attrs(ok)["app.items"] == 0


def test_a_failing_hook_never_breaks_the_call(
    client: DynamoDBClient, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(span: Span, event: OperationEvent) -> None:
        raise RuntimeError("hook bug")

    with caplog.at_level(logging.ERROR, logger="pydynox_otel"):
        with instrumented(request_hook=broken, response_hook=broken) as telemetry:
            client.sync_put_item(table, ITEM)
            assert client.sync_get_item(table, KEY) == ITEM
            put, get = telemetry.dynamodb_spans()
    # Both spans are still complete and exported.
    assert attrs(get)["aws.dynamodb.consistent_read"] is False
    assert put.end_time is not None
    failures = [r for r in caplog.records if r.name == "pydynox_otel"]
    assert len(failures) == 4
    assert {r.exc_info[1].args[0] for r in failures if r.exc_info and r.exc_info[1]} == {"hook bug"}
    assert "request_hook" in failures[0].getMessage() and "response_hook" in failures[1].getMessage()


def test_instrumenting_one_client_leaves_the_others_alone(
    client: DynamoDBClient, table: str, endpoint: str
) -> None:
    other = make_client(endpoint)
    assert other.client_id != client.client_id
    with instrumented(client=client) as telemetry:
        other.sync_put_item(table, ITEM)
        client.sync_get_item(table, KEY)
        other.sync_get_item(table, KEY)
        span = telemetry.only_span()
        assert telemetry.histogram("db.client.operation.duration")[0].count == 1
    assert span.name == f"GetItem {table}"


def test_suppressed_instrumentation_emits_nothing(client: DynamoDBClient, table: str) -> None:
    with instrumented() as telemetry:
        with suppress_instrumentation():
            client.sync_put_item(table, ITEM)
        assert telemetry.dynamodb_spans() == []
        assert telemetry.points("db.client.operation.duration") == []
        client.sync_get_item(table, KEY)
        assert telemetry.only_span().name == f"GetItem {table}"


def test_a_sampled_out_span_still_counts_in_metrics(client: DynamoDBClient, table: str) -> None:
    exporter = InMemorySpanExporter()
    never = TracerProvider(sampler=ALWAYS_OFF)
    never.add_span_processor(SimpleSpanProcessor(exporter))
    seen: list[str] = []
    telemetry = Telemetry()
    pydynox_otel.instrument(
        tracer_provider=never,
        meter_provider=telemetry.meter_provider,
        response_hook=lambda span, event: seen.append(event.operation),
    )
    try:
        client.sync_put_item(table, ITEM)
    finally:
        pydynox_otel.uninstrument()
    assert exporter.get_finished_spans() == ()
    assert seen == []  # nothing to decorate: hooks only see recorded spans
    (point,) = telemetry.histogram("db.client.operation.duration")
    assert point.count == 1
    telemetry.shutdown()


def test_database_dup_also_emits_the_botocore_names(
    client: DynamoDBClient, table: str, recorded: list[OperationEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "http, database/dup")
    with instrumented() as telemetry:
        client.sync_get_item(table, KEY)
        span = telemetry.only_span()
    (event,) = recorded
    peer = {"net.peer.name": event.server_address}
    if event.server_port is not None:
        peer["net.peer.port"] = event.server_port
    assert span.name == "DynamoDB.GetItem"
    legacy = {k: v for k, v in attrs(span).items() if k.startswith(("db.", "rpc.", "aws.region", "net."))}
    assert legacy == {
        "db.system": "dynamodb", "db.operation": "GetItem", "rpc.system": "aws-api",
        "rpc.service": "DynamoDB", "rpc.method": "GetItem", "aws.region": "us-east-1", **peer,
        # ... next to the stable names, which stay.
        "db.system.name": "aws.dynamodb", "db.operation.name": "GetItem", "db.collection.name": table,
        "db.namespace": "us-east-1",
    }  # fmt: skip

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "database")
    with instrumented() as telemetry:
        client.sync_get_item(table, KEY)
        span = telemetry.only_span()
    assert span.name == f"GetItem {table}"
    assert "db.system" not in attrs(span)


class RecordingSampler(Sampler):
    """Samples everything, remembering the attributes each span started with."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def should_sample(
        self, parent_context: Any, trace_id: int, name: str, *args: Any, **kwargs: Any
    ) -> SamplingResult:
        attributes = kwargs.get("attributes", args[1] if len(args) > 1 else None)
        self.seen.append(dict(attributes or {}))
        return ALWAYS_ON.should_sample(parent_context, trace_id, name, *args, **kwargs)

    def get_description(self) -> str:
        return "RecordingSampler"


@pytest.mark.parametrize("with_request_hook", [False, True])
def test_the_sampler_sees_the_span_attributes(
    client: DynamoDBClient, table: str, with_request_hook: bool
) -> None:
    sampler = RecordingSampler()
    provider = TracerProvider(sampler=sampler)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry = Telemetry()
    hook = (lambda span, event: None) if with_request_hook else None
    pydynox_otel.instrument(
        tracer_provider=provider, meter_provider=telemetry.meter_provider, request_hook=hook
    )
    try:
        with pytest.raises(ConditionalCheckFailedException):
            client.sync_delete_item(table, KEY, condition_expression="attribute_exists(pk)")
    finally:
        pydynox_otel.uninstrument()
        telemetry.shutdown()
    (seen,) = sampler.seen
    (span,) = exporter.get_finished_spans()
    assert seen["error.type"] == "ConditionalCheckFailedException"
    assert seen["aws.dynamodb.table_names"] == (table,)
    if with_request_hook:
        # The request hook sees the span before the response's attributes: so does the sampler.
        assert "aws.request_id" not in seen
        assert set(seen) < set(attrs(span))
    else:
        assert seen == attrs(span)
