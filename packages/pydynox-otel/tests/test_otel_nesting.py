"""DynamoDB spans land under the span of whoever made the call: a FastAPI request (through the ASGI
instrumentation), a Lambda invocation, an asyncio task, a worker thread that carries the context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from otel_testing import Telemetry, fresh_table, instrumented, make_client
from pydynox import DynamoDBClient

ITEM = {"pk": "USER#1", "sk": "PROFILE", "name": "Ana"}


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    with fresh_table(client) as name:
        client.sync_put_item(name, ITEM)
        yield name


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    with instrumented() as t:
        yield t


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def assert_child(child: ReadableSpan, parent: ReadableSpan) -> None:
    assert parent_of(child) == parent.context.span_id
    assert child.context.trace_id == parent.context.trace_id


# ---------------------------------------------------------------------------------------------------
# FastAPI


def fastapi_app(client: DynamoDBClient, table: str, telemetry: Telemetry) -> FastAPI:
    app = FastAPI()

    @app.get("/users/{pk}")
    async def read_user(pk: str) -> dict[str, Any]:
        item = await client.get_item(table, {"pk": pk, "sk": "PROFILE"})
        return {"name": item["name"] if item else None}

    @app.get("/sync/users/{pk}")
    def read_user_sync(pk: str) -> dict[str, Any]:  # FastAPI runs it in its thread pool
        item = client.sync_get_item(table, {"pk": pk, "sk": "PROFILE"})
        return {"name": item["name"] if item else None}

    app.add_middleware(
        OpenTelemetryMiddleware,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
    )
    return app


@pytest.mark.parametrize("path", ["/users/USER%231", "/sync/users/USER%231"])
async def test_spans_nest_under_the_fastapi_request_span(
    path: str, client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    app = fastapi_app(client, table, telemetry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        first = await http.get(path)
        second = await http.get(path)
    assert first.json() == second.json() == {"name": "Ana"}

    servers = [s for s in telemetry.spans() if s.kind is SpanKind.SERVER]
    gets = telemetry.dynamodb_spans()
    assert len(servers) == len(gets) == 2
    for server, get in zip(servers, gets, strict=True):
        assert get.name == f"GetItem {table}"
        assert_child(get, server)
        # The retroactive span still sits inside its request in time.
        assert server.start_time is not None and server.end_time is not None
        assert get.start_time is not None and get.end_time is not None
        assert server.start_time <= get.start_time <= get.end_time <= server.end_time
    assert servers[0].context.trace_id != servers[1].context.trace_id


# ---------------------------------------------------------------------------------------------------
# Lambda


def test_spans_nest_under_each_lambda_invocation(
    client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    """A Lambda-style handler, invoked repeatedly in one warm process: one loop reused across
    invocations, each invocation under its own span (as the AWS Lambda instrumentation opens one)."""
    loop = asyncio.new_event_loop()

    async def work(event: dict[str, Any]) -> dict[str, Any] | None:
        return await client.get_item(table, {"pk": event["pk"], "sk": "PROFILE"})

    def async_handler(event: dict[str, Any], context: object) -> dict[str, Any] | None:
        with telemetry.tracer.start_as_current_span("invoke async", kind=SpanKind.SERVER):
            return loop.run_until_complete(work(event))

    def sync_handler(event: dict[str, Any], context: object) -> dict[str, Any] | None:
        with telemetry.tracer.start_as_current_span("invoke sync", kind=SpanKind.SERVER):
            return client.sync_get_item(table, {"pk": event["pk"], "sk": "PROFILE"})

    try:
        for _ in range(2):
            assert async_handler({"pk": "USER#1"}, None) == ITEM
            assert sync_handler({"pk": "USER#1"}, None) == ITEM
    finally:
        loop.close()

    invocations = [s for s in telemetry.spans() if s.kind is SpanKind.SERVER]
    gets = telemetry.dynamodb_spans()
    assert [s.name for s in invocations] == ["invoke async", "invoke sync"] * 2
    assert len(gets) == 4
    for invocation, get in zip(invocations, gets, strict=True):
        assert_child(get, invocation)
    assert len({s.context.trace_id for s in invocations}) == 4


class LambdaContext:
    """The parts of Lambda's context object a handler reads."""

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id
        self.function_name = "orders"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_spans_nest_inside_pydynox_lambda_handlers(
    client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    """``@pydynox_lambda.handler``, sync and async, invoked twice each in one warm process. The
    invocation span is opened around the handler, as the AWS Lambda instrumentation does; the async
    handler also opens a span of its own inside."""
    from pydynox_lambda import handler

    @handler(client=client, set_default=False)
    async def async_main(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        with telemetry.tracer.start_as_current_span("load order"):
            await client.get_item(table, {"pk": event["pk"], "sk": "PROFILE"})
        return await client.get_item(table, {"pk": event["pk"], "sk": "PROFILE"})

    @handler(client=client, set_default=False)
    def sync_main(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        return client.sync_get_item(table, {"pk": event["pk"], "sk": "PROFILE"})

    for n in range(2):
        for name, main in (("async", async_main), ("sync", sync_main)):
            with telemetry.tracer.start_as_current_span(f"invoke {name}", kind=SpanKind.SERVER):
                assert main({"pk": "USER#1"}, LambdaContext(f"req-{name}-{n}")) == ITEM

    spans = telemetry.spans()
    by_id = {s.context.span_id: s for s in spans}
    invocations = [s for s in spans if s.kind is SpanKind.SERVER]
    assert [s.name for s in invocations] == ["invoke async", "invoke sync"] * 2
    gets = telemetry.dynamodb_spans()
    assert len(gets) == 2 * (2 + 1)
    for invocation in invocations:
        mine = [g for g in gets if g.context.trace_id == invocation.context.trace_id]
        if invocation.name == "invoke async":
            inner, direct = mine
            load = by_id[parent_of(inner) or 0]
            assert load.name == "load order"
            assert_child(load, invocation)
            assert_child(direct, invocation)
        else:
            (direct,) = mine
            assert_child(direct, invocation)


# ---------------------------------------------------------------------------------------------------
# asyncio tasks and threads


async def test_concurrent_tasks_keep_their_own_parents(
    client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    both_started = asyncio.Barrier(2)

    async def task(name: str) -> None:
        with telemetry.tracer.start_as_current_span(name):
            await both_started.wait()  # the two tasks' calls interleave on the loop
            await asyncio.gather(
                *(client.get_item(table, {"pk": "USER#1", "sk": "PROFILE"}) for _ in range(3))
            )

    await asyncio.gather(task("task a"), task("task b"))

    parents = {s.context.span_id: s.name for s in telemetry.spans() if s.name.startswith("task")}
    gets = telemetry.dynamodb_spans()
    assert len(gets) == 6
    assert (
        sorted(parents[parent_of(g)] for g in gets if parent_of(g) in parents)
        == ["task a"] * 3 + ["task b"] * 3
    )


async def test_worker_threads_that_carry_the_context(
    client: DynamoDBClient, table: str, telemetry: Telemetry
) -> None:
    def read() -> dict[str, Any] | None:
        return client.sync_get_item(table, {"pk": "USER#1", "sk": "PROFILE"})

    with telemetry.tracer.start_as_current_span("request") as request:
        assert await asyncio.to_thread(read) == ITEM  # to_thread copies the context
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(contextvars.copy_context().run, read) for _ in range(2)]
            assert [f.result() for f in futures] == [ITEM, ITEM]
        # A bare thread starts with an empty context, as in any OpenTelemetry app: its call is a root.
        bare = threading.Thread(target=read)
        bare.start()
        bare.join()

    gets = telemetry.dynamodb_spans()
    assert len(gets) == 4
    nested = [g for g in gets if parent_of(g) == request.get_span_context().span_id]
    roots = [g for g in gets if g.parent is None]
    assert (len(nested), len(roots)) == (3, 1)
