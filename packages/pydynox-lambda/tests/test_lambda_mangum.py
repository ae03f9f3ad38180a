"""A FastAPI app under Mangum, its client made by ``pydynox_fastapi.pydynox_lifespan``, served by
``@handler``: the app runs on the process loop, requests use the lifespan's client (one for the life
of the process, though Mangum runs the lifespan around every invocation), and the invocation's usage,
request id and observers still apply."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI
from lambda_support import CREDENTIALS, REGION, LambdaContext, make_client
from mangum import Mangum
from pydynox import DynamoDBClient, Model, ModelConfig, get_default_client
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox_fastapi import ClientDep, pydynox_lifespan
from pydynox_lambda import EMFMetrics, current_invocation, event_loop, handler


class Ticket(Model):
    model_config = ModelConfig(table="lambda-mangum-tickets")
    pk = StringAttribute(partition_key=True)
    seats = NumberAttribute()


def http_event(method: str, path: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "tickets.example.com"},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def ticket_app(lifespan: Any) -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.post("/tickets/{ticket_id}")
    async def book(ticket_id: str, client: ClientDep) -> dict[str, Any]:
        await Ticket(pk=ticket_id, seats=2).save()  # the model finds the lifespan's client
        stored = await client.get_item("lambda-mangum-tickets", {"pk": ticket_id}, consistent_read=True)
        invocation = current_invocation()
        assert invocation is not None
        return {
            "client_id": client.client_id,
            "models_use_it": get_default_client() is client,
            "seats": int(stored["seats"]) if stored else None,
            "request_id": invocation.request_id,
            "calls": invocation.usage.calls,
            "loop": id(asyncio.get_running_loop()),
        }

    return app


def test_fastapi_lifespan_client_under_mangum_and_handler(endpoint: str, client: DynamoDBClient) -> None:
    client.sync_create_table("lambda-mangum-tickets", partition_key=("pk", "S"), wait=True)
    try:
        lifespan = pydynox_lifespan(region=REGION, endpoint_url=endpoint, **CREDENTIALS)
        docs: list[dict[str, Any]] = []
        main = handler(observers=[EMFMetrics("Tickets", emit=lambda d: docs.append(json.loads(d)))])(
            Mangum(ticket_app(lifespan), lifespan="auto")
        )
        answers = []
        for i in range(3):
            reply = main(http_event("POST", f"/tickets/t{i}"), LambdaContext(f"req-{i}"))
            assert reply["statusCode"] == 200, reply
            answers.append(json.loads(reply["body"]))
        process_client = lifespan.client
        assert process_client is not None
        assert [a["client_id"] for a in answers] == [process_client.client_id] * 3
        assert all(a["models_use_it"] and a["seats"] == 2 for a in answers)
        assert [a["request_id"] for a in answers] == ["req-0", "req-1", "req-2"]
        assert [a["calls"] for a in answers] == [2, 2, 2]  # per invocation
        assert {a["loop"] for a in answers} == {id(event_loop())}
        ops = sorted((d["function_request_id"], d["operation"]) for d in docs)
        assert ops == sorted((f"req-{i}", op) for i in range(3) for op in ("GetItem", "PutItem"))
        # Between invocations the lifespan has handed the default back to the handler's own client.
        assert get_default_client() is not None and get_default_client() is not process_client
    finally:
        client.sync_delete_table("lambda-mangum-tickets")


def test_one_client_for_handler_and_lifespan(endpoint: str) -> None:
    shared = make_client(endpoint)
    shared.sync_create_table("lambda-mangum-tickets", partition_key=("pk", "S"), wait=True)
    try:
        main = handler(client=shared, deadline_margin=1.0)(
            Mangum(ticket_app(pydynox_lifespan(shared)), lifespan="auto")
        )
        first = json.loads(main(http_event("POST", "/tickets/a"), LambdaContext("r-a"))["body"])
        second = json.loads(main(http_event("POST", "/tickets/b"), LambdaContext("r-b"))["body"])
        assert first["client_id"] == second["client_id"] == shared.client_id
        assert get_default_client() is shared
    finally:
        shared.sync_delete_table("lambda-mangum-tickets")
