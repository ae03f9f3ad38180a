"""Powertools interop: Logger, Tracer and Metrics decorators stacked with ``@handler`` in either order,
for async and sync handlers; the EMF metrics sink and the Logger enrichment; the idempotency
persistence layer, alone and sharing a table with Powertools' own boto3 layer."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from lambda_support import LambdaContext, boto_kwargs, make_client
from pydynox import BatchWriter, DynamoDBClient
from pydynox_lambda import EMFMetrics, current_invocation, handler
from pydynox_lambda.powertools import LoggerEnrichment, PydynoxPersistenceLayer
from support.fault_proxy import FaultProxy


class Tools:
    """One set of Powertools utilities with their outputs captured."""

    def __init__(self) -> None:
        self.log_stream = io.StringIO()
        self.service = f"orders-{uuid.uuid4().hex[:6]}"
        self.logger = Logger(service=self.service, stream=self.log_stream, level="DEBUG")
        self.tracer = Tracer(service=self.service)
        self.metrics = Metrics(namespace="Shop", service=self.service)
        self.emf: list[dict[str, Any]] = []
        self.observers = [
            EMFMetrics(metrics=self.metrics, emit=lambda doc: self.emf.append(json.loads(doc))),
            LoggerEnrichment(self.logger),
        ]

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_stream.getvalue().splitlines() if line.strip()]


def powertools_outside(tools: Tools, fn: Callable[..., Any], client: DynamoDBClient) -> Callable[..., Any]:
    inner = handler(client=client, observers=tools.observers)(fn)
    return tools.logger.inject_lambda_context(
        tools.tracer.capture_lambda_handler(tools.metrics.log_metrics(inner))
    )


def powertools_inside(tools: Tools, fn: Callable[..., Any], client: DynamoDBClient) -> Callable[..., Any]:
    wrapped = tools.metrics.log_metrics(
        tools.tracer.capture_lambda_handler(tools.logger.inject_lambda_context(fn))
    )
    return handler(client=client, observers=tools.observers)(wrapped)


@pytest.mark.parametrize("kind", ["async", "sync"])
@pytest.mark.parametrize("stack", [powertools_outside, powertools_inside], ids=["outside", "inside"])
def test_powertools_decorators_stack_in_either_order(
    endpoint: str,
    table: str,
    kind: str,
    stack: Callable[..., Callable[..., Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    tools = Tools()
    client = make_client(endpoint)
    loops: list[int] = []

    if kind == "async":

        async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
            loops.append(id(asyncio.get_running_loop()))
            await client.put_item(table, {"pk": event["id"]})
            await asyncio.sleep(0)  # a real suspension: the decorators must still be around it
            item = await client.get_item(table, {"pk": event["id"]})
            tools.logger.info("order stored")
            tools.metrics.add_metric(name="OrdersStored", unit=MetricUnit.Count, value=1)
            return {"stored": item is not None}

    else:

        def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
            client.sync_put_item(table, {"pk": event["id"]})
            item = client.sync_get_item(table, {"pk": event["id"]})
            tools.logger.info("order stored")
            tools.metrics.add_metric(name="OrdersStored", unit=MetricUnit.Count, value=1)
            return {"stored": item is not None}

    fn = stack(tools, main, client)
    for request_id in ("req-a", "req-b"):
        capsys.readouterr()
        assert fn({"id": request_id}, LambdaContext(request_id)) == {"stored": True}
        printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        # Metrics.log_metrics flushed, in this invocation, the metric the handler added: the handler
        # ran inside it even when it is a coroutine.
        flushed = [doc for doc in printed if "OrdersStored" in doc]
        assert len(flushed) == 1 and flushed[0]["service"] == tools.service
        # The Logger line carries Powertools' Lambda context and this invocation's DynamoDB usage.
        line = tools.log_lines()[-1]
        assert line["message"] == "order stored" and line["function_request_id"] == request_id
        assert line["dynamodb"]["calls"] == 2 and line["dynamodb"]["last_request_id"]
        # The EMF sink wrote one document per operation for this invocation.
        mine = [doc for doc in tools.emf if doc.get("function_request_id") == request_id]
        assert sorted(doc["operation"] for doc in mine) == ["GetItem", "PutItem"]
        assert all(doc["table"] == table and doc["DynamoDBCalls"] == 1 for doc in mine)
    if kind == "async":
        assert len(set(loops)) == 1
    assert "dynamodb" not in tools.logger.get_current_keys()  # removed after each invocation


def test_emf_metrics_report_throttles_retries_and_capacity_per_table(
    http_url: str, client: DynamoDBClient, table: str
) -> None:
    other = f"lambda-{uuid.uuid4().hex[:10]}"
    client.sync_create_table(other, partition_key=("pk", "S"), wait=True)
    docs: list[dict[str, Any]] = []
    sink = EMFMetrics(
        "Shop", service="orders", dimensions={"stage": "test"}, emit=lambda d: docs.append(json.loads(d))
    )
    try:
        with FaultProxy(http_url) as proxy:
            via_proxy = make_client(proxy.endpoint_url)

            @handler(client=via_proxy, observers=[sink])
            async def main(event: Any, context: Any) -> None:
                await via_proxy.put_item(table, {"pk": "a"})
                await via_proxy.put_item(table, {"pk": "b"})
                async with BatchWriter(client=via_proxy) as batch:  # one request, two tables
                    await batch.put({"pk": "c"}, table=table)
                    await batch.put({"pk": "d"}, table=other)

            proxy.throttle("PutItem", times=2)
            main({}, LambdaContext("req-emf"))
    finally:
        client.sync_delete_table(other)

    by_row = {(d["table"], d["operation"]): d for d in docs}
    put = by_row[(table, "PutItem")]
    assert put["DynamoDBCalls"] == 2 and put["DynamoDBThrottles"] == 2 and put["DynamoDBRetries"] == 2
    assert len(put["DynamoDBDuration"]) == 2 and put["DynamoDBErrors"] == 0
    assert put["stage"] == "test" and put["service"] == "orders" and put["function_request_id"] == "req-emf"
    meta = put["_aws"]["CloudWatchMetrics"][0]
    assert meta["Namespace"] == "Shop" and meta["Dimensions"] == [["stage", "service", "table", "operation"]]
    assert {m["Name"]: m["Unit"] for m in meta["Metrics"]}["DynamoDBDuration"] == "Milliseconds"
    assert put["DynamoDBConsumedWCU"] == 2.0 and put["DynamoDBConsumedRCU"] == 0.0
    # A request on two tables counts once under "(multiple)"; its capacity is reported per table.
    batch = by_row[("(multiple)", "BatchWriteItem")]
    assert batch["DynamoDBCalls"] == 1 and batch["DynamoDBConsumedWCU"] == 0.0
    for name in (table, other):
        row = by_row[(name, "BatchWriteItem")]
        assert (row["DynamoDBCalls"], row["DynamoDBConsumedWCU"]) == (0, 1.0)
        assert "DynamoDBDuration" not in row


def test_emf_metrics_need_a_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    with pytest.raises(ValueError, match="namespace"):
        EMFMetrics()
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FromEnv")
    assert EMFMetrics().namespace == "FromEnv"


def test_logger_enrichment_can_log_each_operation(endpoint: str, table: str) -> None:
    tools = Tools()
    client = make_client(endpoint)

    @handler(client=client, observers=[LoggerEnrichment(tools.logger, key="ddb", log_operations=True)])
    def main(event: Any, context: Any) -> None:
        client.sync_get_item(table, {"pk": "missing"})

    main({}, LambdaContext("req-log"))
    (line,) = tools.log_lines()
    assert line["level"] == "DEBUG" and line["message"] == f"DynamoDB GetItem {table}"
    assert line["dynamodb_operation"]["operation"] == "GetItem" and line["ddb"]["calls"] == 1
    with pytest.raises(TypeError, match="Powertools Logger"):
        LoggerEnrichment(object())


# ---------------------------------------------------------------------------------------------------
# Idempotency through Powertools' own decorator


@pytest.fixture
def idem_table(client: DynamoDBClient) -> Iterator[str]:
    name = f"lambda-ptidem-{uuid.uuid4().hex[:8]}"
    client.sync_create_table(name, partition_key=("id", "S"), wait=True)
    yield name
    client.sync_delete_table(name)


def test_powertools_idempotent_on_the_pydynox_layer_runs_once(endpoint: str, idem_table: str) -> None:
    layer = PydynoxPersistenceLayer(table_name=idem_table, client=make_client(endpoint))
    config = IdempotencyConfig(event_key_jmespath="order_id")
    runs = 0
    start = threading.Barrier(5)

    @idempotent(persistence_store=layer, config=config)
    def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal runs
        runs += 1
        time.sleep(0.4)
        return {"order": event["order_id"]}

    outcomes: list[object] = []

    def invoke() -> None:
        start.wait()
        try:
            outcomes.append(main({"order_id": "o-1"}, LambdaContext()))
        except IdempotencyAlreadyInProgressError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=invoke) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == 1 and outcomes.count({"order": "o-1"}) == 1
    assert main({"order_id": "o-1", "retry": True}, LambdaContext()) == {"order": "o-1"} and runs == 1


def test_records_are_shared_with_powertools_boto3_layer(
    endpoint: str, http_url: str, idem_table: str
) -> None:
    """The same handler name and event, one call through each layer: the second one replays the first
    one's response, whichever layer wrote it."""
    import boto3

    boto_layer = DynamoDBPersistenceLayer(
        table_name=idem_table, boto3_client=boto3.client("dynamodb", **boto_kwargs(http_url))
    )
    pydynox_layer = PydynoxPersistenceLayer(table_name=idem_table, client=make_client(endpoint))
    runs: list[str] = []

    def build(layer: Any) -> Callable[..., Any]:
        def ship(event: dict[str, Any], context: Any) -> dict[str, Any]:
            runs.append(type(layer).__name__)
            return {"shipped": event["order"], "amount": 3}

        return idempotent(persistence_store=layer)(ship)

    assert build(pydynox_layer)({"order": "o-1"}, LambdaContext()) == {"shipped": "o-1", "amount": 3}
    assert build(boto_layer)({"order": "o-1"}, LambdaContext()) == {"shipped": "o-1", "amount": 3}
    assert build(boto_layer)({"order": "o-2"}, LambdaContext()) == {"shipped": "o-2", "amount": 3}
    assert build(pydynox_layer)({"order": "o-2"}, LambdaContext()) == {"shipped": "o-2", "amount": 3}
    assert runs == ["PydynoxPersistenceLayer", "DynamoDBPersistenceLayer"]


def test_pydynox_idempotent_and_powertools_share_records(
    endpoint: str, http_url: str, idem_table: str
) -> None:
    """``pydynox_lambda.idempotent`` derives keys exactly as Powertools does for the same handler."""
    import boto3
    from pydynox_lambda import IdempotencyStore
    from pydynox_lambda import idempotent as pydynox_idempotent

    runs: list[str] = []

    def ship(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append("ran")
        return {"shipped": event["order"]}

    ours = pydynox_idempotent(store=IdempotencyStore(idem_table, client=make_client(endpoint)))(ship)
    theirs = idempotent(
        persistence_store=DynamoDBPersistenceLayer(
            table_name=idem_table, boto3_client=boto3.client("dynamodb", **boto_kwargs(http_url))
        )
    )(ship)
    assert ours({"order": "o-1"}, LambdaContext()) == {"shipped": "o-1"}
    assert theirs({"order": "o-1"}, LambdaContext()) == {"shipped": "o-1"}
    assert theirs({"order": "o-2"}, LambdaContext()) == {"shipped": "o-2"}
    assert ours({"order": "o-2"}, LambdaContext()) == {"shipped": "o-2"}
    assert runs == ["ran", "ran"]
    assert current_invocation() is None
