"""The functions in examples/lambda, invoked as Lambda would invoke them, against moto (which also
produces the stream records the consumer reads)."""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lambda_support import LambdaContext, create_stream_table, delete_table, make_client, stream_event
from pydynox import DynamoDBClient
from support.moto_server import MotoServer

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "lambda"


@pytest.fixture
def deployed(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The examples' tables, their environment, and the two modules imported fresh."""
    url = moto_server.endpoint_url
    suffix = uuid.uuid4().hex[:8]
    tables = {
        "ORDERS_TABLE": f"ex-orders-{suffix}",
        "IDEMPOTENCY_TABLE": f"ex-idem-{suffix}",
        "TOTALS_TABLE": f"ex-totals-{suffix}",
    }
    for name, value in tables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    client = make_client(url)
    create_stream_table(url, tables["ORDERS_TABLE"])
    client.sync_create_table(tables["IDEMPOTENCY_TABLE"], partition_key=("id", "S"), wait=True)
    client.sync_create_table(tables["TOTALS_TABLE"], partition_key=("pk", "S"), wait=True)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    for name in ("orders_api", "streams_consumer"):
        sys.modules.pop(name, None)
    modules: dict[str, ModuleType] = {
        name: importlib.import_module(name) for name in ("orders_api", "streams_consumer")
    }
    try:
        yield {"url": url, "client": client, "tables": tables, **modules}
    finally:
        for name in ("orders_api", "streams_consumer"):
            sys.modules.pop(name, None)
        for table in tables.values():
            delete_table(url, table)


def api_event(body: dict[str, Any] | str, key: str | None) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["idempotency-key"] = key
    return {
        "version": "2.0",
        "routeKey": "POST /orders",
        "headers": headers,
        "body": body if isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }


def test_orders_api_creates_each_order_once(
    deployed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    main = deployed["orders_api"].main
    order = {"order_id": "o-1", "customer": "ana", "total": "19.90"}

    created = main(api_event(order, "key-1"), LambdaContext())
    assert created["statusCode"] == 201
    assert json.loads(created["body"]) == {"order_id": "o-1", "status": "NEW", "dynamodb_calls": 2}
    # A retry of the same request replays the response; it does not run into the 409 below.
    assert main(api_event(order, "key-1"), LambdaContext()) == created
    assert main(api_event(order, "key-2"), LambdaContext())["statusCode"] == 409
    assert main(api_event("{not json", "key-3"), LambdaContext())["statusCode"] == 400

    client: DynamoDBClient = deployed["client"]
    stored = client.sync_get_item(deployed["tables"]["ORDERS_TABLE"], {"pk": "ORDER#o-1"})
    assert stored is not None and stored["total"] == Decimal("19.9") and stored["customer"] == "ana"
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    # Idempotency record and order writes, then the completed record; a replay needs no read (the
    # failed conditional put returns the stored record).
    assert {doc["operation"] for doc in emf} == {"PutItem", "UpdateItem"}


def test_streams_consumer_keeps_totals_from_real_stream_records(deployed: dict[str, Any]) -> None:
    api, consumer = deployed["orders_api"], deployed["streams_consumer"]
    for i, (customer, total) in enumerate([("ana", "10.50"), ("ana", "4.25"), ("bo", "7")]):
        body = {"order_id": f"o-{i}", "customer": customer, "total": total}
        assert api.main(api_event(body, f"k-{i}"), LambdaContext())["statusCode"] == 201
    client: DynamoDBClient = deployed["client"]
    orders = deployed["tables"]["ORDERS_TABLE"]
    client.sync_update_item(orders, {"pk": "ORDER#o-1"}, {"total": Decimal("5.25")})  # ana: 4.25 -> 5.25
    client.sync_delete_item(orders, {"pk": "ORDER#o-2"})  # bo's order goes away

    event = stream_event(deployed["url"], orders)
    assert [r["eventName"] for r in event["Records"]] == ["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE"]
    assert consumer.main(event, LambdaContext()) == {"batchItemFailures": []}

    totals = {t["customer"]: t for t in client.sync_scan(deployed["tables"]["TOTALS_TABLE"])}
    assert (totals["ana"]["orders"], totals["ana"]["spent"]) == (2, Decimal("15.75"))
    assert (totals["bo"]["orders"], totals["bo"]["spent"]) == (0, 0)
