"""Single-item operations: put, get, delete and update, their conditions, return values and metrics.

Every scenario runs twice: through the async method and through its blocking ``sync_`` twin (called
in a worker thread, so the event loop of the test is never blocked). boto3 reads back what was stored.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from pydynox import DynamoDBClient, OperationMetrics
from pydynox.exceptions import ConditionalCheckFailedException
from support.clients import make_client
from support.fault_proxy import FaultProxy
from support.twin import Twin


def raw_item(boto: Any, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    out = boto.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
    return out.get("Item")


KEY = {"pk": "u", "sk": "1"}


# -- put / get ---------------------------------------------------------------------------------------


async def test_put_then_get_round_trips_and_boto3_sees_the_item(api: Twin, table: str, boto: Any) -> None:
    item = {**KEY, "name": "Ana", "age": 33, "tags": {"x", "y"}}
    await api.put_item(table, item)
    assert await api.get_item(table, KEY) == item
    raw = raw_item(boto, table, "u", "1")
    assert raw is not None
    assert raw["name"] == {"S": "Ana"} and raw["age"] == {"N": "33"}
    assert sorted(raw["tags"]["SS"]) == ["x", "y"]


async def test_get_of_a_missing_key_returns_none(api: Twin, table: str) -> None:
    assert await api.get_item(table, {"pk": "nobody", "sk": "0"}) is None


async def test_consistent_read_is_accepted(api: Twin, table: str) -> None:
    await api.put_item(table, {**KEY, "v": 1})
    assert await api.get_item(table, KEY, consistent_read=True) == {**KEY, "v": 1}
    assert await api.get_item(table, {"pk": "u", "sk": "2"}, consistent_read=True) is None


async def test_get_with_projection_returns_only_those_paths(api: Twin, table: str) -> None:
    await api.put_item(table, {**KEY, "a": 1, "b": 2, "m": {"x": "kept", "y": "dropped"}, "name": "n"})
    got = await api.get_item(table, KEY, projection=["a", "m.x"])
    assert got == {"a": 1, "m": {"x": "kept"}}
    # Reserved words are safe: the projection is sent with placeholders.
    assert await api.get_item(table, KEY, projection=["name"]) == {"name": "n"}


async def test_put_overwrites_without_a_condition(api: Twin, table: str, boto: Any) -> None:
    await api.put_item(table, {**KEY, "v": 1, "old": True})
    await api.put_item(table, {**KEY, "v": 2})
    assert raw_item(boto, table, "u", "1") == {"pk": {"S": "u"}, "sk": {"S": "1"}, "v": {"N": "2"}}


# -- conditions --------------------------------------------------------------------------------------


async def test_put_if_absent_passes_once_then_fails(api: Twin, table: str, boto: Any) -> None:
    await api.put_item(table, {**KEY, "v": "first"}, condition_expression="attribute_not_exists(pk)")
    with pytest.raises(ConditionalCheckFailedException) as info:
        await api.put_item(table, {**KEY, "v": "second"}, condition_expression="attribute_not_exists(pk)")
    err = info.value
    assert err.item is None
    assert err.code == "ConditionalCheckFailedException"
    assert err.status_code == 400
    assert err.table == table
    assert isinstance(err.request_id, str) and err.request_id
    assert raw_item(boto, table, "u", "1") == {"pk": {"S": "u"}, "sk": {"S": "1"}, "v": {"S": "first"}}


def _failing_call(op: str, table: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """An operation on the stored item whose condition is false."""
    cond = {"condition_expression": "attribute_not_exists(pk)"}
    if op == "put_item":
        return op, (table, {**KEY, "v": 99}), cond
    if op == "delete_item":
        return op, (table, KEY), cond
    return op, (table, KEY), {**cond, "updates": {"v": 99}}


@pytest.mark.parametrize("op", ["put_item", "delete_item", "update_item"])
@pytest.mark.parametrize("ask", [True, False], ids=["item-asked", "item-not-asked"])
async def test_condition_failure_carries_the_current_item_only_when_asked(
    api: Twin, table: str, boto: Any, op: str, ask: bool
) -> None:
    stored = {**KEY, "v": 1, "m": {"nested": [1, "two"]}}
    await api.put_item(table, stored)
    name, args, kwargs = _failing_call(op, table)
    with pytest.raises(ConditionalCheckFailedException) as info:
        await getattr(api, name)(*args, return_values_on_condition_check_failure=ask, **kwargs)
    if ask:
        assert info.value.item == stored
    else:
        assert info.value.item is None
    # Nothing changed.
    assert await api.get_item(table, KEY, consistent_read=True) == stored


async def test_conditional_delete_and_update_pass_when_the_condition_holds(
    api: Twin, table: str, boto: Any
) -> None:
    await api.put_item(table, {**KEY, "state": "draft", "v": 1})
    await api.update_item(
        table,
        KEY,
        updates={"state": "published"},
        condition_expression="#s = :draft",
        expression_attribute_names={"#s": "state"},
        expression_attribute_values={":draft": "draft"},
    )
    assert raw_item(boto, table, "u", "1")["state"] == {"S": "published"}  # type: ignore[index]
    with pytest.raises(ConditionalCheckFailedException):
        await api.delete_item(
            table,
            KEY,
            condition_expression="#s = :draft",
            expression_attribute_names={"#s": "state"},
            expression_attribute_values={":draft": "draft"},
        )
    assert raw_item(boto, table, "u", "1") is not None
    await api.delete_item(
        table,
        KEY,
        condition_expression="#s = :p",
        expression_attribute_names={"#s": "state"},
        expression_attribute_values={":p": "published"},
    )
    assert raw_item(boto, table, "u", "1") is None


# -- return values and metrics ------------------------------------------------------------------------


async def test_put_all_old_returns_the_replaced_item(api: Twin, table: str) -> None:
    assert await api.put_item(table, {**KEY, "v": 1}, return_values="ALL_OLD") is None  # nothing before
    old = await api.put_item(table, {**KEY, "v": 2}, return_values="ALL_OLD")
    assert old == {**KEY, "v": 1}
    assert await api.get_item(table, KEY) == {**KEY, "v": 2}


async def test_delete_all_old_returns_the_deleted_item(api: Twin, table: str, boto: Any) -> None:
    await api.put_item(table, {**KEY, "v": 1, "s": {"a"}})
    assert await api.delete_item(table, KEY, return_values="ALL_OLD") == {**KEY, "v": 1, "s": {"a"}}
    assert raw_item(boto, table, "u", "1") is None
    assert await api.delete_item(table, KEY, return_values="ALL_OLD") is None  # already gone


@pytest.mark.parametrize(
    ("return_values", "expected"),
    [
        ("ALL_NEW", {**KEY, "a": 2, "b": "keep", "c": 1}),
        ("UPDATED_NEW", {"a": 2, "c": 1}),
        ("ALL_OLD", {**KEY, "a": 1, "b": "keep"}),
        ("UPDATED_OLD", {"a": 1}),
    ],
)
async def test_update_return_values(
    api: Twin, table: str, return_values: str, expected: dict[str, Any]
) -> None:
    await api.put_item(table, {**KEY, "a": 1, "b": "keep"})
    got = await api.update_item(table, KEY, updates={"a": 2, "c": 1}, return_values=return_values)
    assert got == expected


@pytest.mark.parametrize("op", ["put_item", "delete_item", "update_item"])
@pytest.mark.parametrize("return_values", [None, "NONE"])
async def test_without_return_values_the_result_is_operation_metrics(
    api: Twin, table: str, op: str, return_values: str | None
) -> None:
    await api.put_item(table, {**KEY, "v": 0})
    if op == "put_item":
        result = await api.put_item(table, {**KEY, "v": 1}, return_values=return_values)
    elif op == "delete_item":
        result = await api.delete_item(table, KEY, return_values=return_values)
    else:
        result = await api.update_item(table, KEY, updates={"v": 2}, return_values=return_values)
    assert isinstance(result, OperationMetrics)
    assert result.duration_ms > 0
    assert result.consumed_wcu is None or isinstance(result.consumed_wcu, float)
    assert result.attempts >= 1
    assert result.request_id is None or isinstance(result.request_id, str)


# -- update ----------------------------------------------------------------------------------------------


async def test_updates_dict_sets_and_removes(api: Twin, table: str, boto: Any) -> None:
    await api.put_item(table, {**KEY, "a": 0, "b": "to be removed", "c": "untouched"})
    await api.update_item(table, KEY, updates={"a": 1, "b": None})
    raw = raw_item(boto, table, "u", "1")
    assert raw is not None
    assert raw["a"] == {"N": "1"}
    assert "b" not in raw  # removed, not stored as NULL
    assert raw["c"] == {"S": "untouched"}


async def test_updates_dict_creates_the_item_and_handles_reserved_words(
    api: Twin, table: str, boto: Any
) -> None:
    await api.update_item(table, KEY, updates={"name": "x", "status": "on", "size": 3})
    raw = raw_item(boto, table, "u", "1")
    assert raw == {
        "pk": {"S": "u"},
        "sk": {"S": "1"},
        "name": {"S": "x"},
        "status": {"S": "on"},
        "size": {"N": "3"},
    }


async def test_update_expression_with_names_and_values(api: Twin, table: str, boto: Any) -> None:
    for i in range(2):
        await api.update_item(
            table,
            KEY,
            update_expression="SET #n = :v ADD #c :one",
            expression_attribute_names={"#n": "name", "#c": "count"},
            expression_attribute_values={":v": f"v{i}", ":one": 1},
        )
    raw = raw_item(boto, table, "u", "1")
    assert raw is not None
    assert raw["name"] == {"S": "v1"}
    assert raw["count"] == {"N": "2"}


async def test_update_if_absent_fails_on_an_existing_item(api: Twin, table: str, boto: Any) -> None:
    await api.update_item(table, KEY, updates={"v": 1}, condition_expression="attribute_not_exists(pk)")
    with pytest.raises(ConditionalCheckFailedException):
        await api.update_item(table, KEY, updates={"v": 2}, condition_expression="attribute_not_exists(pk)")
    assert raw_item(boto, table, "u", "1")["v"] == {"N": "1"}  # type: ignore[index]


# -- bad inputs never reach DynamoDB -----------------------------------------------------------------


BAD_INPUTS = [
    pytest.param("get_item", ("tbl-ok", {}), {}, "key must name the partition key", id="get-empty-key"),
    pytest.param("delete_item", ("tbl-ok", {}), {}, "key must name the partition key", id="delete-empty-key"),
    pytest.param(
        "update_item",
        ("tbl-ok", {}),
        {"updates": {"a": 1}},
        "key must name the partition key",
        id="update-empty-key",
    ),
    pytest.param(
        "put_item", ("tbl-ok", {}), {}, "item must hold at least the key attributes", id="put-empty-item"
    ),
    pytest.param(
        "put_item",
        ("tbl-ok", KEY),
        {"condition_expression": "a = :v", "expression_attribute_values": {"v": 1}},
        "expression_attribute_values key \"v\" must start with ':'",
        id="values-key-without-colon",
    ),
    pytest.param(
        "update_item",
        ("tbl-ok", KEY),
        {
            "update_expression": "SET #n = :v",
            "expression_attribute_names": {"n": "name"},
            "expression_attribute_values": {":v": 1},
        },
        "expression_attribute_names key \"n\" must start with '#'",
        id="names-key-without-hash",
    ),
    pytest.param(
        "update_item",
        ("tbl-ok", KEY),
        {"updates": {"a": 1}, "update_expression": "SET a = :v", "expression_attribute_values": {":v": 1}},
        "pass either updates or update_expression, not both",
        id="updates-and-update-expression",
    ),
    pytest.param(
        "update_item",
        ("tbl-ok", KEY),
        {"updates": {}},
        "updates must set or remove at least one attribute",
        id="empty-updates",
    ),
    pytest.param(
        "put_item",
        ("tbl-ok", KEY),
        {"return_values": "BOGUS"},
        "return_values must be one of",
        id="put-bogus-rv",
    ),
    pytest.param(
        "put_item",
        ("tbl-ok", KEY),
        {"return_values": "ALL_NEW"},
        "return_values must be one of",
        id="put-all-new",
    ),
    pytest.param(
        "delete_item",
        ("tbl-ok", KEY),
        {"return_values": "BOGUS"},
        "return_values must be one of",
        id="del-bogus-rv",
    ),
    pytest.param(
        "update_item",
        ("tbl-ok", KEY),
        {"updates": {"a": 1}, "return_values": "BOGUS"},
        "return_values must be one of",
        id="update-bogus-rv",
    ),
    pytest.param(
        "get_item", ("ab", KEY), {}, 'table name "ab" must be 3 to 255 characters', id="get-short-table"
    ),
    pytest.param(
        "put_item", ("ab", KEY), {}, 'table name "ab" must be 3 to 255 characters', id="put-short-table"
    ),
]


@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize(("op", "args", "kwargs", "message"), BAD_INPUTS)
async def test_bad_inputs_raise_before_sending(
    proxy: FaultProxy, mode: str, op: str, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        await getattr(api, op)(*args, **kwargs)
    assert message in str(info.value)
    assert proxy.requests == []  # nothing was sent


# -- concurrency ------------------------------------------------------------------------------------------


async def test_many_concurrent_calls(client: DynamoDBClient, table: str, boto: Any) -> None:
    """Async calls overlap on one event loop; sync calls from several threads share the client."""
    await asyncio.gather(*(client.put_item(table, {"pk": "c", "sk": f"{i:03d}", "n": i}) for i in range(40)))
    got = await asyncio.gather(*(client.get_item(table, {"pk": "c", "sk": f"{i:03d}"}) for i in range(40)))
    assert [g["n"] for g in got] == list(range(40))  # type: ignore[index]

    def sync_worker(start: int) -> list[int]:
        for i in range(start, start + 10):
            client.sync_put_item(table, {"pk": "c", "sk": f"{i:03d}", "n": i})
        return [
            client.sync_get_item(table, {"pk": "c", "sk": f"{i:03d}"})["n"] for i in range(start, start + 10)
        ]  # type: ignore[index]

    results = await asyncio.gather(*(asyncio.to_thread(sync_worker, s) for s in range(40, 80, 10)))
    assert [n for r in results for n in r] == list(range(40, 80))
    assert boto.scan(TableName=table, Select="COUNT")["Count"] == 80
