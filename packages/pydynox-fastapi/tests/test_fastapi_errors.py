"""install_exception_handlers: each DynamoDB failure becomes its HTTP answer, with a stable code and a
body that never quotes item values or keys.

Real failures from the moto server, or injected by the fault proxy in front of it; through FastAPI
with httpx, the lifespan running.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    closed_port_url,
    default_client_restored,
    fresh_table,
    make_client,
    note_model,
)
from pydynox import DynamoDBClient
from pydynox.exceptions import CancellationReason, ResourceNotFoundException, TransactionCanceledException
from pydynox_fastapi import ClientDep, install_exception_handlers, pydynox_lifespan
from pydynox_fastapi.testing import lifespan_client
from support.fault_proxy import FaultProxy
from support.moto_server import MotoServer

SECRET = "a-value-that-must-never-leave-the-server"


def error_app(client: DynamoDBClient, table: str, **options: Any) -> FastAPI:
    Note = note_model(table)
    app = FastAPI(lifespan=pydynox_lifespan(client))
    install_exception_handlers(app, **options)

    @app.post("/notes/{pk}")
    async def create(pk: str) -> dict[str, str]:
        await Note(pk=pk, sk="1", text=SECRET).save(condition=Note.pk.not_exists())
        return {"created": pk}

    @app.post("/big/{pk}")
    async def big(pk: str) -> dict[str, str]:
        await Note(pk=pk, sk="1", text=SECRET * 20_000).save()
        return {"created": pk}

    @app.get("/raw/{pk}")
    async def raw(pk: str, client: ClientDep) -> Any:
        return await client.get_item(table, {"pk": pk, "sk": "1"})

    @app.post("/no-sort-key/{pk}")
    async def no_sort_key(pk: str, client: ClientDep) -> Any:
        # The item lacks the table's sort key: DynamoDB refuses it (ValidationException).
        return await client.put_item(table, {"pk": pk, "text": SECRET})

    @app.get("/missing-table")
    async def missing_table(client: ClientDep) -> Any:
        return await client.get_item("no-such-table-here", {"pk": SECRET})

    return app


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and set(body) == {"error", "message"}
    assert SECRET not in response.text


async def test_a_failed_condition_is_409(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        async with lifespan_client(error_app(client, table)) as http:
            assert (await http.post(f"/notes/{SECRET}")).status_code == 200
            conflict = await http.post(f"/notes/{SECRET}")
        assert_error(conflict, 409, "conditional_check_failed")


async def test_a_request_dynamodb_refuses_is_422_without_its_message(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        async with lifespan_client(error_app(client, table)) as http:
            invalid = await http.post(f"/no-sort-key/{SECRET}")
            too_large = await http.post(f"/big/{SECRET}")
        assert_error(invalid, 422, "validation_error")
        assert_error(too_large, 422, "item_too_large")


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    """Faults in front of moto (the proxy speaks HTTP to it)."""
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


async def test_throttling_is_429_with_retry_after(proxy: FaultProxy, moto_server: MotoServer) -> None:
    setup = make_client(moto_server.endpoint_url)
    async with fresh_table(setup) as table:
        client = make_client(proxy.endpoint_url, max_attempts=2)
        app = error_app(client, table, retry_after=7)
        proxy.throttle("GetItem", times=2)
        async with lifespan_client(app) as http:
            response = await http.get(f"/raw/{SECRET}")
            proxy.throttle("GetItem", times=2, code="ThrottlingException")
            again = await http.get(f"/raw/{SECRET}")
        assert_error(response, 429, "throttled")
        assert_error(again, 429, "throttled")
        assert response.headers["retry-after"] == again.headers["retry-after"] == "7"


async def test_dynamodb_failing_is_503(proxy: FaultProxy, moto_server: MotoServer) -> None:
    setup = make_client(moto_server.endpoint_url)
    async with fresh_table(setup) as table:
        client = make_client(proxy.endpoint_url, max_attempts=1)
        proxy.fail("GetItem", times=1, status=500)
        async with lifespan_client(error_app(client, table)) as http:
            response = await http.get(f"/raw/{SECRET}")
        assert_error(response, 503, "dynamodb_unavailable")
        assert response.headers["retry-after"] == "1"


async def test_a_timeout_is_503_dynamodb_timeout(proxy: FaultProxy, moto_server: MotoServer) -> None:
    setup = make_client(moto_server.endpoint_url)
    async with fresh_table(setup) as table:
        client = make_client(proxy.endpoint_url, max_attempts=1, operation_timeout=0.3)
        proxy.delay("GetItem", seconds=2.0)
        async with lifespan_client(error_app(client, table)) as http:
            response = await http.get(f"/raw/{SECRET}")
        assert_error(response, 503, "dynamodb_timeout")


async def test_unreachable_dynamodb_is_503(endpoint: str) -> None:
    client = make_client(closed_port_url(), max_attempts=1)
    async with lifespan_client(error_app(client, "never-created")) as http:
        response = await http.get(f"/raw/{SECRET}")
    assert_error(response, 503, "dynamodb_unavailable")


async def test_misconfiguration_is_not_mapped(endpoint: str) -> None:
    # A missing table is the service's fault, not the caller's: the app's 500 handling sees it.
    client = make_client(endpoint)
    async with lifespan_client(error_app(client, "never-created")) as http:
        with pytest.raises(ResourceNotFoundException):
            await http.get("/missing-table")


async def test_the_log_names_the_route_and_code_never_the_values(
    endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        async with lifespan_client(error_app(client, table)) as http:
            await http.post(f"/notes/{SECRET}")
            with caplog.at_level(logging.INFO, logger="pydynox_fastapi"):
                await http.post(f"/notes/{SECRET}")
    (record,) = [r for r in caplog.records if r.name == "pydynox_fastapi"]
    assert record.getMessage() == "POST /notes/{pk} answered 409 (conditional_check_failed)"
    assert record.pydynox_dynamodb_code == "ConditionalCheckFailedException"  # type: ignore[attr-defined]
    assert SECRET not in repr(record.__dict__)


def test_retry_after_must_be_whole_seconds() -> None:
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="retry_after"):
            install_exception_handlers(FastAPI(), retry_after=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reasons", "status", "code"),
    [
        (["ConditionalCheckFailed", None], 409, "conditional_check_failed"),
        (["TransactionConflict", "ConditionalCheckFailed"], 409, "transaction_conflict"),
        ([None, "ThrottlingError"], 429, "throttled"),
        (["ValidationError"], 422, "validation_error"),
    ],
)
async def test_a_cancelled_transaction_answers_by_its_reasons(
    endpoint: str, reasons: list[str | None], status: int, code: str
) -> None:
    # DynamoDB's cancellation reasons, as the core reports them (moto only produces the first kind).
    app = FastAPI(lifespan=pydynox_lifespan(make_client(endpoint)))
    install_exception_handlers(app)

    @app.post("/tx")
    async def tx() -> None:
        raise TransactionCanceledException(
            "Transaction cancelled",
            cancellation_reasons=[
                CancellationReason(i, r, None, {"pk": SECRET} if r else None) for i, r in enumerate(reasons)
            ],
        )

    async with lifespan_client(app) as http:
        assert_error(await http.post("/tx"), status, code)
