"""ClientRequestToken idempotency of TransactWriteItems and ExecuteTransaction on the local engine: an
identical retry within ten minutes succeeds without being applied again, however its JSON maps are
ordered; the same token with a different request is refused.

These run on the engine only: moto (5.x) accepts the token but applies every retry again (see
test_model_transactions.py), so it cannot serve as the reference here. The engine follows DynamoDB's
documented behaviour (the TransactWriteItems API reference, ClientRequestToken).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydynox import DynamoDBClient, SyncTransaction, Transaction
from pydynox.exceptions import IdempotentParameterMismatchException
from pydynox.local import LocalEngine
from support.clients import boto3_client

TABLE = "counters"


@pytest.fixture
def served() -> Iterator[tuple[LocalEngine, str]]:
    """A fresh engine with table ``counters`` (key ``pk``) holding ``c`` at ``n = 0``, served over HTTP."""
    engine = LocalEngine(None)
    status, answer = engine.request(
        "CreateTable",
        {
            "TableName": TABLE,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        },
    )
    assert status == 200, answer
    engine.request("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "c"}, "n": {"N": "0"}}})
    try:
        with engine.serve() as http:
            yield engine, http.endpoint_url
    finally:
        engine.discard()


def send(url: str, operation: str, body: str) -> tuple[int, dict[str, Any]]:
    """One request with ``body`` sent exactly as written (member order included)."""
    request = urllib.request.Request(
        url,
        data=body.encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


def counter(engine: LocalEngine) -> int:
    status, answer = engine.request(
        "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "c"}}, "ConsistentRead": True}
    )
    assert status == 200, answer
    return int(answer["Item"]["n"]["N"])


FIRST = """{
  "ClientRequestToken": "retry-1",
  "TransactItems": [
    {"Update": {"TableName": "counters", "Key": {"pk": {"S": "c"}},
                "UpdateExpression": "ADD #n :one SET #t = :tags, #p = :price",
                "ExpressionAttributeNames": {"#n": "n", "#t": "tags", "#p": "price"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":tags": {"SS": ["a", "b"]},
                                              ":price": {"N": "2.50"}}}},
    {"Put": {"TableName": "counters",
             "Item": {"pk": {"S": "order"}, "lines": {"L": [{"S": "x"}, {"S": "y"}]},
                      "meta": {"M": {"a": {"N": "1"}, "b": {"BOOL": true}}}}}}
  ]
}"""

# The same request as another SDK may write it: every map in another order, numbers written
# differently, set members reordered (lists keep their order: it is part of their value).
REORDERED = """{
  "TransactItems": [
    {"Update": {"ExpressionAttributeValues": {":price": {"N": "2.5"}, ":tags": {"SS": ["b", "a"]},
                                              ":one": {"N": "1.0"}},
                "ExpressionAttributeNames": {"#p": "price", "#t": "tags", "#n": "n"},
                "UpdateExpression": "ADD #n :one SET #t = :tags, #p = :price",
                "Key": {"pk": {"S": "c"}}, "TableName": "counters"}},
    {"Put": {"Item": {"meta": {"M": {"b": {"BOOL": true}, "a": {"N": "1E0"}}},
                      "lines": {"L": [{"S": "x"}, {"S": "y"}]}, "pk": {"S": "order"}},
             "TableName": "counters"}}
  ],
  "ClientRequestToken": "retry-1"
}"""


def test_a_retry_written_in_another_order_is_not_applied_twice(served: tuple[LocalEngine, str]) -> None:
    engine, url = served
    assert send(url, "TransactWriteItems", FIRST) == (200, {})
    assert counter(engine) == 1
    assert send(url, "TransactWriteItems", REORDERED) == (200, {})
    assert send(url, "TransactWriteItems", FIRST) == (200, {})
    assert counter(engine) == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param('":one": {"N": "1"}', '":one": {"N": "2"}', id="another-value"),
        pytest.param('{"S": "x"}, {"S": "y"}', '{"S": "y"}, {"S": "x"}', id="a-list-reordered"),
        pytest.param('["a", "b"]', '["a", "c"]', id="another-set"),
        pytest.param(
            '"TransactItems": [',
            '"ReturnConsumedCapacity": "TOTAL", "TransactItems": [',
            id="a-new-parameter",
        ),
    ],
)
def test_the_same_token_with_another_request_is_refused(
    served: tuple[LocalEngine, str], old: str, new: str
) -> None:
    engine, url = served
    assert send(url, "TransactWriteItems", FIRST)[0] == 200
    changed = FIRST.replace(old, new)
    assert changed != FIRST
    status, answer = send(url, "TransactWriteItems", changed)
    assert status == 400
    assert answer["__type"].endswith("#IdempotentParameterMismatchException")
    assert "client token" in answer["message"]
    assert counter(engine) == 1


def test_boto3_retries_and_token_checks(served: tuple[LocalEngine, str]) -> None:
    engine, url = served
    boto = boto3_client(url)
    token = str(uuid.uuid4())

    def add(values: dict[str, Any], token: str = token) -> Any:
        return boto.transact_write_items(
            ClientRequestToken=token,
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "c"}},
                        "UpdateExpression": "ADD n :one SET tags = :tags, note = :note",
                        "ExpressionAttributeValues": values,
                    }
                }
            ],
        )

    add({":one": {"N": "1"}, ":tags": {"SS": ["x", "y"]}, ":note": {"S": "hi"}})
    add({":note": {"S": "hi"}, ":tags": {"SS": ["y", "x"]}, ":one": {"N": "1.00"}})
    assert counter(engine) == 1

    with pytest.raises(ClientError) as info:
        add({":one": {"N": "1"}, ":tags": {"SS": ["x", "y"]}, ":note": {"S": "bye"}})
    assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"

    # botocore checks the minimum length itself; the maximum is the server's to check.
    with pytest.raises(ClientError) as info:
        add({":one": {"N": "1"}, ":tags": {"SS": ["x"]}, ":note": {"S": "hi"}}, token="t" * 37)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "'clientRequestToken' failed to satisfy constraint" in info.value.response["Error"]["Message"]
    assert counter(engine) == 1


def many_placeholders(tx: Any) -> None:
    """An update with many placeholders: the SDK writes them from a hash map, in a different order on
    almost every call."""
    names = [f"a{i}" for i in range(8)]
    tx.update(
        TABLE,
        {"pk": "c"},
        "ADD n :one SET " + ", ".join(f"#{n} = :{n}" for n in names),
        expression_attribute_names={f"#{n}": n for n in names},
        expression_attribute_values={":one": 1, **{f":{n}": {"v": n, "tags": {n, "z"}} for n in names}},
    )


async def test_a_transaction_committed_again_with_its_token_is_applied_once(
    served: tuple[LocalEngine, str],
) -> None:
    engine, _ = served
    client: DynamoDBClient = engine.make_client()
    token = str(uuid.uuid4())
    for _ in range(5):
        async with Transaction(client, client_request_token=token) as tx:
            many_placeholders(tx)
    assert counter(engine) == 1

    with pytest.raises(IdempotentParameterMismatchException):
        async with Transaction(client, client_request_token=token) as tx:
            tx.update(TABLE, {"pk": "c"}, "ADD n :two", expression_attribute_values={":two": 2})
    assert counter(engine) == 1


def test_a_sync_transaction_committed_again_with_its_token_is_applied_once(
    served: tuple[LocalEngine, str],
) -> None:
    engine, _ = served
    client: DynamoDBClient = engine.make_client()
    token = str(uuid.uuid4())
    for _ in range(5):
        with SyncTransaction(client, client_request_token=token) as tx:
            many_placeholders(tx)
    assert counter(engine) == 1


# PartiQL's ExecuteTransaction takes the same token (the ExecuteTransaction API reference,
# ClientRequestToken): a write transaction retried with it is answered without being applied again.
PARTIQL = """{
  "ClientRequestToken": "partiql-1",
  "ReturnConsumedCapacity": "TOTAL",
  "TransactStatements": [
    {"Statement": "UPDATE counters SET n = n + ? WHERE pk = ?",
     "Parameters": [{"N": "1"}, {"S": "c"}]},
    {"Statement": "INSERT INTO counters VALUE {'pk': ?, 'tags': ?}",
     "Parameters": [{"S": "order"}, {"SS": ["a", "b"]}]}
  ]
}"""


def test_an_execute_transaction_retried_with_its_token_is_applied_once(
    served: tuple[LocalEngine, str],
) -> None:
    engine, url = served
    status, first = send(url, "ExecuteTransaction", PARTIQL)
    assert status == 200, first
    assert counter(engine) == 1
    # Two transactional writes of items under 1 KB: two write units each.
    assert first["ConsumedCapacity"] == [
        {"TableName": TABLE, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}
    ]

    # Set members reordered, a number written differently: the same request.
    reordered = PARTIQL.replace('["a", "b"]', '["b", "a"]').replace('{"N": "1"}', '{"N": "1.0"}')
    for body in (PARTIQL, reordered):
        status, again = send(url, "ExecuteTransaction", body)
        assert status == 200, again
        # A retry reads the items it acted on: two transactional reads of small items.
        assert again["ConsumedCapacity"] == [
            {"TableName": TABLE, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
        ]
    assert counter(engine) == 1

    status, refused = send(url, "ExecuteTransaction", PARTIQL.replace('{"N": "1"}', '{"N": "2"}'))
    assert status == 400
    assert refused["__type"].endswith("#IdempotentParameterMismatchException")
    assert counter(engine) == 1

    # Another token is another transaction (the INSERT now finds its item, so it is cancelled).
    status, cancelled = send(url, "ExecuteTransaction", PARTIQL.replace("partiql-1", "partiql-2"))
    assert status == 400
    assert cancelled["__type"].endswith("#TransactionCanceledException")
    assert [r["Code"] for r in cancelled["CancellationReasons"]] == ["None", "DuplicateItem"]
    assert counter(engine) == 1


def test_a_cancelled_execute_transaction_is_run_again_on_retry(served: tuple[LocalEngine, str]) -> None:
    engine, url = served
    engine.request("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "order"}}})
    status, _ = send(url, "ExecuteTransaction", PARTIQL)
    assert status == 400
    engine.request("DeleteItem", {"TableName": TABLE, "Key": {"pk": {"S": "order"}}})
    # Only a transaction that was carried out is remembered with its token.
    status, answer = send(url, "ExecuteTransaction", PARTIQL)
    assert status == 200, answer
    assert counter(engine) == 1


def test_boto3_execute_transaction_token(served: tuple[LocalEngine, str]) -> None:
    engine, url = served
    boto = boto3_client(url)
    token = str(uuid.uuid4())
    add = [{"Statement": "UPDATE counters SET n = n + 1 WHERE pk = 'c'"}]
    for _ in range(3):
        boto.execute_transaction(TransactStatements=add, ClientRequestToken=token)
    assert counter(engine) == 1
    # botocore fills in a fresh token of its own when none is given: each call is applied.
    boto.execute_transaction(TransactStatements=add)
    boto.execute_transaction(TransactStatements=add)
    assert counter(engine) == 3
    with pytest.raises(ClientError) as info:
        boto.execute_transaction(TransactStatements=add, ClientRequestToken="t" * 37)
    assert info.value.response["Error"]["Code"] == "ValidationException"

    # A read transaction with its consumed capacity (two units per read of a small item).
    read = boto.execute_transaction(
        TransactStatements=[{"Statement": "SELECT n FROM counters WHERE pk = 'c'"}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert read["Responses"] == [{"Item": {"n": {"N": "3"}}}]
    assert read["ConsumedCapacity"][0]["ReadCapacityUnits"] == 2.0
