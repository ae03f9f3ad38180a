"""The local engine itself: named in-process instances, the pytest fixtures and fault injection,
stream records and TTL, DynamoDB's validation, and `pydynox local` over HTTP with boto3 (including
durability across kill -9)."""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.exceptions import (
    ConditionalCheckFailedException,
    ConnectionException,
    ProvisionedThroughputExceededException,
    ResourceNotFoundException,
)
from pydynox.local import LocalEngine
from pydynox.pytest_plugin import MemoryBackend
from support.clients import boto3_client
from support.local_server import local_process


def test_named_instances_are_isolated() -> None:
    a, b = LocalEngine(None), LocalEngine(None)
    try:
        a.make_client().sync_create_table("iso-table", partition_key=("pk", "S"), wait=True)
        assert a.table_names() == ["iso-table"]
        assert b.table_names() == []
        with pytest.raises(ResourceNotFoundException):
            b.make_client().sync_get_item("iso-table", {"pk": "x"})
        # The same name reaches the same engine.
        assert LocalEngine(a.name).table_names() == ["iso-table"]
    finally:
        a.discard()
        b.discard()


def test_bad_engine_names_are_refused() -> None:
    with pytest.raises(ValueError, match="memory engine name"):
        DynamoDBClient(region="us-east-1", endpoint_url="memory://bad name")


class Counter(Model):
    model_config = ModelConfig(table="fixture-counters")
    pk = StringAttribute(partition_key=True)
    n = NumberAttribute(default=0)


def test_memory_backend_fixture_is_the_default_client(pydynox_memory_backend: MemoryBackend) -> None:
    Counter.sync_create_table(wait=True)
    Counter(pk="a", n=1).sync_save()
    assert pydynox_memory_backend.table_names() == ["fixture-counters"]
    got = pydynox_memory_backend.client.sync_get_item("fixture-counters", {"pk": "a"})
    assert got == {"pk": "a", "n": 1}


@pytest.fixture
def pydynox_seed() -> dict[str, Any]:
    return {
        "models": [Counter],
        "items": [Counter(pk="seeded", n=7), ("fixture-counters", {"pk": "raw", "n": 2})],
    }


def test_seeded_backend(pydynox_memory_backend_seeded: MemoryBackend) -> None:
    assert Counter.sync_get(pk="seeded").n == 7
    assert Counter.sync_get(pk="raw").n == 2


def test_factory_makes_independent_backends(pydynox_memory_backend_factory: Any) -> None:
    first = pydynox_memory_backend_factory(models=[Counter], items=[Counter(pk="one")])
    second = pydynox_memory_backend_factory(models=[Counter])
    assert first.client.sync_get_item("fixture-counters", {"pk": "one"}) is not None
    assert second.client.sync_get_item("fixture-counters", {"pk": "one"}) is None


async def test_factory_seeds_inside_an_async_test_without_warning(
    pydynox_memory_backend_factory: Any,
) -> None:
    # pytest runs with filterwarnings=error: a blocking-call warning would fail this test.
    backend = pydynox_memory_backend_factory(models=[Counter], items=[Counter(pk="async", n=3)])
    got = await Counter.get(pk="async")
    assert got is not None and got.n == 3
    assert await backend.client.get_item("fixture-counters", {"pk": "async"}) is not None
    # Outside seeding, a blocking call in the loop still warns.
    with pytest.warns(RuntimeWarning, match="blocking pydynox sync_ call"):
        backend.client.sync_get_item("fixture-counters", {"pk": "async"})


@pytest.fixture
def engine(pydynox_memory_backend: MemoryBackend) -> MemoryBackend:
    pydynox_memory_backend.client.sync_create_table("faults", partition_key=("pk", "S"), wait=True)
    pydynox_memory_backend.reset_calls()
    return pydynox_memory_backend


def test_throttles_are_retried_by_the_sdk(engine: MemoryBackend) -> None:
    engine.throttle(2, operations=["PutItem"])
    engine.client.sync_put_item("faults", {"pk": "a"})
    assert engine.calls() == ["PutItem"] * 3
    assert engine.pending_faults == 0


def test_throttles_beyond_the_attempts_surface(engine: MemoryBackend) -> None:
    client = engine.make_client(max_attempts=2)
    engine.throttle(5, operations=["GetItem"], code="ThrottlingException")
    with pytest.raises(ProvisionedThroughputExceededException):
        client.sync_get_item("faults", {"pk": "a"})
    assert engine.calls() == ["GetItem", "GetItem"]


async def test_unprocessed_batches_are_resent(engine: MemoryBackend) -> None:
    engine.unprocessed(2)
    await engine.client.batch_write("faults", put_items=[{"pk": f"k{i}"} for i in range(30)])
    assert engine.calls().count("BatchWriteItem") == 4  # two chunks, two of them handed back once
    page = await engine.client.scan("faults").all()
    assert len(page) == 30


def test_server_errors_and_resets_are_retried(engine: MemoryBackend) -> None:
    engine.server_error(1)
    engine.connection_reset(1)
    engine.client.sync_put_item("faults", {"pk": "a"})
    assert engine.calls() == ["PutItem"] * 3


def test_connection_reset_beyond_the_attempts(engine: MemoryBackend) -> None:
    client = engine.make_client(max_attempts=1)
    engine.connection_reset(1)
    with pytest.raises(ConnectionException):
        client.sync_get_item("faults", {"pk": "a"})


def test_latency_is_added(engine: MemoryBackend) -> None:
    engine.latency(0.2, operations=["GetItem"])
    started = time.perf_counter()
    engine.client.sync_get_item("faults", {"pk": "a"})
    assert time.perf_counter() - started >= 0.2


def test_fault_arguments_are_checked(engine: MemoryBackend) -> None:
    with pytest.raises(TypeError, match="list of operation names"):
        engine.throttle(1, operations="PutItem")
    with pytest.raises(ValueError, match="between 0 and 60"):
        engine.latency(-1)
    with pytest.raises(ValueError, match="at least 1"):
        engine.server_error(0)


def test_stream_records_and_ttl_expiry(pydynox_memory_backend: MemoryBackend) -> None:
    status, _ = pydynox_memory_backend.request(
        "CreateTable",
        {
            "TableName": "streamed",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        },
    )
    assert status == 200
    client = pydynox_memory_backend.client
    client.sync_update_time_to_live("streamed", "expires")
    client.sync_put_item("streamed", {"pk": "a", "v": Decimal("1.50")})
    client.sync_put_item("streamed", {"pk": "a", "v": 2, "expires": 1})
    client.sync_delete_item("streamed", {"pk": "gone"})  # nothing to delete: no record
    assert pydynox_memory_backend.expire_ttl() == 1
    records = pydynox_memory_backend.stream_records("streamed", drain=True)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1.5"}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["v"] == {"N": "1.5"}
    assert remove["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in modify
    assert insert["dynamodb"]["SequenceNumber"] < modify["dynamodb"]["SequenceNumber"]
    assert pydynox_memory_backend.stream_records("streamed") == []


PK = {"pk": {"S": "a"}}


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        ("PutItem", {"Item": {**PK, "s": {"SS": []}}}, "An string set  may not be empty"),
        ("PutItem", {"Item": {**PK, "s": {"SS": ["x", "x"]}}}, "contains duplicates"),
        ("PutItem", {"Item": {"pk": {"S": ""}}}, "cannot contain an empty string value. Key: pk"),
        (
            "PutItem",
            {"Item": {**PK, "big": {"S": "x" * 410_000}}},
            "Item size has exceeded the maximum allowed size",
        ),
        ("PutItem", {"Item": {"pk": {"S": "k" * 2049}}}, "maximum allowed size of 2048 bytes"),
        ("PutItem", {"Item": {**PK, "n": {"N": "1" * 39}}}, "more than 38 significant digits"),
        ("PutItem", {"Item": {**PK, "n": {"N": "1E126"}}}, "Number overflow"),
        ("PutItem", {"Item": {"pk": {"N": "1"}}}, "Type mismatch for key pk expected: S actual: N"),
        (
            "PutItem",
            {"Item": PK, "ConditionExpression": "attribute_exists(status)"},
            "reserved keyword; reserved keyword: status",
        ),
        ("GetItem", {"Key": {"pk": {"N": "1"}}}, "does not match the schema"),
        (
            "UpdateItem",
            {
                "Key": PK,
                "UpdateExpression": "SET a = :a, a.b = :a",
                "ExpressionAttributeValues": {":a": {"N": "1"}},
            },
            "Two document paths overlap",
        ),
        (
            "PutItem",
            {
                "Item": PK,
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":unused": {"N": "1"}},
            },
            "unused in expressions: keys: {:unused}",
        ),
        (
            "UpdateItem",
            {"Key": PK, "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": {"S": "b"}}},
            "part of the key",
        ),
    ],
)
def test_validation_like_dynamodb(
    pydynox_memory_backend: MemoryBackend, operation: str, body: dict[str, Any], message: str
) -> None:
    # Raw requests, so the engine's own checks answer (the client would refuse some of these itself).
    engine = pydynox_memory_backend
    engine.client.sync_create_table("val", partition_key=("pk", "S"), wait=True)
    status, answer = engine.request(operation, {"TableName": "val", **body})
    assert status == 400
    assert answer["__type"].endswith("#ValidationException")
    assert message in answer["message"]


# `pydynox local` over HTTP ---------------------------------------------------------------------


def test_boto3_against_pydynox_local() -> None:
    with local_process() as (_, url):
        ddb = boto3_client(url)
        ddb.create_table(
            TableName="orders",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        assert ddb.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
        for n in (10, 9, 100):
            ddb.put_item(
                TableName="orders", Item={"pk": {"S": "c1"}, "sk": {"N": str(n)}, "status": {"S": "new"}}
            )
        query = ddb.query(
            TableName="orders",
            KeyConditionExpression="pk = :p AND sk > :s",
            ExpressionAttributeValues={":p": {"S": "c1"}, ":s": {"N": "9"}},
        )
        assert [i["sk"]["N"] for i in query["Items"]] == ["10", "100"]  # numeric order
        by_status = ddb.query(
            TableName="orders",
            IndexName="by_status",
            KeyConditionExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "new"}},
        )
        assert by_status["Count"] == 3 and set(by_status["Items"][0]) == {"pk", "sk", "status"}
        ddb.update_item(
            TableName="orders",
            Key={"pk": {"S": "c1"}, "sk": {"N": "9"}},
            UpdateExpression="SET #t = :t ADD tags :tags",
            ExpressionAttributeNames={"#t": "total"},
            ExpressionAttributeValues={":t": {"N": "12.50"}, ":tags": {"SS": ["a"]}},
        )
        got = ddb.get_item(TableName="orders", Key={"pk": {"S": "c1"}, "sk": {"N": "9"}})["Item"]
        assert got["total"] == {"N": "12.5"} and got["tags"] == {"SS": ["a"]}
        ddb.batch_write_item(
            RequestItems={
                "orders": [
                    {"PutRequest": {"Item": {"pk": {"S": "c2"}, "sk": {"N": str(i)}}}} for i in range(25)
                ]
            }
        )
        batch = ddb.batch_get_item(RequestItems={"orders": {"Keys": [{"pk": {"S": "c2"}, "sk": {"N": "3"}}]}})
        assert len(batch["Responses"]["orders"]) == 1
        with pytest.raises(ClientError) as cancelled:
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "orders", "Item": {"pk": {"S": "c3"}, "sk": {"N": "1"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "orders",
                            "Key": {"pk": {"S": "c1"}, "sk": {"N": "9"}},
                            "ConditionExpression": "#t > :big",
                            "ExpressionAttributeNames": {"#t": "total"},
                            "ExpressionAttributeValues": {":big": {"N": "100"}},
                        }
                    },
                ]
            )
        assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
        reasons = cancelled.value.response["CancellationReasons"]
        assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
        assert "Item" not in ddb.get_item(TableName="orders", Key={"pk": {"S": "c3"}, "sk": {"N": "1"}})
        with pytest.raises(ClientError) as conditional:
            ddb.put_item(
                TableName="orders",
                Item={"pk": {"S": "c1"}, "sk": {"N": "9"}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        assert conditional.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_our_client_over_http_to_pydynox_local() -> None:
    with local_process() as (_, url):
        client = DynamoDBClient(region="us-east-1", endpoint_url=url, access_key="x", secret_key="x")
        client.sync_create_table("http", partition_key=("pk", "S"), wait=True)
        client.sync_put_item("http", {"pk": "a", "n": 10**37})
        assert client.sync_get_item("http", {"pk": "a"}) == {"pk": "a", "n": 10**37}
        with pytest.raises(ConditionalCheckFailedException):
            client.sync_put_item("http", {"pk": "a"}, condition_expression="attribute_not_exists(pk)")


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with local_process("--data-dir", str(data)) as (proc, url):
        ddb = boto3_client(url)
        ddb.create_table(
            TableName="durable",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(50):
            ddb.put_item(TableName="durable", Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
        ddb.delete_item(TableName="durable", Key={"pk": {"S": "k0"}})
        ddb.update_item(
            TableName="durable",
            Key={"pk": {"S": "k1"}},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    with local_process("--data-dir", str(data)) as (proc, url):
        ddb = boto3_client(url)
        items = ddb.scan(TableName="durable")["Items"]
        assert sorted(int(i["n"]["N"]) for i in items) == [2, *range(2, 50)]
        # A clean stop compacts the log; the data is still all there afterwards.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    with local_process("--data-dir", str(data)) as (_, url):
        assert boto3_client(url).scan(TableName="durable", Select="COUNT")["Count"] == 49


def test_transaction_tokens_and_stream_records_survive_restarts(tmp_path: Path) -> None:
    """A retry after a restart (a kill -9, then a clean stop that compacts the log) is still a retry:
    the token's window carries on from when the transaction was answered. The stream holds the records
    the writes made, not new ones made by replaying them."""
    data = tmp_path / "data"
    statements = [{"Statement": "UPDATE ledger SET n = n + 1 WHERE pk = 'a'"}]
    with local_process("--data-dir", str(data)) as (proc, url):
        ddb = boto3_client(url)
        ddb.create_table(
            TableName="ledger",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        ddb.put_item(TableName="ledger", Item={"pk": {"S": "a"}, "n": {"N": "0"}})
        ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="exec-once")
        table_id = ddb.describe_table(TableName="ledger")["Table"]["TableId"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def counter(ddb: Any) -> int:
        item = ddb.get_item(TableName="ledger", Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
        return int(item["n"]["N"])

    for restart in ("after kill -9", "after a compacting stop"):
        with local_process("--data-dir", str(data)) as (proc, url):
            ddb = boto3_client(url)
            ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="exec-once")
            assert counter(ddb) == 1, restart
            assert ddb.describe_table(TableName="ledger")["Table"]["TableId"] == table_id, restart
            with pytest.raises(ClientError) as info:
                ddb.execute_transaction(
                    TransactStatements=[{"Statement": "UPDATE ledger SET n = n + 2 WHERE pk = 'a'"}],
                    ClientRequestToken="exec-once",
                )
            assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException", restart
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0

    # Two writes made two records; the retries and the replays made none.
    engine = LocalEngine(None)
    try:
        engine.persist_to(data)
        records = engine.stream_records("ledger")
    finally:
        engine.discard()
    assert [(r["eventName"], r["dynamodb"]["SequenceNumber"]) for r in records] == [
        ("INSERT", f"{1:021}"),
        ("MODIFY", f"{2:021}"),
    ]
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "1"}
