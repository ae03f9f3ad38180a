"""Operation events: one per logical operation, with what happened (attempts, retries, batch facts),
delivered in the caller's context, never carrying item or key values, and never breaking a call."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydynox import DynamoDBClient, OperationEvent, events
from pydynox.exceptions import ConditionalCheckFailedException
from support.clients import make_client
from support.fault_proxy import FaultProxy

KEY = {"pk": "k", "sk": "1"}
ITEM = {**KEY, "v": "hello"}
SECRET = "SECRET-VALUE"


@pytest.fixture
def recorded() -> Iterator[list[OperationEvent]]:
    """Every event delivered while the test runs."""
    seen: list[OperationEvent] = []
    with events.subscribe(seen.append):
        yield seen
    assert events._listeners == ()


@pytest.fixture(autouse=True)
def no_listener_left_behind() -> Iterator[None]:
    assert events._listeners == ()
    yield
    assert events._listeners == ()


def server_of(endpoint: str) -> tuple[str | None, int | None]:
    """What events report as the server: host and port, or the engine's name for ``memory://``."""
    parts = urlsplit(endpoint)
    if parts.scheme == "memory":
        return parts.hostname, None
    assert parts.port is not None
    return parts.hostname, parts.port


def check_success(
    event: OperationEvent,
    operation: str,
    table: str,
    client: DynamoDBClient,
    server: tuple[str | None, int | None],
) -> None:
    assert event.operation == operation
    assert event.table == table
    assert event.duration > 0
    assert event.end_time_ns >= event.start_time_ns > 0
    assert event.attempts == 1
    assert event.retry_errors == []
    assert event.throttles == 0
    assert event.ok is True
    assert event.error_type is None
    assert event.error_code is None
    assert isinstance(event.request_id, str) and event.request_id
    assert event.client_id == client.client_id
    assert (event.server_address, event.server_port) == server


# ---------------------------------------------------------------------------------------------------
# one event per operation


def test_sync_put_and_get_events(
    client: DynamoDBClient, table: str, endpoint: str, recorded: list[OperationEvent]
) -> None:
    client.sync_put_item(table, ITEM)
    assert len(recorded) == 1
    check_success(recorded[0], "PutItem", table, client, server_of(endpoint))

    assert client.sync_get_item(table, KEY, consistent_read=True) == ITEM
    assert len(recorded) == 2
    get = recorded[1]
    check_success(get, "GetItem", table, client, server_of(endpoint))
    assert get.params["consistent_read"] is True


async def test_async_put_and_get_events(
    client: DynamoDBClient, table: str, endpoint: str, recorded: list[OperationEvent]
) -> None:
    await client.put_item(table, ITEM)
    assert len(recorded) == 1  # delivered before the awaiting code resumes
    check_success(recorded[0], "PutItem", table, client, server_of(endpoint))

    assert await client.get_item(table, KEY) == ITEM
    assert len(recorded) == 2
    get = recorded[1]
    check_success(get, "GetItem", table, client, server_of(endpoint))
    assert get.params["consistent_read"] is False


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_failed_conditional_put_event(
    client: DynamoDBClient, table: str, endpoint: str, mode: str, recorded: list[OperationEvent]
) -> None:
    await client.put_item(table, ITEM)
    recorded.clear()
    condition = "attribute_not_exists(pk)"
    with pytest.raises(ConditionalCheckFailedException):
        if mode == "sync":
            with pytest.warns(RuntimeWarning, match="sync_"):  # a blocking call inside the test's loop
                client.sync_put_item(table, ITEM, condition_expression=condition)
        else:
            await client.put_item(table, ITEM, condition_expression=condition)
    assert len(recorded) == 1
    event = recorded[0]
    assert event.operation == "PutItem"
    assert event.table == table
    assert event.ok is False
    assert event.error_code == "ConditionalCheckFailedException"
    assert event.error_type == "ConditionalCheckFailedException"
    assert event.attempts == 1
    assert event.retry_errors == []
    assert event.client_id == client.client_id
    assert (event.server_address, event.server_port) == server_of(endpoint)
    assert event.params["condition_expression"] == condition


# ---------------------------------------------------------------------------------------------------
# retries and batches


def test_retries_are_recorded_in_one_event(
    proxy: FaultProxy, table: str, recorded: list[OperationEvent]
) -> None:
    client = make_client(proxy.endpoint_url)
    client.sync_put_item(table, ITEM)
    recorded.clear()
    proxy.throttle("GetItem", times=2)
    assert client.sync_get_item(table, KEY) == ITEM
    assert [r.fault for r in proxy.requests if r.operation == "GetItem"] == ["throttle", "throttle", None]
    assert len(recorded) == 1
    event = recorded[0]
    assert event.operation == "GetItem"
    assert event.ok is True
    assert event.attempts == 3
    assert event.retry_errors == ["ProvisionedThroughputExceededException"] * 2
    assert event.throttles == 2
    assert (event.server_address, event.server_port) == server_of(proxy.endpoint_url)


async def test_async_retries_are_recorded_in_one_event(
    proxy: FaultProxy, table: str, recorded: list[OperationEvent]
) -> None:
    client = make_client(proxy.endpoint_url)
    await client.put_item(table, ITEM)
    recorded.clear()
    proxy.throttle("GetItem", times=2)
    assert await client.get_item(table, KEY) == ITEM
    assert len(recorded) == 1
    event = recorded[0]
    assert (event.attempts, event.throttles, event.ok) == (3, 2, True)
    assert event.retry_errors == ["ProvisionedThroughputExceededException"] * 2


def test_batch_write_event(client: DynamoDBClient, table: str, recorded: list[OperationEvent]) -> None:
    items = [{"pk": f"b{i:02d}", "sk": "1", "n": i} for i in range(30)]
    client.sync_batch_write(table, put_items=items)
    assert len(recorded) == 1
    event = recorded[0]
    assert event.operation == "BatchWriteItem"
    assert event.table == table
    assert event.batch_size == 30
    assert event.ok is True
    assert event.unprocessed_retries == 0
    assert event.attempts >= 2  # 30 writes need two requests of at most 25


def test_batch_write_unprocessed_retries(
    proxy: FaultProxy, table: str, recorded: list[OperationEvent]
) -> None:
    client = make_client(proxy.endpoint_url)
    proxy.unprocessed("BatchWriteItem", times=1)
    items = [{"pk": f"u{i:02d}", "sk": "1", "n": i} for i in range(30)]
    client.sync_batch_write(table, put_items=items)
    assert len(recorded) == 1
    event = recorded[0]
    assert event.operation == "BatchWriteItem"
    assert event.batch_size == 30
    assert event.ok is True
    assert event.unprocessed_retries >= 1
    got = client.sync_batch_get(table, [{"pk": it["pk"], "sk": "1"} for it in items])
    assert sorted(got, key=lambda i: i["pk"]) == items


# ---------------------------------------------------------------------------------------------------
# context


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_ID")


async def test_events_run_in_the_callers_context(client: DynamoDBClient, table: str) -> None:
    await client.put_item(table, ITEM)
    seen: list[tuple[bool, str | None]] = []

    def listener(event: OperationEvent) -> None:
        if event.operation == "GetItem":
            seen.append((event.params["consistent_read"], REQUEST_ID.get(None)))

    async def task(value: str, consistent: bool) -> Any:
        REQUEST_ID.set(value)
        return await client.get_item(table, KEY, consistent_read=consistent)

    with events.subscribe(listener):
        # One task alone.
        assert await asyncio.create_task(task("solo", True)) == ITEM
        assert seen == [(True, "solo")]
        seen.clear()
        # Two at once, each with its own value (told apart by consistent_read).
        results = await asyncio.gather(task("task-a", True), task("task-b", False))
    assert results == [ITEM, ITEM]
    assert sorted(seen) == [(False, "task-b"), (True, "task-a")]
    assert REQUEST_ID.get(None) is None  # the tasks' values did not leak into this context


def test_sync_events_run_in_the_callers_context(client: DynamoDBClient, table: str) -> None:
    client.sync_put_item(table, ITEM)
    seen: list[str | None] = []
    token = REQUEST_ID.set("sync-caller")
    try:
        with events.subscribe(lambda event: seen.append(REQUEST_ID.get(None))):
            client.sync_get_item(table, KEY)
    finally:
        REQUEST_ID.reset(token)
    assert seen == ["sync-caller"]


# ---------------------------------------------------------------------------------------------------
# listener failures, unsubscribing, nobody listening


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_failing_listener_does_not_break_the_call(
    client: DynamoDBClient, table: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    await client.put_item(table, ITEM)
    after: list[str] = []

    def broken(event: OperationEvent) -> None:
        raise ValueError("listener is broken")

    caplog.set_level(logging.ERROR, logger="pydynox.events")
    with events.subscribe(broken), events.subscribe(lambda e: after.append(e.operation)):
        if mode == "sync":
            with pytest.warns(RuntimeWarning, match="sync_"):
                got = client.sync_get_item(table, KEY)
        else:
            got = await client.get_item(table, KEY)
    assert got == ITEM
    assert after == ["GetItem"]  # later listeners still ran
    failures = [r for r in caplog.records if r.name == "pydynox.events"]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], ValueError)
    assert "GetItem" in failures[0].getMessage()


def test_unsubscribe_stops_delivery(client: DynamoDBClient, table: str) -> None:
    seen: list[str] = []
    subscription = events.subscribe(lambda e: seen.append(e.operation))
    client.sync_put_item(table, ITEM)
    assert seen == ["PutItem"]
    subscription.unsubscribe()
    subscription.unsubscribe()  # idempotent
    assert events._listeners == ()
    client.sync_get_item(table, KEY)
    assert seen == ["PutItem"]


async def test_with_block_unsubscribes(client: DynamoDBClient, table: str) -> None:
    seen: list[str] = []
    with events.subscribe(lambda e: seen.append(e.operation)) as subscription:
        await client.put_item(table, ITEM)
        assert events._listeners == (subscription.listener,)
    assert events._listeners == ()
    await client.get_item(table, KEY)
    assert seen == ["PutItem"]


def test_one_listener_leaving_keeps_the_others(client: DynamoDBClient, table: str) -> None:
    first: list[str] = []
    second: list[str] = []
    with events.subscribe(lambda e: second.append(e.operation)):
        with events.subscribe(lambda e: first.append(e.operation)):
            client.sync_put_item(table, ITEM)
        client.sync_get_item(table, KEY)
    assert first == ["PutItem"]
    assert second == ["PutItem", "GetItem"]


def test_subscribe_rejects_non_callables() -> None:
    with pytest.raises(TypeError):
        events.subscribe("not callable")  # type: ignore[arg-type]
    assert events._listeners == ()


def test_calls_work_with_nobody_listening(client: DynamoDBClient, table: str) -> None:
    assert events._listeners == ()
    client.sync_put_item(table, ITEM)
    assert client.sync_get_item(table, KEY) == ITEM

    async def async_calls() -> Any:
        await client.put_item(table, {**ITEM, "v": "async"})
        return await client.get_item(table, KEY)

    assert asyncio.run(async_calls()) == {**ITEM, "v": "async"}
    assert events._listeners == ()


# ---------------------------------------------------------------------------------------------------
# no values


def _everything_in(event: OperationEvent) -> list[str]:
    texts = [repr(event), str(event), repr(event.params)]
    for name in dir(event):
        if name.startswith("__"):
            continue
        texts.append(f"{name}={getattr(event, name)!r}")
    return texts


def test_events_never_carry_values(
    client: DynamoDBClient, table: str, recorded: list[OperationEvent]
) -> None:
    key = {"pk": f"{SECRET}-pk", "sk": f"{SECRET}-sk"}
    item = {**key, "v": SECRET, "nested": {"inner": [SECRET, {"deep": SECRET}]}, "tags": {SECRET}}
    client.sync_put_item(table, item)
    client.sync_put_item(
        table,
        item,
        condition_expression="attribute_exists(pk) AND v = :v",
        expression_attribute_values={":v": SECRET},
    )
    with pytest.raises(ConditionalCheckFailedException):
        client.sync_put_item(
            table,
            item,
            condition_expression="v <> :v",
            expression_attribute_values={":v": SECRET},
            return_values_on_condition_check_failure=True,
        )
    assert client.sync_get_item(table, key, projection=["v"]) == {"v": SECRET}
    client.sync_update_item(table, key, updates={"v": f"{SECRET}-2"})
    client.sync_delete_item(table, key)

    assert [e.operation for e in recorded] == [
        "PutItem",
        "PutItem",
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
    ]
    assert recorded[1].params["condition_expression"] == "attribute_exists(pk) AND v = :v"
    for event in recorded:
        for text in _everything_in(event):
            assert SECRET not in text, text


def test_reprs_read_as_python(client: DynamoDBClient, table: str, recorded: list[OperationEvent]) -> None:
    metrics = client.sync_put_item(table, ITEM)
    text = repr(metrics)
    assert text.startswith("OperationMetrics(duration_ms=")
    assert "Some(" not in text
    assert "items_count=None" in text
    assert f"attempts={metrics.attempts}" in text
    assert (f"request_id='{metrics.request_id}'" if metrics.request_id else "request_id=None") in text
    event = recorded[-1]
    assert repr(event).startswith(f"OperationEvent(operation='PutItem', table='{table}', duration=")
    assert repr(event).endswith("error_code=None)")
