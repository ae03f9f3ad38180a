"""The test helpers: override_client (restores dependency_overrides and the default client, wins over
the lifespan's client whichever starts first) and lifespan_client / run_lifespan (the ASGI lifespan
protocol around httpx, failures surfaced, a state copy per request).

Against the moto server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    make_client,
)
from pydynox import DynamoDBClient, get_default_client
from pydynox_fastapi import ClientDep, get_client, pydynox_lifespan
from pydynox_fastapi.testing import LifespanError, lifespan_client, override_client, run_lifespan


def which_app(lifespan: Any = None) -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.get("/which")
    async def which(client: ClientDep) -> dict[str, Any]:
        default = get_default_client()
        return {"client": client.client_id, "default": default.client_id if default else None}

    return app


async def test_an_override_entered_first_is_what_the_lifespan_uses(endpoint: str) -> None:
    app_client, test_client = make_client(endpoint), make_client(endpoint)
    lifespan = pydynox_lifespan(app_client)
    app = which_app(lifespan)
    with override_client(app, test_client):
        async with lifespan_client(app) as http:
            assert (await http.get("/which")).json() == {
                "client": test_client.client_id,
                "default": test_client.client_id,
            }
    assert app.dependency_overrides == {}
    # Without the override, the app's own client is back.
    async with lifespan_client(app) as http:
        assert (await http.get("/which")).json()["client"] == app_client.client_id


async def test_an_override_inside_a_running_app_takes_over_and_gives_back(endpoint: str) -> None:
    app_client, test_client = make_client(endpoint), make_client(endpoint)
    app = which_app(pydynox_lifespan(app_client))
    async with lifespan_client(app) as http:
        with override_client(app, test_client):
            assert (await http.get("/which")).json() == {
                "client": test_client.client_id,
                "default": test_client.client_id,
            }
        assert (await http.get("/which")).json() == {
            "client": app_client.client_id,
            "default": app_client.client_id,
        }


async def test_override_restores_an_earlier_override(endpoint: str) -> None:
    first, second = make_client(endpoint), make_client(endpoint)
    app = which_app()

    async def earlier() -> DynamoDBClient:
        return first

    app.dependency_overrides[get_client] = earlier
    with override_client(app, second) as given:
        assert given is second and get_default_client() is second
        assert app.dependency_overrides[get_client] is not earlier
    assert app.dependency_overrides == {get_client: earlier}


async def test_override_works_without_any_lifespan(endpoint: str) -> None:
    client = make_client(endpoint)
    app = which_app()  # no pydynox_lifespan at all: the override alone serves the dependency
    with override_client(app, client):
        async with lifespan_client(app) as http:
            assert (await http.get("/which")).json()["client"] == client.client_id


def test_override_needs_a_client() -> None:
    with pytest.raises(TypeError, match="needs a DynamoDBClient"), override_client(FastAPI(), "memory://"):  # type: ignore[arg-type]
        pass


async def test_each_request_gets_its_own_copy_of_the_state(endpoint: str) -> None:
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"counter": 0}

    app = FastAPI(lifespan=pydynox_lifespan(make_client(endpoint), wrap=lifespan))

    @app.get("/bump")
    async def bump(request: Request) -> int:
        request.state.counter += 1
        return int(request.state.counter)

    async with lifespan_client(app) as http:
        assert [(await http.get("/bump")).json() for _ in range(3)] == [1, 1, 1]


async def test_startup_and_shutdown_run_around_the_block(endpoint: str) -> None:
    steps: list[str] = []

    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        steps.append("startup")
        yield
        steps.append("shutdown")

    app = which_app(pydynox_lifespan(make_client(endpoint), wrap=lifespan))
    async with lifespan_client(app) as http:
        assert steps == ["startup"]
        await http.get("/which")
    assert steps == ["startup", "shutdown"]


async def test_a_shutdown_failure_is_raised() -> None:
    class Broken(Exception):
        pass

    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        raise Broken("during shutdown")

    with pytest.raises(Broken, match="during shutdown"):
        async with run_lifespan(FastAPI(lifespan=lifespan)):
            pass


async def test_an_app_that_never_answers_times_out() -> None:
    async def stuck(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.sleep(60)
        yield

    with pytest.raises(LifespanError, match=r"did not complete lifespan.startup within 0.2 s"):
        async with run_lifespan(FastAPI(lifespan=stuck), timeout=0.2):
            pass


async def test_an_app_that_reports_failure_without_raising_is_a_lifespan_error() -> None:
    async def refusing(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(LifespanError, match="no database"):
        async with run_lifespan(refusing):
            pass
