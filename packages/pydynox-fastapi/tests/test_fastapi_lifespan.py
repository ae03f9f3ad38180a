"""pydynox_lifespan: one client per process in lifespan state, the default client while the app runs,
composition with an app's own lifespan, and reuse when the lifespan runs again (Mangum).

Every test goes through FastAPI with httpx, the lifespan running, against the moto server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    fresh_table,
    make_client,
    note_model,
)
from pydynox import events, get_default_client, set_default_client
from pydynox_fastapi import STATE_KEY, ClientDep, pydynox_lifespan, pydynox_router
from pydynox_fastapi.testing import lifespan_client

CREDS = {"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}


def client_app(lifespan: Any) -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.get("/client")
    async def which(client: ClientDep) -> dict[str, Any]:
        default = get_default_client()
        return {"id": client.client_id, "default": default.client_id if default else None}

    return app


async def test_one_client_in_state_and_as_the_default_while_the_app_runs(endpoint: str) -> None:
    lifespan = pydynox_lifespan(endpoint_url=endpoint, **CREDS)
    app = client_app(lifespan)
    assert lifespan.client is None  # nothing is built before startup
    async with lifespan_client(app) as http:
        first = (await http.get("/client")).json()
        second = (await http.get("/client")).json()
        assert lifespan.client is not None and lifespan.client.endpoint_url == endpoint
        assert first == second == {"id": lifespan.client.client_id, "default": lifespan.client.client_id}
        assert get_default_client() is lifespan.client
    # Shutdown hands the default back (the autouse fixture checks it is the one from before).
    assert get_default_client() is not lifespan.client


async def test_models_use_the_lifespan_client(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        Note = note_model(table)
        app = FastAPI(lifespan=pydynox_lifespan(endpoint_url=endpoint, **CREDS))

        @app.put("/notes/{pk}/{sk}")
        async def put(pk: str, sk: str, text: str) -> dict[str, str]:
            await Note(pk=pk, sk=sk, text=text).save()
            return {"ok": "yes"}

        async with lifespan_client(app) as http:
            assert (await http.put("/notes/a/1", params={"text": "hello"})).status_code == 200
        assert (await client.get_item(table, {"pk": "a", "sk": "1"})) == {
            "pk": "a",
            "sk": "1",
            "text": "hello",
        }


async def test_startup_does_no_network_io() -> None:
    # Nothing listens there: a startup that connected, resolved credentials or pinged would fail.
    seen: list[events.OperationEvent] = []
    lifespan = pydynox_lifespan(endpoint_url="http://127.0.0.1:9", **CREDS)
    with events.subscribe(seen.append):
        async with lifespan_client(client_app(lifespan)) as http:
            assert (await http.get("/client")).status_code == 200
    assert seen == []


async def test_running_again_reuses_the_process_client(endpoint: str) -> None:
    lifespan = pydynox_lifespan(endpoint_url=endpoint, **CREDS)
    app = client_app(lifespan)
    ids = []
    for _ in range(3):  # Mangum runs startup and shutdown around every Lambda invocation
        async with lifespan_client(app) as http:
            ids.append((await http.get("/client")).json()["id"])
    assert ids == [ids[0]] * 3
    assert lifespan.client is not None and lifespan.client.client_id == ids[0]


def test_mangum_invocations_share_one_client(endpoint: str) -> None:
    mangum = pytest.importorskip("mangum")
    lifespan = pydynox_lifespan(endpoint_url=endpoint, **CREDS)
    event = {
        "version": "2.0",
        "routeKey": "GET /client",
        "rawPath": "/client",
        "rawQueryString": "",
        "headers": {"host": "example.com"},
        "requestContext": {
            "http": {"method": "GET", "path": "/client", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    # Mangum drives the app on the thread's current event loop (a warm Lambda keeps it); the test
    # owns that loop so it can close it.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        handler = mangum.Mangum(client_app(lifespan), lifespan="auto")
        answers = [json.loads(handler(event, {})["body"]) for _ in range(2)]
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert answers[0]["id"] == answers[1]["id"] == lifespan.client.client_id  # type: ignore[union-attr]


async def test_wrapping_form_runs_the_apps_lifespan_with_the_client_ready(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        Note = note_model(table)
        steps: list[str] = []

        async def app_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
            # The default client is already in place: startup code can use models.
            await Note(pk="boot", sk="0", text="seeded at startup").save()
            steps.append("startup")
            yield {"greeting": "hi"}
            steps.append("shutdown")
            assert get_default_client() is not None  # still there during the app's own shutdown

        app = FastAPI(lifespan=pydynox_lifespan(client, wrap=app_lifespan))

        @app.get("/boot")
        async def boot(request: Request, client: ClientDep) -> dict[str, Any]:
            note = await Note.get(pk="boot", sk="0")
            return {"greeting": request.state.greeting, "text": note.text if note else None}

        async with lifespan_client(app) as http:
            assert (await http.get("/boot")).json() == {"greeting": "hi", "text": "seeded at startup"}
        assert steps == ["startup", "shutdown"]


async def test_wrapping_form_takes_an_async_context_manager_factory(endpoint: str) -> None:
    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    client = make_client(endpoint)
    async with lifespan_client(client_app(pydynox_lifespan(client, wrap=app_lifespan))) as http:
        assert (await http.get("/client")).json()["id"] == client.client_id


async def test_router_form_composes_with_the_apps_own_lifespan(endpoint: str) -> None:
    async def own(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"mine": 1}

    client = make_client(endpoint)
    app = FastAPI(lifespan=own)
    app.include_router(pydynox_router(client))

    @app.get("/both")
    async def both(request: Request, client: ClientDep) -> dict[str, Any]:
        return {"mine": request.state.mine, "id": client.client_id}

    async with lifespan_client(app) as http:
        assert (await http.get("/both")).json() == {"mine": 1, "id": client.client_id}


async def test_set_default_false_leaves_the_default_alone(endpoint: str) -> None:
    mine = make_client(endpoint)
    theirs = make_client(endpoint)
    before = get_default_client()
    set_default_client(theirs)
    try:
        app = client_app(pydynox_lifespan(mine, set_default=False))
        async with lifespan_client(app) as http:
            assert (await http.get("/client")).json() == {"id": mine.client_id, "default": theirs.client_id}
        assert get_default_client() is theirs
    finally:
        if before is None:
            from pydynox import clear_default_client

            clear_default_client()
        else:
            set_default_client(before)


async def test_the_previous_default_comes_back_at_shutdown(endpoint: str) -> None:
    mine, theirs = make_client(endpoint), make_client(endpoint)
    before = get_default_client()
    set_default_client(theirs)
    try:
        async with lifespan_client(client_app(pydynox_lifespan(mine))) as http:
            assert (await http.get("/client")).json()["default"] == mine.client_id
        assert get_default_client() is theirs
    finally:
        if before is not None:
            set_default_client(before)
        else:
            from pydynox import clear_default_client

            clear_default_client()


async def test_a_failing_app_lifespan_fails_startup_and_releases_the_default(endpoint: str) -> None:
    class Boom(Exception):
        pass

    async def broken(app: FastAPI) -> AsyncIterator[None]:
        raise Boom("no config")
        yield

    before = get_default_client()
    with pytest.raises(Boom, match="no config"):
        async with lifespan_client(client_app(pydynox_lifespan(make_client(endpoint), wrap=broken))):
            pass
    assert get_default_client() is before


def test_the_state_key_is_public() -> None:
    assert STATE_KEY == "pydynox_client"


def test_bad_arguments_are_refused_when_the_lifespan_is_defined(endpoint: str) -> None:
    with pytest.raises(TypeError, match=r"\['regoin'\]"):
        pydynox_lifespan(regoin="us-east-1")
    with pytest.raises(TypeError, match="a client or client options, not both"):
        pydynox_lifespan(make_client(endpoint), region="us-east-1")
    with pytest.raises(TypeError, match="needs a DynamoDBClient"):
        pydynox_lifespan("us-east-1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wrap"):
        pydynox_lifespan(wrap="lifespan")  # type: ignore[arg-type]


async def test_a_wrap_that_is_not_a_lifespan_fails_startup_with_a_clear_error(endpoint: str) -> None:
    def not_a_lifespan(app: FastAPI) -> int:
        return 1

    app = client_app(pydynox_lifespan(make_client(endpoint), wrap=not_a_lifespan))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async generator function or return an async context manager"):
        async with lifespan_client(app):
            pass
