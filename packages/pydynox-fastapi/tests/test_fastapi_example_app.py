"""The example app (examples/fastapi_app/app.py), driven as a client would: CRUD, optimistic locking,
pages, the transactional move, error answers and the usage header.

The app is imported from its file with its settings in the environment; the tests swap in a client of
the test backend with ``override_client``, as an app's own tests would.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    make_client,
    unique_table,
)
from pydynox import DynamoDBClient
from pydynox_fastapi.testing import lifespan_client, override_client

APP_FILE = Path(__file__).resolve().parents[3] / "examples" / "fastapi_app" / "app.py"


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    """The example's module, imported with a fresh table name and a cursor secret (kept in the
    environment for the module's tests: the app reads the secret at startup)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TASKS_TABLE", unique_table("tasks"))
        env.setenv("TASKS_CREATE_TABLE", "1")
        env.setenv("TASKS_CURSOR_SECRET", "example-app-test-secret-0123456789")
        env.delenv("TASKS_ENDPOINT_URL", raising=False)
        spec = importlib.util.spec_from_file_location("fastapi_example_app", APP_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered first, as an import would: pydantic resolves the module's annotations through it.
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
            yield module
        finally:
            del sys.modules[spec.name]


@pytest.fixture
async def http(example: ModuleType, endpoint: str) -> AsyncIterator[httpx.AsyncClient]:
    client = make_client(endpoint)
    with override_client(example.app, client):
        async with lifespan_client(example.app) as http:
            yield http


@pytest.fixture(scope="module", autouse=True)
def drop_table(example: ModuleType, endpoint: str) -> Iterator[None]:
    yield
    client: DynamoDBClient = make_client(endpoint)
    if client.sync_table_exists(example.TABLE):
        client.sync_delete_table(example.TABLE)


async def test_create_read_update_delete(http: httpx.AsyncClient) -> None:
    created = await http.post("/owners/ana/tasks", json={"title": "write the docs"})
    assert created.status_code == 201
    task = created.json()
    assert task["owner"] == "ana" and task["title"] == "write the docs" and task["done"] is False
    assert len(task["task_id"]) == 26 and task["version"] == 1
    url = f"/owners/ana/tasks/{task['task_id']}"

    assert (await http.get(url)).json() == task
    updated = await http.patch(url, json={"done": True, "version": 1})
    assert updated.status_code == 200 and updated.json()["done"] is True and updated.json()["version"] == 2
    stale = await http.patch(url, json={"title": "again", "version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"

    assert (await http.delete(url)).status_code == 204
    gone = await http.get(url)
    assert gone.status_code == 404 and gone.json() == {"error": "not_found", "message": "Task not found"}
    assert (await http.delete(url)).status_code == 404


async def test_bad_input_is_refused(http: httpx.AsyncClient) -> None:
    assert (await http.post("/owners/ana/tasks", json={"title": ""})).status_code == 422
    assert (await http.get("/owners/ana/tasks", params={"limit": 0})).status_code == 422
    bad_cursor = await http.get("/owners/ana/tasks", params={"cursor": "made.up"})
    assert bad_cursor.status_code == 400 and bad_cursor.json()["error"] == "invalid_cursor"


async def test_listing_pages_through_an_owners_tasks(http: httpx.AsyncClient) -> None:
    ids = []
    for i in range(7):
        response = await http.post("/owners/bo/tasks", json={"title": f"task {i}"})
        ids.append(response.json()["task_id"])
    done = ids[1::2]
    for task_id in done:
        await http.patch(f"/owners/bo/tasks/{task_id}", json={"done": True, "version": 1})

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/owners/bo/tasks", params=params)).json()
        seen.extend(t["task_id"] for t in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # In key order: ULIDs sort by creation time to the millisecond (random within one).
    assert seen == sorted(ids) and pages == 3

    finished = (await http.get("/owners/bo/tasks", params={"done": True, "limit": 50})).json()
    assert [t["task_id"] for t in finished["items"]] == sorted(done) and finished["next_cursor"] is None
    # A cursor of the unfiltered list does not open the filtered one.
    first = (await http.get("/owners/bo/tasks", params={"limit": 2})).json()
    foreign = await http.get("/owners/bo/tasks", params={"done": True, "cursor": first["next_cursor"]})
    assert foreign.status_code == 400 and foreign.json()["error"] == "cursor_mismatch"


async def test_moving_a_task_is_one_transaction(
    http: httpx.AsyncClient, example: ModuleType, endpoint: str
) -> None:
    task = (await http.post("/owners/cy/tasks", json={"title": "move me"})).json()
    moved = await http.post(f"/owners/cy/tasks/{task['task_id']}/move", params={"to": "dee"})
    assert moved.status_code == 200 and moved.json() == {"owner": "dee", "task_id": task["task_id"]}
    assert (await http.get(f"/owners/cy/tasks/{task['task_id']}")).status_code == 404
    there = (await http.get(f"/owners/dee/tasks/{task['task_id']}")).json()
    assert there["title"] == "move me" and there["version"] == 1

    # The same id is taken at the target: refused, and nothing changes on either side.
    await make_client(endpoint).put_item(
        example.TABLE, {"owner": "fay", "task_id": task["task_id"], "title": "occupied", "version": 1}
    )
    clash = await http.post(f"/owners/dee/tasks/{task['task_id']}/move", params={"to": "fay"})
    assert clash.status_code == 409 and clash.json()["error"] == "conditional_check_failed"
    assert (await http.get(f"/owners/dee/tasks/{task['task_id']}")).json() == there
    assert (await http.get(f"/owners/fay/tasks/{task['task_id']}")).json()["title"] == "occupied"
    # Onto itself: DynamoDB refuses two operations on one item in a transaction.
    itself = await http.post(f"/owners/dee/tasks/{task['task_id']}/move", params={"to": "dee"})
    assert itself.status_code == 422 and itself.json()["error"] == "validation_error"


async def test_each_answer_reports_its_dynamodb_usage(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    created = await http.post("/owners/eve/tasks", json={"title": "count me"})
    read = await http.get(f"/owners/eve/tasks/{created.json()['task_id']}")
    assert re.match(r"calls=1; ", created.headers["x-dynamodb-usage"])
    assert re.match(r"calls=1; ", read.headers["x-dynamodb-usage"])
    assert re.match(r"calls=0; ", (await http.get("/healthz")).headers["x-dynamodb-usage"])
