"""Error mapping: DynamoDB's errors, throttling, server failures, unreachable endpoints and timeouts
become the documented exceptions with their code, message, status and request id; exceptions pickle;
bad client arguments are refused at construction."""

from __future__ import annotations

import pickle
import socket
import time
from typing import Any

import pytest
from pydynox import DynamoDBClient, OperationMetrics
from pydynox.exceptions import (
    ConditionalCheckFailedException,
    ConnectionException,
    InternalServerError,
    ProvisionedThroughputExceededException,
    PydynoxException,
    ResourceNotFoundException,
    TransactionCanceledException,
    UnprocessedItemsException,
    ValidationException,
)
from support.clients import REGION, make_client
from support.fault_proxy import FaultProxy
from support.twin import Twin

KEY = {"pk": "e", "sk": "1"}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_items(proxy: FaultProxy) -> list[Any]:
    return [r for r in proxy.requests if r.operation == "GetItem"]


# -- service errors --------------------------------------------------------------------------------------


async def test_validation_exception_for_an_invalid_update_expression(
    api: Twin, table: str, boto: Any
) -> None:
    with pytest.raises(ValidationException) as info:
        await api.update_item(table, KEY, update_expression="SET = :v", expression_attribute_values={":v": 1})
    err = info.value
    assert type(err) is ValidationException
    assert err.code == "ValidationException"
    assert err.message and str(err) == err.message
    assert err.status_code == 400
    assert isinstance(err.request_id, str) and err.request_id
    assert err.table == table
    assert "Item" not in boto.get_item(TableName=table, Key={"pk": {"S": "e"}, "sk": {"S": "1"}})


async def test_validation_exception_for_an_incomplete_key(api: Twin, table: str) -> None:
    with pytest.raises(ValidationException) as info:
        await api.get_item(table, {"pk": "e"})
    assert info.value.status_code == 400
    assert info.value.code == "ValidationException"


async def test_throttling_beyond_the_attempts_raises(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=2), mode)
    proxy.throttle("GetItem", times=3)
    with pytest.raises(ProvisionedThroughputExceededException) as info:
        await api.get_item(table, KEY)
    err = info.value
    assert err.code == "ProvisionedThroughputExceededException"
    assert err.status_code == 400
    assert isinstance(err.request_id, str) and err.request_id
    assert err.table == table
    assert [r.fault for r in get_items(proxy)] == ["throttle"] * 2


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded"])
async def test_every_throttling_code_is_a_throughput_exception(
    mode: str, table: str, proxy: FaultProxy, code: str
) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=1), mode)
    proxy.throttle("GetItem", times=1, code=code)
    with pytest.raises(ProvisionedThroughputExceededException) as info:
        await api.get_item(table, KEY)
    assert info.value.code == code


async def test_the_sdk_retries_throttling_by_itself(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.put_item(table, {**KEY, "v": 1})
    proxy.clear()
    proxy.throttle("GetItem", times=2)
    assert await api.get_item(table, KEY) == {**KEY, "v": 1}
    assert [r.fault for r in get_items(proxy)] == ["throttle", "throttle", None]
    proxy.throttle("PutItem", times=1)
    metrics = await api.put_item(table, {**KEY, "v": 2})
    assert isinstance(metrics, OperationMetrics)
    assert metrics.attempts == 2


async def test_server_errors_become_internal_server_error(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=2), mode)
    proxy.fail("GetItem", times=5, status=500)
    with pytest.raises(InternalServerError) as info:
        await api.get_item(table, KEY)
    err = info.value
    assert err.status_code == 500
    assert err.code == "InternalServerError"
    assert isinstance(err.request_id, str)
    assert [r.fault for r in get_items(proxy)] == ["fail", "fail"]


async def test_an_unknown_5xx_code_is_still_an_internal_server_error(
    mode: str, table: str, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=1), mode)
    proxy.fail("GetItem", times=1, status=503, code="SomethingOdd")
    with pytest.raises(InternalServerError) as info:
        await api.get_item(table, KEY)
    assert info.value.status_code == 503
    assert info.value.code == "SomethingOdd"


async def test_a_transient_server_error_is_retried(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    proxy.fail("GetItem", times=1, status=500)
    assert await api.get_item(table, KEY) is None
    assert [r.fault for r in get_items(proxy)] == ["fail", None]


# -- connection failures and timeouts ------------------------------------------------------------------


async def test_a_closed_port_raises_connection_exception(mode: str) -> None:
    api = Twin(make_client(f"http://127.0.0.1:{closed_port()}", connect_timeout=0.5, max_attempts=1), mode)
    started = time.monotonic()
    with pytest.raises(ConnectionException) as info:
        await api.get_item("some-table", KEY)
    assert time.monotonic() - started < 5
    err = info.value
    assert err.code == "ConnectionError"
    assert err.status_code is None
    assert err.request_id is None
    assert "could not reach DynamoDB" in err.message


async def test_a_read_timeout_raises_connection_exception_with_code_timeout(
    mode: str, table: str, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url, read_timeout=0.3, max_attempts=1), mode)
    proxy.delay("GetItem", 2.0)
    started = time.monotonic()
    with pytest.raises(ConnectionException) as info:
        await api.get_item(table, KEY)
    elapsed = time.monotonic() - started
    assert info.value.code == "Timeout"
    assert info.value.status_code is None
    assert 0.25 < elapsed < 1.8, elapsed
    assert len(get_items(proxy)) == 1


async def test_an_operation_timeout_raises_connection_exception_with_code_timeout(
    mode: str, table: str, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url, operation_timeout=0.3), mode)
    proxy.delay("GetItem", 2.0, times=5)
    started = time.monotonic()
    with pytest.raises(ConnectionException) as info:
        await api.get_item(table, KEY)
    assert info.value.code == "Timeout"
    assert time.monotonic() - started < 1.8


async def test_a_slow_answer_within_the_timeout_succeeds(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url, read_timeout=2.0, max_attempts=1), mode)
    proxy.delay("GetItem", 0.2)
    assert await api.get_item(table, KEY) is None


# -- pickling ---------------------------------------------------------------------------------------------


def round_trip(err: PydynoxException) -> PydynoxException:
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    for attr in ("code", "message", "request_id", "status_code", "table"):
        assert getattr(copy, attr) == getattr(err, attr), attr
    assert str(copy) == str(err)
    assert copy.args == err.args
    return copy


async def test_service_exceptions_survive_pickling(api: Twin, table: str) -> None:
    await api.put_item(table, {**KEY, "v": 1, "s": {"a", "b"}})
    with pytest.raises(ConditionalCheckFailedException) as cond:
        await api.put_item(
            table,
            KEY,
            condition_expression="attribute_not_exists(pk)",
            return_values_on_condition_check_failure=True,
        )
    assert cond.value.request_id is not None
    copy = round_trip(cond.value)
    assert copy.item == {**KEY, "v": 1, "s": {"a", "b"}}  # type: ignore[attr-defined]

    with pytest.raises(ValidationException) as val:
        await api.update_item(table, KEY, update_expression="SET = :v", expression_attribute_values={":v": 1})
    round_trip(val.value)

    with pytest.raises(ResourceNotFoundException) as nf:
        await api.get_item("no-such-table-here", KEY)
    round_trip(nf.value)

    with pytest.raises(TransactionCanceledException) as tx:
        await api.transact_write(
            [
                {"type": "put", "table": table, "item": {"pk": "e", "sk": "2"}},
                {
                    "type": "condition_check",
                    "table": table,
                    "key": KEY,
                    "condition_expression": "v = :x",
                    "expression_attribute_values": {":x": 2},
                },
            ]
        )
    tx_copy = round_trip(tx.value)
    assert tx_copy.cancellation_reasons == tx.value.cancellation_reasons  # type: ignore[attr-defined]
    assert [r.code for r in tx_copy.cancellation_reasons] == [None, "ConditionalCheckFailed"]  # type: ignore[attr-defined]


async def test_client_side_exceptions_survive_pickling(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=1), mode)
    proxy.throttle("BatchWriteItem", times=10)
    with pytest.raises(UnprocessedItemsException) as info:
        await api.batch_write(table, put_items=[{"pk": "e", "sk": str(i)} for i in range(3)], max_retries=0)
    copy = round_trip(info.value)
    assert copy.put_items == info.value.put_items  # type: ignore[attr-defined]
    assert isinstance(copy.cause, ProvisionedThroughputExceededException)  # type: ignore[attr-defined]

    dead = Twin(make_client(f"http://127.0.0.1:{closed_port()}", connect_timeout=0.5, max_attempts=1), mode)
    with pytest.raises(ConnectionException) as conn:
        await dead.get_item(table, KEY)
    round_trip(conn.value)


# -- client construction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        pytest.param({"endpoint_url": "localhost:8000"}, "endpoint_url", id="endpoint-without-scheme"),
        pytest.param({"endpoint_url": "ftp://127.0.0.1:21"}, "endpoint_url", id="endpoint-bad-scheme"),
        pytest.param({"endpoint_url": "http://127.0.0.1:notaport"}, "endpoint_url", id="endpoint-bad-port"),
        pytest.param({"access_key": "a"}, "access_key", id="access-key-alone"),
        pytest.param({"secret_key": "s"}, "secret_key", id="secret-key-alone"),
        pytest.param({"retry_mode": "fast"}, "retry_mode", id="retry-mode"),
        pytest.param(
            {"max_retries": 1, "max_attempts": 2}, "max_attempts or max_retries", id="retries-and-attempts"
        ),
        pytest.param({"max_retries": -1}, "max_retries", id="negative-retries"),
        pytest.param({"max_attempts": 0}, "max_attempts", id="zero-attempts"),
        pytest.param({"connect_timeout": -1}, "connect_timeout", id="negative-connect-timeout"),
        pytest.param({"read_timeout": 0}, "read_timeout", id="zero-read-timeout"),
        pytest.param({"operation_timeout": float("nan")}, "operation_timeout", id="nan-operation-timeout"),
        pytest.param({"max_connections": 0}, "max_connections", id="zero-connections"),
        pytest.param({"region": " "}, "region", id="blank-region"),
    ],
)
def test_bad_client_arguments_raise_value_error_naming_the_argument(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ValueError) as info:
        DynamoDBClient(**kwargs)
    assert argument in str(info.value)


def test_a_valid_client_does_no_io_at_construction() -> None:
    client = DynamoDBClient(
        region=REGION, endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key="a", secret_key="b"
    )
    assert client.region == REGION
    assert client.endpoint_url is not None and client.endpoint_url.startswith("http://127.0.0.1:")
