"""Depends(get_client) / ClientDep from def and async def endpoints, the error when the lifespan is
missing, and the unit of work: a transaction committed before the response is sent.

Through FastAPI with httpx, the lifespan running, against the moto server.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException, WebSocket
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    fresh_table,
    make_client,
    note_model,
)
from pydynox import DynamoDBClient, events
from pydynox_fastapi import (
    ClientDep,
    LifespanNotRunningError,
    UnitOfWork,
    get_client,
    install_exception_handlers,
    pydynox_lifespan,
)
from pydynox_fastapi.testing import lifespan_client, run_lifespan


async def test_the_client_reaches_def_and_async_def_endpoints(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        app = FastAPI(lifespan=pydynox_lifespan(client))

        @app.put("/async/{pk}")
        async def put_async(pk: str, client: ClientDep) -> dict[str, int]:
            await client.put_item(table, {"pk": pk, "sk": "a"})
            return {"id": client.client_id}

        @app.put("/sync/{pk}")
        def put_sync(pk: str, client: DynamoDBClient = Depends(get_client)) -> dict[str, int]:  # noqa: B008
            # A def endpoint runs on a worker thread: the blocking twin is the right call there.
            client.sync_put_item(table, {"pk": pk, "sk": "s"})
            return {"id": client.client_id}

        async with lifespan_client(app) as http:
            assert (await http.put("/async/u1")).json() == {"id": client.client_id}
            assert (await http.put("/sync/u1")).json() == {"id": client.client_id}
        assert await client.get_item(table, {"pk": "u1", "sk": "a"}) == {"pk": "u1", "sk": "a"}
        assert await client.get_item(table, {"pk": "u1", "sk": "s"}) == {"pk": "u1", "sk": "s"}


async def test_websocket_endpoints_get_the_client_too(endpoint: str) -> None:
    client = make_client(endpoint)
    app = FastAPI(lifespan=pydynox_lifespan(client))
    seen: list[int] = []

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, client: ClientDep) -> None:
        seen.append(client.client_id)
        await websocket.close()

    # httpx has no WebSocket client: speak the ASGI websocket protocol to the app directly.
    async with run_lifespan(app) as state:
        sent: list[dict[str, Any]] = []
        incoming = [{"type": "websocket.connect"}]

        async def receive() -> dict[str, Any]:
            return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b"", "state": dict(state)}
        await app(scope, receive, send)
    assert seen == [client.client_id]
    assert sent[-1]["type"] == "websocket.close"


async def test_without_the_lifespan_the_error_names_pydynox_lifespan() -> None:
    app = FastAPI()  # no pydynox_lifespan

    @app.get("/tables")
    async def tables(client: ClientDep) -> list[str]:
        return await client.list_tables()

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        with pytest.raises(LifespanNotRunningError, match=r"pydynox_lifespan\(") as caught:
            await http.get("/tables")
    assert "lifespan_client" in str(caught.value)


async def test_a_lifespan_that_is_not_run_gives_the_same_error(endpoint: str) -> None:
    app = FastAPI(lifespan=pydynox_lifespan(make_client(endpoint)))

    @app.get("/id")
    async def which(client: ClientDep) -> int:
        return client.client_id

    # ASGITransport alone never runs the lifespan.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        with pytest.raises(LifespanNotRunningError):
            await http.get("/id")


def transfer_app(client: DynamoDBClient, table: str) -> FastAPI:
    Note = note_model(table)
    app = FastAPI(lifespan=pydynox_lifespan(client))
    install_exception_handlers(app)

    @app.post("/pairs/{pk}")
    async def create_pair(pk: str, tx: UnitOfWork, fail: bool = False) -> dict[str, str]:
        tx.save(Note(pk=pk, sk="left", text="L"), condition=Note.pk.not_exists())
        tx.save(Note(pk=pk, sk="right", text="R"), condition=Note.pk.not_exists())
        if fail:
            raise HTTPException(400, "the caller asked for a failure")
        return {"created": pk}

    @app.post("/sync-pairs/{pk}")
    def create_pair_sync(pk: str, tx: UnitOfWork) -> dict[str, str]:
        tx.save(Note(pk=pk, sk="left", text="L"), condition=Note.pk.not_exists())
        tx.save(Note(pk=pk, sk="right", text="R"))
        return {"created": pk}

    return app


async def test_the_unit_of_work_commits_before_the_response(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        writes: list[events.OperationEvent] = []
        async with lifespan_client(transfer_app(client, table)) as http:
            with events.subscribe(writes.append):
                response = await http.post("/pairs/p1")
            # The commit was done when the response came back.
            assert [e.operation for e in writes] == ["TransactWriteItems"]
            assert (await http.post("/sync-pairs/p2")).status_code == 200
        assert response.status_code == 200 and response.json() == {"created": "p1"}
        for pk in ("p1", "p2"):
            assert (await client.get_item(table, {"pk": pk, "sk": "left"}) or {}).get("text") == "L"
            assert (await client.get_item(table, {"pk": pk, "sk": "right"}) or {}).get("text") == "R"


async def test_a_refused_transaction_is_the_response_not_a_log_line(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        await client.put_item(table, {"pk": "p1", "sk": "right", "text": "already here"})
        async with lifespan_client(transfer_app(client, table)) as http:
            response = await http.post("/pairs/p1")
        assert response.status_code == 409
        assert response.json()["error"] == "conditional_check_failed"
        # All or nothing: the other half was not written either.
        assert await client.get_item(table, {"pk": "p1", "sk": "left"}) is None
        assert (await client.get_item(table, {"pk": "p1", "sk": "right"}) or {})["text"] == "already here"


async def test_an_endpoint_that_raises_sends_nothing(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        writes: list[events.OperationEvent] = []
        async with lifespan_client(transfer_app(client, table)) as http:
            with events.subscribe(writes.append):
                response = await http.post("/pairs/p1", params={"fail": True})
        assert response.status_code == 400
        assert writes == []
        assert await client.get_item(table, {"pk": "p1", "sk": "left"}) is None
