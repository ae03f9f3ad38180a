"""The glue to the embedded engine's pytest fixtures: ``pydynox_app_client`` runs an app with its
lifespan on a fresh, seeded engine per test, reached by Depends(get_client) and by models alike.
"""

# No `from __future__ import annotations`: FastAPI must resolve the endpoints' annotations.

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi_support import default_client_restored  # noqa: F401 (an autouse fixture)
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey
from pydynox_fastapi import ClientDep, install_exception_handlers, item_or_404, pydynox_lifespan

# How an app's test suite enables the glue (in its root conftest.py).
pytest_plugins = ["pydynox_fastapi.pytest_plugin"]


class Note(DynamoModel, table="fastapi_engine_notes"):
    pk: Annotated[str, PartitionKey()]
    sk: Annotated[str, SortKey()]
    text: str = ""


@pytest.fixture
def pydynox_seed() -> dict[str, Any]:
    return {"models": [Note], "items": [Note(pk="seeded", sk="1", text="from the seed")]}


@pytest.fixture
def app() -> FastAPI:
    # Pointed at a closed port: only the engine's override can make these requests work.
    app = FastAPI(lifespan=pydynox_lifespan(region="us-east-1", endpoint_url="http://127.0.0.1:9"))
    install_exception_handlers(app)

    @app.get("/notes/{pk}/{sk}")
    async def read(note: Annotated[Note, Depends(item_or_404(Note))]) -> Note:
        return note

    @app.put("/notes/{pk}/{sk}")
    async def write(pk: str, sk: str, text: str, client: ClientDep) -> dict[str, str]:
        await client.put_item("fastapi_engine_notes", {"pk": pk, "sk": sk, "text": text})
        return {"written": sk}

    return app


async def test_the_app_runs_on_a_seeded_engine(
    pydynox_app_client: httpx.AsyncClient, pydynox_memory_backend_seeded: Any
) -> None:
    seeded = await pydynox_app_client.get("/notes/seeded/1")
    assert seeded.json() == {"pk": "seeded", "sk": "1", "text": "from the seed"}
    assert (await pydynox_app_client.put("/notes/new/1", params={"text": "hi"})).status_code == 200
    assert (await pydynox_app_client.get("/notes/new/1")).json()["text"] == "hi"
    engine = pydynox_memory_backend_seeded.client
    assert await engine.get_item("fastapi_engine_notes", {"pk": "new", "sk": "1"}) == {
        "pk": "new",
        "sk": "1",
        "text": "hi",
    }


async def test_every_test_has_its_own_engine(pydynox_app_client: httpx.AsyncClient) -> None:
    # The previous test's write is not here.
    assert (await pydynox_app_client.get("/notes/new/1")).status_code == 404
    assert (await pydynox_app_client.get("/notes/seeded/1")).status_code == 200


async def test_the_engines_fault_injection_reaches_the_app(
    pydynox_app_client: httpx.AsyncClient, pydynox_memory_backend_seeded: Any
) -> None:
    engine = pydynox_memory_backend_seeded
    engine.throttle(10, operations=["GetItem"])  # more than the SDK's retries
    throttled = await pydynox_app_client.get("/notes/seeded/1")
    engine.clear_faults()
    engine.server_error(10, operations=["GetItem"])
    failing = await pydynox_app_client.get("/notes/seeded/1")
    engine.clear_faults()
    assert throttled.status_code == 429 and throttled.json()["error"] == "throttled"
    assert failing.status_code == 503 and failing.json()["error"] == "dynamodb_unavailable"
    assert (await pydynox_app_client.get("/notes/seeded/1")).status_code == 200
