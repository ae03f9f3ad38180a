"""Batch writes and reads: chunking, ordering, and what happens when DynamoDB leaves work unprocessed or
throttles (simulated by the fault proxy in front of moto). boto3 checks what was really stored.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from pydynox import OperationEvent, events
from pydynox.exceptions import UnprocessedItemsException, UnprocessedKeysException
from support.clients import make_client
from support.fault_proxy import FaultProxy
from support.twin import Twin


def item(i: int, **extra: Any) -> dict[str, Any]:
    return {"pk": "b", "sk": f"{i:04d}", "n": i, "a": f"a{i}", "b": f"b{i}", **extra}


def key(i: int) -> dict[str, str]:
    return {"pk": "b", "sk": f"{i:04d}"}


def k(d: dict[str, Any]) -> tuple[str, str]:
    return (d["pk"], d["sk"])


def stored(boto: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything in the table, read with boto3 (consistent), keyed by (pk, sk)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = boto.scan(**kwargs)
        for raw in page["Items"]:
            out[(raw["pk"]["S"], raw["sk"]["S"])] = raw
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_writes(proxy: FaultProxy) -> list[Any]:
    return [r for r in proxy.requests if r.operation == "BatchWriteItem"]


# -- batch_write -------------------------------------------------------------------------------------


async def test_batch_write_of_more_than_five_chunks_writes_everything(
    api: Twin, table: str, boto: Any
) -> None:
    items = [item(i) for i in range(130)]
    assert await api.batch_write(table, put_items=items) is None
    assert boto.scan(TableName=table, Select="COUNT")["Count"] == 130
    raw = stored(boto, table)
    assert raw[("b", "0129")] == {
        "pk": {"S": "b"},
        "sk": {"S": "0129"},
        "n": {"N": "129"},
        "a": {"S": "a129"},
        "b": {"S": "b129"},
    }


async def test_batch_write_deletes_and_puts_in_one_call(api: Twin, table: str, boto: Any) -> None:
    await api.batch_write(table, put_items=[item(i) for i in range(60)])
    await api.batch_write(
        table, put_items=[item(i) for i in range(60, 90)], delete_keys=[key(i) for i in range(40)]
    )
    assert set(stored(boto, table)) == {("b", f"{i:04d}") for i in range(40, 90)}


async def test_batch_write_of_nothing_sends_nothing(mode: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.batch_write("never-created", put_items=[], delete_keys=[])
    assert proxy.requests == []


async def test_batch_write_retries_unprocessed_items(
    mode: str, table: str, boto: Any, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    proxy.unprocessed("BatchWriteItem", times=3, fraction=0.5)
    items = [item(i) for i in range(130)]
    await api.batch_write(table, put_items=items)
    assert set(stored(boto, table)) == {k(i) for i in items}
    requests = batch_writes(proxy)
    # 6 chunks, and one retry for each of the 3 partial answers.
    assert len(requests) == 6 + 3
    assert sum(r.fault == "unprocessed" for r in requests) == 3


async def test_batch_write_backs_off_between_retries(
    mode: str, table: str, boto: Any, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    proxy.unprocessed("BatchWriteItem", times=4, fraction=0.5)
    seen: list[OperationEvent] = []
    items = [item(i) for i in range(20)]  # one chunk: 20 -> 10 -> 5 -> 2 -> 1 left after each answer
    with events.subscribe(seen.append):
        await api.batch_write(table, put_items=items)
    assert set(stored(boto, table)) == {k(i) for i in items}
    requests = batch_writes(proxy)
    assert [r.fault for r in requests] == ["unprocessed"] * 4 + [None]
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert len(gaps) == 4
    assert all(g > 0 for g in gaps)
    # Each gap is one round trip plus a full-jitter wait below 50, 100, 200 and 400 ms: the retries
    # are spread out, yet the sequence stays within those caps (plus generous slack for a slow machine).
    assert sum(gaps) > 0.03, gaps
    assert sum(gaps) < 0.75 + 2.0, gaps
    (event,) = [e for e in seen if e.operation == "BatchWriteItem"]
    assert event.ok
    assert event.unprocessed_retries == 4


async def test_batch_write_survives_throttling(mode: str, table: str, boto: Any, proxy: FaultProxy) -> None:
    # One SDK attempt per request: the batch layer itself must see and retry the throttles.
    api = Twin(make_client(proxy.endpoint_url, max_attempts=1), mode)
    proxy.throttle("BatchWriteItem", times=2)
    items = [item(i) for i in range(30)]
    await api.batch_write(table, put_items=items)
    assert set(stored(boto, table)) == {k(i) for i in items}
    requests = batch_writes(proxy)
    assert sum(r.fault == "throttle" for r in requests) == 2
    assert len(requests) == 2 + 2  # two chunks, two throttled requests sent again


async def test_batch_write_survives_throttling_with_sdk_retries(
    mode: str, table: str, boto: Any, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    proxy.throttle("BatchWriteItem", times=2)
    items = [item(i) for i in range(30)]
    await api.batch_write(table, put_items=items)
    assert set(stored(boto, table)) == {k(i) for i in items}


async def test_batch_write_reports_exactly_what_was_not_written(
    mode: str, table: str, boto: Any, proxy: FaultProxy
) -> None:
    to_delete = [item(i) for i in range(100, 120)]
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.batch_write(table, put_items=to_delete)
    puts = [item(i) for i in range(60)]
    deletes = [key(i) for i in range(100, 120)]
    proxy.clear()
    proxy.unprocessed("BatchWriteItem", times=50, fraction=0.5)
    with pytest.raises(UnprocessedItemsException) as info:
        await api.batch_write(table, put_items=puts, delete_keys=deletes, max_retries=2)
    err = info.value
    now = stored(boto, table)
    unwritten_puts = {k(p) for p in puts} - set(now)
    undone_deletes = {k(d) for d in deletes} & set(now)
    assert unwritten_puts and undone_deletes  # the faults really left work undone
    assert sorted(k(p) for p in err.put_items) == sorted(unwritten_puts)
    assert sorted(k(d) for d in err.delete_keys) == sorted(undone_deletes)
    # The reported items are the full items (so they can be written again), keys are keys.
    by_key = {k(p): p for p in puts}
    assert all(p == by_key[k(p)] for p in err.put_items)
    assert all(set(d) == {"pk", "sk"} for d in err.delete_keys)
    assert err.cause is None
    assert err.table == table
    assert err.code == "UnprocessedItems"
    total = len(err.put_items) + len(err.delete_keys)
    assert f"{total} of 80 write requests" in err.message
    # Every chunk was sent 1 + max_retries times.
    assert len(batch_writes(proxy)) == 4 * 3
    # Writing the reported items again completes the job.
    proxy.clear()
    await api.batch_write(table, put_items=err.put_items, delete_keys=err.delete_keys)
    assert set(stored(boto, table)) == {k(p) for p in puts}


async def test_batch_write_gives_up_on_persistent_throttling_with_the_cause(
    mode: str, table: str, boto: Any, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url, max_attempts=1), mode)
    proxy.throttle("BatchWriteItem", times=50)
    # Values of every kind: the failed chunk is read back from the body the SDK sent, so what is
    # reported must be exactly what was given, not an approximation of it.
    extra = {
        "dec": Decimal("12.5000"),
        "big": 10**30,
        "text": 'quote " backslash \\ newline \n é 😀',
        "blob": b"\x00\xff",
        "tags": {"x", "y"},
        "nums": {1, 2},
        "nested": {"l": [None, True, {"deep": "v"}]},
    }
    puts = [item(i, **extra) for i in range(10)]
    with pytest.raises(UnprocessedItemsException) as info:
        await api.batch_write(table, put_items=puts, max_retries=1)
    assert sorted(info.value.put_items, key=k) == sorted(puts, key=k)
    assert info.value.cause is not None
    assert info.value.cause.code == "ProvisionedThroughputExceededException"
    assert stored(boto, table) == {}


# -- batch_get ---------------------------------------------------------------------------------------


async def test_batch_get_returns_found_items_in_key_order(api: Twin, table: str) -> None:
    await api.batch_write(table, put_items=[item(i) for i in range(125)])
    keys = [key(i) for i in range(130)]  # 125..129 do not exist
    random.Random(7).shuffle(keys)
    keys.insert(60, dict(keys[3]))  # one duplicate: 131 keys asked
    got = await api.batch_get(table, keys)
    expected_order: list[tuple[str, str]] = []
    for kk in keys:
        if int(kk["sk"]) < 125 and k(kk) not in expected_order:
            expected_order.append(k(kk))
    assert [k(g) for g in got] == expected_order
    assert len(got) == 125
    assert all(g == item(int(g["sk"])) for g in got)


async def test_batch_get_of_nothing_and_of_missing_keys(api: Twin, table: str) -> None:
    assert await api.batch_get(table, []) == []
    assert await api.batch_get(table, [key(1), key(2)]) == []


async def test_batch_get_with_projection(api: Twin, table: str) -> None:
    await api.batch_write(table, put_items=[item(i, m={"x": i, "y": "no"}) for i in range(30)])
    keys = [key(i) for i in reversed(range(30))]
    got = await api.batch_get(table, keys, projection=["a", "m.x"])
    assert got == [{"a": f"a{i}", "m": {"x": i}} for i in reversed(range(30))]
    with_key = await api.batch_get(table, keys[:3], projection=["sk", "n"], consistent_read=True)
    assert with_key == [{"sk": "0029", "n": 29}, {"sk": "0028", "n": 28}, {"sk": "0027", "n": 27}]


async def test_batch_get_retries_unprocessed_keys(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.batch_write(table, put_items=[item(i) for i in range(150)])
    proxy.clear()
    proxy.unprocessed("BatchGetItem", times=3, fraction=0.5)
    keys = [key(i) for i in range(150)]
    got = await api.batch_get(table, keys)
    assert [k(g) for g in got] == [k(kk) for kk in keys]
    requests = [r for r in proxy.requests if r.operation == "BatchGetItem"]
    assert sum(r.fault == "unprocessed" for r in requests) == 3
    assert len(requests) == 2 + 3  # two chunks of up to 100 keys, three retries


async def test_batch_get_reports_exactly_what_was_not_read(mode: str, table: str, proxy: FaultProxy) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.batch_write(table, put_items=[item(i) for i in range(130)])
    proxy.clear()
    proxy.unprocessed("BatchGetItem", times=50, fraction=0.5)
    keys = [key(i) for i in range(130)]
    random.Random(3).shuffle(keys)
    with pytest.raises(UnprocessedKeysException) as info:
        await api.batch_get(table, keys, max_retries=2)
    err = info.value
    read = [k(i) for i in err.items]
    unread = [k(kk) for kk in err.unprocessed_keys]
    assert unread, "the faults really left keys unread"
    assert set(read).isdisjoint(unread)
    assert sorted(read + unread) == sorted(k(kk) for kk in keys)  # a partition of the keys
    assert len(read) == len(set(read)) and len(unread) == len(set(unread))
    assert read == [k(kk) for kk in keys if k(kk) in set(read)]  # found items keep the key order
    assert all(i == item(int(i["sk"])) for i in err.items)
    assert all(set(kk) == {"pk", "sk"} for kk in err.unprocessed_keys)
    assert err.cause is None
    assert err.code == "UnprocessedKeys"
    assert err.table == table
    # Each of the two chunks was sent 1 + max_retries times.
    assert len([r for r in proxy.requests if r.operation == "BatchGetItem"]) == 2 * 3


async def test_batch_get_with_projection_survives_unprocessed_keys(
    mode: str, table: str, proxy: FaultProxy
) -> None:
    api = Twin(make_client(proxy.endpoint_url), mode)
    await api.batch_write(table, put_items=[item(i) for i in range(40)])
    proxy.clear()
    proxy.unprocessed("BatchGetItem", times=3, fraction=0.5)
    keys = [key(i) for i in reversed(range(40))]
    got = await api.batch_get(table, keys, projection=["a"])
    assert got == [{"a": f"a{i}"} for i in reversed(range(40))]
    assert sum(r.fault == "unprocessed" for r in proxy.requests) == 3
