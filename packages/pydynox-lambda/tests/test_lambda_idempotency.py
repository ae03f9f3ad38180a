"""``@idempotent`` on pydynox: one execution per key, concurrent duplicates refused, failures retried,
records in Powertools' schema."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from lambda_support import LambdaContext, make_client
from pydynox import DynamoDBClient
from pydynox_lambda import IdempotencyStore, current_invocation, handler, idempotent
from pydynox_lambda.idempotency import (
    COMPLETED,
    INPROGRESS,
    IdempotencyAlreadyInProgressError,
    IdempotencyKeyError,
    IdempotencyPersistenceLayerError,
    IdempotencyRecord,
    IdempotencyValidationError,
    RecordExists,
)


@pytest.fixture
def idem_table(client: DynamoDBClient) -> Iterator[str]:
    name = f"lambda-idem-{uuid.uuid4().hex[:8]}"
    client.sync_create_table(name, partition_key=("id", "S"), wait=True)
    yield name
    client.sync_delete_table(name)


@pytest.fixture
def store(client: DynamoDBClient, idem_table: str) -> IdempotencyStore:
    return IdempotencyStore(idem_table, client=client)


def stored(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    return list(client.sync_scan(table))


async def stored_async(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    return await client.scan(table).all()


async def test_a_second_call_replays_the_stored_response(
    store: IdempotencyStore, client: DynamoDBClient
) -> None:
    runs: list[dict[str, Any]] = []

    @idempotent(store=store)
    async def charge(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(event)
        return {"charged": event["amount"], "currency": "EUR"}

    event = {"order": "o-1", "amount": 12}
    assert await charge(event, LambdaContext()) == {"charged": 12, "currency": "EUR"}
    assert await charge(dict(event), LambdaContext()) == {"charged": 12, "currency": "EUR"}
    assert len(runs) == 1
    assert await charge({"order": "o-2", "amount": 3}, LambdaContext()) == {"charged": 3, "currency": "EUR"}
    assert len(runs) == 2

    (first, *_) = sorted(await stored_async(client, store.table_name), key=lambda r: r["data"])
    # Powertools' record schema: id = "<function>.<module>.<qualname>#<md5 of the event's JSON>".
    assert first["id"].startswith(f"test-func.{__name__}.")
    assert (
        first["id"].split("#")[1]
        == __import__("hashlib")
        .md5(json.dumps({"amount": 12, "order": "o-1"}, sort_keys=True).encode())
        .hexdigest()
    )
    assert first["status"] == COMPLETED and json.loads(first["data"]) == {"charged": 12, "currency": "EUR"}
    assert abs(first["expiration"] - (time.time() + 3600)) < 60
    assert isinstance(first["in_progress_expiration"], int)  # ms: the invocation's own deadline


async def test_concurrent_duplicates_run_once(store: IdempotencyStore) -> None:
    runs = 0
    release = asyncio.Event()

    @idempotent(store=store, key=lambda event: event["order"])
    async def ship(event: dict[str, Any], context: Any) -> str:
        nonlocal runs
        runs += 1
        await release.wait()
        return f"shipped {event['order']}"

    duplicates = [asyncio.create_task(ship({"order": "o-7", "try": i}, LambdaContext())) for i in range(8)]
    await asyncio.sleep(0.5)
    release.set()
    outcomes = await asyncio.gather(*duplicates, return_exceptions=True)
    assert runs == 1
    assert outcomes.count("shipped o-7") == 1
    assert all(isinstance(o, IdempotencyAlreadyInProgressError) for o in outcomes if o != "shipped o-7")
    assert await ship({"order": "o-7"}, LambdaContext()) == "shipped o-7" and runs == 1


def test_concurrent_duplicate_invocations_in_threads_run_once(endpoint: str, idem_table: str) -> None:
    """Sync handlers, duplicates arriving at once from several threads (as from several Lambda
    execution environments sharing the table)."""
    store = IdempotencyStore(idem_table, client=make_client(endpoint))
    runs = 0
    start = threading.Barrier(6)

    @idempotent(store=store)
    def ship(event: dict[str, Any], context: Any) -> str:
        nonlocal runs
        runs += 1
        time.sleep(0.5)
        return "shipped"

    outcomes: list[object] = []

    def invoke() -> None:
        start.wait()
        try:
            outcomes.append(ship({"order": "o-9"}, LambdaContext()))
        except IdempotencyAlreadyInProgressError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=invoke) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == 1
    assert outcomes.count("shipped") == 1 and len(outcomes) == 6


def test_idempotent_under_handler_uses_the_handler_client(endpoint: str, idem_table: str) -> None:
    store = IdempotencyStore(idem_table)  # no client: the default one @handler sets up
    runs = []

    @handler(client=make_client(endpoint))
    @idempotent(store=store, key="body.order_id")
    async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(current_invocation().request_id)  # type: ignore[union-attr]
        return {"ok": True}

    assert main({"body": {"order_id": "A1"}}, LambdaContext("r1")) == {"ok": True}
    assert main({"body": {"order_id": "A1"}, "retry": 1}, LambdaContext("r2")) == {"ok": True}
    assert runs == ["r1"]


async def test_a_failed_call_leaves_no_record_so_a_retry_runs_again(
    store: IdempotencyStore, client: DynamoDBClient
) -> None:
    attempts = 0

    @idempotent(store=store)
    async def flaky(event: Any, context: Any) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("payment provider down")
        return "paid"

    with pytest.raises(ConnectionError):
        await flaky({"order": 1}, LambdaContext())
    assert await stored_async(client, store.table_name) == []
    assert await flaky({"order": 1}, LambdaContext()) == "paid" and attempts == 2


async def test_payload_validation_refuses_a_different_payload_under_the_same_key(
    store: IdempotencyStore,
) -> None:
    @idempotent(store=store, key="order", payload_validation="amount")
    async def charge(event: dict[str, Any], context: Any) -> int:
        return int(event["amount"])

    assert await charge({"order": "o-1", "amount": 5}, LambdaContext()) == 5
    assert await charge({"order": "o-1", "amount": 5, "note": "retry"}, LambdaContext()) == 5
    with pytest.raises(IdempotencyValidationError):
        await charge({"order": "o-1", "amount": 6}, LambdaContext())


async def test_an_in_progress_record_whose_invocation_timed_out_is_taken_over(
    store: IdempotencyStore,
) -> None:
    @idempotent(store=store, key_prefix="orders")
    async def work(event: Any, context: Any) -> str:
        return "done"

    key = "orders#" + __import__("hashlib").md5(json.dumps({"n": 1}).encode()).hexdigest()
    now = time.time()
    crashed = IdempotencyRecord(key, INPROGRESS, int(now + 3600), int(now * 1000) - 1000)
    await store.put_in_progress(crashed)  # left behind by an invocation that died a second ago
    assert await work({"n": 1}, LambdaContext()) == "done"

    running = IdempotencyRecord(key.replace("#", "#x"), INPROGRESS, int(now + 3600), int(now * 1000) + 60_000)
    await store.put_in_progress(running)
    with pytest.raises(RecordExists) as exists:
        await store.put_in_progress(running)
    assert exists.value.existing is not None and exists.value.existing.status == INPROGRESS


async def test_an_event_without_a_key_runs_without_idempotency_or_raises(store: IdempotencyStore) -> None:
    runs = 0

    @idempotent(store=store, key="order")
    async def loose(event: Any, context: Any) -> int:
        nonlocal runs
        runs += 1
        return runs

    assert await loose({"other": 1}, LambdaContext()) == 1
    assert await loose({"other": 1}, LambdaContext()) == 2

    @idempotent(store=store, key="order", raise_on_no_idempotency_key=True)
    async def strict(event: Any, context: Any) -> None:
        return None

    with pytest.raises(IdempotencyKeyError):
        await strict({"other": 1}, LambdaContext())


def test_composite_keys_and_sync_handlers(client: DynamoDBClient) -> None:
    table = f"lambda-idem-{uuid.uuid4().hex[:8]}"
    client.sync_create_table(table, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    try:
        store = IdempotencyStore(
            table, client=client, key_attr="pk", sort_key_attr="sk", static_pk_value="orders"
        )
        runs = 0

        @idempotent(store=store)
        def main(event: Any, context: Any) -> list[int]:
            nonlocal runs
            runs += 1
            return [1, 2]

        assert main({"a": 1}, None) == [1, 2] and main({"a": 1}, None) == [1, 2] and runs == 1
        (item,) = stored(client, table)
        assert (
            item["pk"] == "orders"
            and item["sk"].startswith("test-func.")
            and "in_progress_expiration" not in item
        )
    finally:
        client.sync_delete_table(table)


async def test_store_failures_are_reported_as_persistence_errors(endpoint: str) -> None:
    store = IdempotencyStore("lambda-idem-missing-table", client=make_client(endpoint))

    @idempotent(store=store)
    async def main(event: Any, context: Any) -> None:
        return None

    with pytest.raises(IdempotencyPersistenceLayerError, match="put_in_progress") as failure:
        await main({"a": 1}, LambdaContext())
    assert type(failure.value.__cause__).__name__ == "ResourceNotFoundException"


def test_bad_settings_are_refused(store: IdempotencyStore) -> None:
    with pytest.raises(TypeError, match="IdempotencyStore"):
        idempotent(store="table")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expires_after_seconds"):
        idempotent(store=store, expires_after_seconds=0)
    with pytest.raises(ValueError, match="hash_function"):
        idempotent(store=store, hash_function="nope")(lambda event, context: None)
    with pytest.raises(ValueError, match="differ"):
        IdempotencyStore("t", key_attr="id", sort_key_attr="id")
