"""Per-request DynamoDB usage from the core's operation events: the RequestUsage dependency and the
X-DynamoDB-Usage / Server-Timing headers; concurrent requests each see only their own calls.

Through FastAPI with httpx, the lifespan running, against the moto server (and the fault proxy for
retries).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi_support import (  # noqa: F401 (an autouse fixture)
    default_client_restored,
    fresh_table,
    make_client,
)
from pydynox import DynamoDBClient, events
from pydynox_fastapi import ClientDep, RequestUsage, UsageHeaderMiddleware, pydynox_lifespan
from pydynox_fastapi.testing import lifespan_client
from support.fault_proxy import FaultProxy
from support.moto_server import MotoServer

HEADER = re.compile(
    r"calls=(?P<calls>\d+); rcu=(?P<rcu>[\d.e+-]+); wcu=(?P<wcu>[\d.e+-]+); "
    r"retries=(?P<retries>\d+); throttles=(?P<throttles>\d+); time_ms=(?P<ms>[\d.]+)"
)


def usage_app(client: DynamoDBClient, table: str, middleware: bool) -> FastAPI:
    app = FastAPI(lifespan=pydynox_lifespan(client))
    if middleware:
        app.add_middleware(UsageHeaderMiddleware)

    @app.post("/work/{pk}")
    async def work(pk: str, client: ClientDep, usage: RequestUsage, reads: int = 1) -> dict[str, Any]:
        await client.put_item(table, {"pk": pk, "sk": "1"})
        for _ in range(reads):
            await client.get_item(table, {"pk": pk, "sk": "1"}, consistent_read=True)
        return {"calls": usage.calls, "by_operation": usage.by_operation, "seconds": usage.time_in_dynamodb}

    @app.post("/sync-work/{pk}")
    def sync_work(pk: str, client: ClientDep, usage: RequestUsage) -> dict[str, Any]:
        client.sync_put_item(table, {"pk": pk, "sk": "1"})
        client.sync_get_item(table, {"pk": pk, "sk": "1"})
        return {"calls": usage.calls}

    @app.get("/nothing")
    async def nothing() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def header_of(response: Any) -> dict[str, float]:
    match = HEADER.fullmatch(response.headers["x-dynamodb-usage"])
    assert match, response.headers["x-dynamodb-usage"]
    return {k: float(v) for k, v in match.groupdict().items()}


async def test_the_dependency_counts_the_requests_calls(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        async with lifespan_client(usage_app(client, table, middleware=False)) as http:
            body = (await http.post("/work/a", params={"reads": 2})).json()
            sync_body = (await http.post("/sync-work/b")).json()
            plain = await http.get("/nothing")
        assert body["calls"] == 3 and body["by_operation"] == {"PutItem": 1, "GetItem": 2}
        assert body["seconds"] > 0
        assert sync_body["calls"] == 2  # a def endpoint's calls on a worker thread are counted too
        assert "x-dynamodb-usage" not in plain.headers


async def test_the_middleware_reports_usage_in_headers(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        seen: list[events.OperationEvent] = []
        async with lifespan_client(usage_app(client, table, middleware=True)) as http:
            with events.subscribe(seen.append):
                response = await http.post("/work/a", params={"reads": 3})
            sync_response = await http.post("/sync-work/b")
            plain = await http.get("/nothing")
        usage = header_of(response)
        # The dependency and the header read the same tracker.
        assert usage["calls"] == response.json()["calls"] == 4
        assert usage["retries"] == usage["throttles"] == 0 and usage["ms"] > 0
        # The capacity DynamoDB reported for the request's calls, summed.
        assert usage["rcu"] == pytest.approx(sum(e.consumed_rcu or 0 for e in seen)) and usage["rcu"] > 0
        assert usage["wcu"] == pytest.approx(sum(e.consumed_wcu or 0 for e in seen)) and usage["wcu"] > 0
        assert header_of(sync_response)["calls"] == 2
        assert header_of(plain)["calls"] == 0
        timing = response.headers["server-timing"]
        assert re.fullmatch(r'dynamodb;dur=[\d.]+;desc="4 calls"', timing)


async def test_concurrent_requests_each_count_only_their_own_calls(endpoint: str) -> None:
    client = make_client(endpoint)
    async with fresh_table(client) as table:
        async with lifespan_client(usage_app(client, table, middleware=True)) as http:
            reads = [i % 5 for i in range(30)]
            responses = await asyncio.gather(
                *(http.post(f"/work/u{i}", params={"reads": n}) for i, n in enumerate(reads))
            )
        assert [header_of(r)["calls"] for r in responses] == [n + 1 for n in reads]
        assert [r.json()["calls"] for r in responses] == [n + 1 for n in reads]


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


async def test_retries_and_throttles_are_reported(proxy: FaultProxy, moto_server: MotoServer) -> None:
    setup = make_client(moto_server.endpoint_url)
    async with fresh_table(setup) as table:
        client = make_client(proxy.endpoint_url, max_attempts=3)
        proxy.throttle("GetItem", times=2)
        async with lifespan_client(usage_app(client, table, middleware=True)) as http:
            response = await http.post("/work/a")
        usage = header_of(response)
        assert response.status_code == 200
        assert usage["calls"] == 2 and usage["retries"] == 2 and usage["throttles"] == 2


async def test_a_custom_header_name_and_no_server_timing(endpoint: str) -> None:
    app = FastAPI(lifespan=pydynox_lifespan(make_client(endpoint)))
    app.add_middleware(UsageHeaderMiddleware, header="X-Db", server_timing=False)

    @app.get("/nothing")
    async def nothing() -> None:
        return None

    async with lifespan_client(app) as http:
        response = await http.get("/nothing")
    assert response.headers["x-db"].startswith("calls=0;")
    assert "server-timing" not in response.headers
