"""Self-checks for the test support code, using boto3 only (never the library under test).

If these fail, failures elsewhere in the suite say nothing about the client library, so they are
kept fast and independent: one moto server for the module, state reset before every test.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .fault_proxy import FaultProxy, _split_batch
from .moto_server import MotoServer

TABLE = "selfcheck"
# One attempt in total: botocore must not retry, so every injected fault surfaces to the test.
# (``max_attempts`` counts retries *after* the first attempt; ``total_max_attempts`` counts all.)
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)

ClientFactory = Callable[[str], Any]


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_client(moto: MotoServer) -> Iterator[ClientFactory]:
    """Build boto3 DynamoDB clients for an endpoint, closing them afterwards (no leaked sockets)."""
    moto.reset()
    clients: list[Any] = []

    def factory(endpoint_url: str) -> Any:
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRY,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def direct(moto: MotoServer, make_client: ClientFactory) -> Any:
    """A client talking straight to moto, with the test table created."""
    client = make_client(moto.endpoint_url)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


@pytest.fixture
def proxy(moto: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto.endpoint_url) as p:
        yield p


@pytest.fixture
def via_proxy(proxy: FaultProxy, make_client: ClientFactory, direct: Any) -> Any:
    """A client whose traffic goes through the fault proxy (table already exists)."""
    return make_client(proxy.endpoint_url)


def _item(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "n": {"N": pk.removeprefix("k")}, "tag": {"S": "x"}}


def _stored_keys(client: Any) -> set[str]:
    return {item["pk"]["S"] for item in client.scan(TableName=TABLE, ConsistentRead=True)["Items"]}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _raw_call(
    endpoint_url: str, operation: str, payload: dict[str, Any]
) -> tuple[http.client.HTTPResponse, bytes]:
    """One unsigned DynamoDB call over http.client (moto does not check signatures)."""
    conn = http.client.HTTPConnection(endpoint_url.removeprefix("http://"), timeout=10)
    try:
        conn.request("POST", "/", body=json.dumps(payload), headers=_raw_headers(operation))
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def _raw_headers(operation: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }


def test_moto_server_creates_tables_and_resets(moto: MotoServer, direct: Any) -> None:
    assert moto.endpoint_url.startswith("http://127.0.0.1:")
    assert TABLE in direct.list_tables()["TableNames"]
    moto.reset()
    assert direct.list_tables()["TableNames"] == []


def test_plain_requests_pass_through_and_are_logged(proxy: FaultProxy, via_proxy: Any, direct: Any) -> None:
    via_proxy.put_item(TableName=TABLE, Item=_item("k1"))
    got = via_proxy.get_item(TableName=TABLE, Key={"pk": {"S": "k1"}})
    assert got["Item"] == _item("k1")
    assert got["ResponseMetadata"]["RequestId"]  # upstream x-amzn-RequestId made it through
    assert _stored_keys(direct) == {"k1"}
    assert [(r.operation, r.fault) for r in proxy.requests] == [("PutItem", None), ("GetItem", None)]


def test_batch_write_unprocessed_returns_exactly_the_withheld_items(
    proxy: FaultProxy, via_proxy: Any, direct: Any
) -> None:
    writes = [{"PutRequest": {"Item": _item(f"k{i}")}} for i in range(5)]
    proxy.unprocessed("BatchWriteItem", times=1, fraction=0.5)

    first = via_proxy.batch_write_item(RequestItems={TABLE: writes})

    # ceil(5 * 0.5) = 3 kept, the last 2 withheld, in the original wire shape.
    assert first["UnprocessedItems"] == {TABLE: writes[3:]}
    assert _stored_keys(direct) == {"k0", "k1", "k2"}

    second = via_proxy.batch_write_item(RequestItems=first["UnprocessedItems"])
    assert second["UnprocessedItems"] == {}
    assert _stored_keys(direct) == {f"k{i}" for i in range(5)}
    assert [r.fault for r in proxy.requests] == ["unprocessed", None]


def test_batch_write_fully_withheld_is_answered_without_upstream(
    proxy: FaultProxy, via_proxy: Any, direct: Any
) -> None:
    writes = [{"PutRequest": {"Item": _item("k1")}}]
    proxy.unprocessed("BatchWriteItem", fraction=1.0)
    response = via_proxy.batch_write_item(RequestItems={TABLE: writes})
    assert response["UnprocessedItems"] == {TABLE: writes}
    assert _stored_keys(direct) == set()


def test_split_batch_rules() -> None:
    """Per table: keep ceil(n * (1 - fraction)), but at least one entry when a table has several."""
    request = {"RequestItems": {"a": ["a0", "a1", "a2"], "b": ["b0"], "c": ["c0", "c1"]}}
    assert _split_batch("BatchWriteItem", request, 0.5) == (
        {"a": ["a0", "a1"], "b": ["b0"], "c": ["c0"]},
        {"a": ["a2"], "c": ["c1"]},
    )
    assert _split_batch("BatchWriteItem", request, 1.0) == (
        {"a": ["a0"], "c": ["c0"]},
        {"a": ["a1", "a2"], "b": ["b0"], "c": ["c1"]},
    )
    get = {"RequestItems": {"a": {"Keys": ["k0", "k1"], "ConsistentRead": True}}}
    assert _split_batch("BatchGetItem", get, 0.5) == (
        {"a": {"Keys": ["k0"], "ConsistentRead": True}},
        {"a": {"Keys": ["k1"], "ConsistentRead": True}},
    )


def test_batch_get_unprocessed_keeps_request_options(proxy: FaultProxy, via_proxy: Any, direct: Any) -> None:
    for i in range(4):
        direct.put_item(TableName=TABLE, Item=_item(f"k{i}"))
    keys = [{"pk": {"S": f"k{i}"}} for i in range(4)]
    spec = {
        "Keys": keys,
        "ProjectionExpression": "pk, #n",
        "ExpressionAttributeNames": {"#n": "n"},
        "ConsistentRead": True,
    }
    proxy.unprocessed("BatchGetItem", fraction=0.5)

    response = via_proxy.batch_get_item(RequestItems={TABLE: spec})

    assert response["UnprocessedKeys"] == {TABLE: {**spec, "Keys": keys[2:]}}
    returned = sorted(item["pk"]["S"] for item in response["Responses"][TABLE])
    assert returned == ["k0", "k1"]
    assert all(set(item) == {"pk", "n"} for item in response["Responses"][TABLE])
    assert [(r.operation, r.fault) for r in proxy.requests] == [("BatchGetItem", "unprocessed")]


def test_rewritten_response_has_valid_crc32_and_request_id(proxy: FaultProxy, direct: Any) -> None:
    proxy.unprocessed("BatchWriteItem", fraction=0.5)
    writes = [{"PutRequest": {"Item": _item(f"k{i}")}} for i in range(2)]
    response, body = _raw_call(proxy.endpoint_url, "BatchWriteItem", {"RequestItems": {TABLE: writes}})
    assert response.status == 200
    assert json.loads(body)["UnprocessedItems"] == {TABLE: writes[1:]}
    assert response.getheader("x-amz-crc32") == str(zlib.crc32(body))
    assert response.getheader("Content-Length") == str(len(body))
    assert response.getheader("x-amzn-RequestId")


def test_keep_alive_connection_serves_several_requests(proxy: FaultProxy, direct: Any) -> None:
    conn = http.client.HTTPConnection(proxy.endpoint_url.removeprefix("http://"), timeout=10)
    try:
        for _ in range(3):
            conn.request("POST", "/", "{}", _raw_headers("ListTables"))
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["TableNames"] == [TABLE]
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        conn.close()
    assert len(proxy.requests) == 3


def test_throttle_is_parsed_by_boto3_and_not_forwarded(
    proxy: FaultProxy, via_proxy: Any, direct: Any
) -> None:
    proxy.throttle("PutItem", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            via_proxy.put_item(TableName=TABLE, Item=_item("k1"))
        assert _error(exc) == ("ProvisionedThroughputExceededException", 400)
    assert _stored_keys(direct) == set()
    via_proxy.put_item(TableName=TABLE, Item=_item("k1"))
    assert _stored_keys(direct) == {"k1"}
    assert [r.fault for r in proxy.requests] == ["throttle", "throttle", None]


def test_fail_returns_500_internal_server_error(proxy: FaultProxy, via_proxy: Any) -> None:
    proxy.fail("GetItem", status=500)
    with pytest.raises(ClientError) as exc:
        via_proxy.get_item(TableName=TABLE, Key={"pk": {"S": "k1"}})
    assert _error(exc) == ("InternalServerError", 500)
    assert [(r.operation, r.fault) for r in proxy.requests] == [("GetItem", "fail")]


def test_operation_none_matches_everything_and_clear_resets(proxy: FaultProxy, via_proxy: Any) -> None:
    proxy.throttle(None, times=1, code="ThrottlingException")
    with pytest.raises(ClientError) as exc:
        via_proxy.describe_table(TableName=TABLE)
    assert _error(exc) == ("ThrottlingException", 400)

    proxy.fail(None, times=5)
    proxy.clear()
    assert proxy.requests == []
    assert via_proxy.describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE
    assert [(r.operation, r.fault) for r in proxy.requests] == [("DescribeTable", None)]


def test_delay_sleeps_before_forwarding(proxy: FaultProxy, via_proxy: Any) -> None:
    proxy.delay("DescribeTable", seconds=0.3)
    started = time.monotonic()
    via_proxy.describe_table(TableName=TABLE)
    assert time.monotonic() - started >= 0.3
    (record,) = proxy.requests
    assert record.fault == "delay" and started <= record.at


def test_proxy_stop_is_prompt_with_open_keep_alive(moto: MotoServer) -> None:
    proxy = FaultProxy(moto.endpoint_url).start()
    url = proxy.endpoint_url
    conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=5)
    try:
        conn.request("POST", "/", "{}", _raw_headers("ListTables"))
        conn.getresponse().read()  # connection is now idle but open
        started = time.monotonic()
        proxy.stop()
        proxy.stop()
        assert time.monotonic() - started < 2.0
    finally:
        conn.close()
    with pytest.raises(ConnectionRefusedError):
        _raw_call(url, "ListTables", {})


def test_proxy_rejects_non_loopback_upstream() -> None:
    with pytest.raises(ValueError):
        FaultProxy("http://192.0.2.1:4566")


def test_moto_server_stop_ends_the_process() -> None:
    server = MotoServer().start()
    pid = server.pid
    url = server.endpoint_url
    assert pid is not None
    os.kill(pid, 0)  # alive
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError):
        _raw_call(url, "ListTables", {})
