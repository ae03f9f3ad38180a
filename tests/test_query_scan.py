"""Query and Scan: iteration, pagination (``limit``, ``page_size``, resume keys, 1 MB pages), single
pages, COUNT and parallel scans.

The async iterators are consumed with ``async for``; the sync ones with ``for``, inside a worker thread
so that the test's event loop is never blocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import pytest
from pydynox import DynamoDBClient, Model, ModelConfig, OperationMetrics, Page
from pydynox.attributes import NumberAttribute, StringAttribute, StringSetAttribute
from support.backends import Backend
from support.clients import make_client
from support.fault_proxy import FaultProxy

N = 60
SKS = [f"{i:04d}" for i in range(N)]
OTHERS = {"q": 5, "r": 3}
TOTAL = N + sum(OTHERS.values())
KC = "pk = :p"
P = {":p": "p"}


class Reader:
    """Opens ``query``/``scan`` (async) or ``sync_query``/``sync_scan`` and consumes them accordingly."""

    def __init__(self, client: DynamoDBClient, mode: str) -> None:
        self.client = client
        self.mode = mode

    def open(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.client, op if self.mode == "async" else f"sync_{op}")(*args, **kwargs)

    async def _run(self, async_fn: Callable[[], Coroutine[Any, Any, Any]], sync_fn: Callable[[], Any]) -> Any:
        if self.mode == "async":
            return await async_fn()
        return await asyncio.to_thread(sync_fn)

    async def iterate(self, result: Any) -> Any:
        """``async for`` / ``for`` over the result."""

        async def a() -> list[dict[str, Any]]:
            return [item async for item in result]

        return await self._run(a, lambda: [item for item in result])

    async def all(self, result: Any) -> Any:
        return await self._run(result.all, result.all)

    async def first(self, result: Any) -> Any:
        return await self._run(result.first, result.first)

    async def pages(self, result: Any) -> Any:
        async def a() -> list[list[dict[str, Any]]]:
            return [page async for page in result.pages()]

        return await self._run(a, lambda: list(result.pages()))

    async def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """A plain operation (query_page, scan_page, count, parallel_scan) through either face."""
        if self.mode == "async":
            return await getattr(self.client, op)(*args, **kwargs)
        return await asyncio.to_thread(getattr(self.client, f"sync_{op}"), *args, **kwargs)


@pytest.fixture
def reader(client: DynamoDBClient, mode: str) -> Reader:
    return Reader(client, mode)


@pytest.fixture
def loaded(client: DynamoDBClient, table: str) -> str:
    """The table with partition ``p`` (sk 0000..0059, ``n`` = i, ``even``) and partitions q and r."""
    items = [{"pk": "p", "sk": sk, "n": i, "even": i % 2 == 0, "pad": "x" * 10} for i, sk in enumerate(SKS)]
    for pk, count in OTHERS.items():
        items += [{"pk": pk, "sk": f"{i:04d}", "n": i, "even": i % 2 == 0} for i in range(count)]
    client.sync_batch_write(table, put_items=items)
    return table


def sks(items: list[dict[str, Any]]) -> list[str]:
    return [item["sk"] for item in items]


def boto_keys(boto: Any, table: str) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        out = boto.scan(**kwargs)
        keys |= {(i["pk"]["S"], i["sk"]["S"]) for i in out["Items"]}
        if "LastEvaluatedKey" not in out:
            return keys
        kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]


# -- iteration -----------------------------------------------------------------------------------------


async def test_iterating_a_query_yields_the_whole_partition_in_order(reader: Reader, loaded: str) -> None:
    items = await reader.iterate(reader.open("query", loaded, KC, expression_attribute_values=P))
    assert sks(items) == SKS
    assert {item["pk"] for item in items} == {"p"}
    assert items[7] == {"pk": "p", "sk": "0007", "n": 7, "even": False, "pad": "x" * 10}


async def test_all_and_first(reader: Reader, loaded: str) -> None:
    assert sks(await reader.all(reader.open("query", loaded, KC, expression_attribute_values=P))) == SKS
    first = await reader.first(reader.open("query", loaded, KC, expression_attribute_values=P))
    assert first is not None and first["sk"] == "0000"
    none = await reader.first(reader.open("query", loaded, KC, expression_attribute_values={":p": "nobody"}))
    assert none is None
    assert (
        await reader.all(reader.open("query", loaded, KC, expression_attribute_values={":p": "nobody"})) == []
    )


async def test_first_then_all_continues_without_skipping_or_repeating(reader: Reader, loaded: str) -> None:
    result = reader.open("query", loaded, KC, expression_attribute_values=P, page_size=10)
    first = await reader.first(result)
    assert first is not None and first["sk"] == "0000"
    assert sks(await reader.all(result)) == SKS[1:]
    assert result.last_evaluated_key is None
    assert await reader.first(result) is None  # exhausted


async def test_first_fetches_a_single_page(mode: str, loaded: str, proxy: FaultProxy) -> None:
    reader = Reader(make_client(proxy.endpoint_url), mode)
    first = await reader.first(reader.open("query", loaded, KC, expression_attribute_values=P, page_size=5))
    assert first is not None and first["sk"] == "0000"
    assert [r.operation for r in proxy.requests] == ["Query"]


async def test_pages_follow_page_size(reader: Reader, loaded: str) -> None:
    pages = await reader.pages(reader.open("query", loaded, KC, expression_attribute_values=P, page_size=25))
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [sk for page in pages for sk in sks(page)] == SKS


async def test_iterating_a_scan_yields_every_item_once(reader: Reader, loaded: str, boto: Any) -> None:
    items = await reader.iterate(reader.open("scan", loaded, page_size=7))
    keys = [(i["pk"], i["sk"]) for i in items]
    assert len(keys) == TOTAL == len(set(keys))
    assert set(keys) == boto_keys(boto, loaded)
    limited = await reader.all(reader.open("scan", loaded, limit=10, page_size=4))
    assert len(limited) == 10
    assert [(i["pk"], i["sk"]) for i in limited] == keys[:10]


# -- limit and resuming ------------------------------------------------------------------------------


async def test_limit_returns_exactly_that_many_and_the_key_resumes_after_them(
    reader: Reader, loaded: str
) -> None:
    result = reader.open("query", loaded, KC, expression_attribute_values=P, limit=25)
    items = await reader.iterate(result)
    assert sks(items) == SKS[:25]
    assert result.last_evaluated_key == {"pk": "p", "sk": "0024"}
    rest = reader.open(
        "query", loaded, KC, expression_attribute_values=P, last_evaluated_key=result.last_evaluated_key
    )
    assert sks(await reader.all(rest)) == SKS[25:]
    assert rest.last_evaluated_key is None


async def test_resuming_repeatedly_with_limit_and_page_size_neither_skips_nor_repeats(
    reader: Reader, loaded: str
) -> None:
    collected: list[str] = []
    chunks: list[int] = []
    lek: dict[str, Any] | None = None
    for _ in range(20):  # bounded: 60 items / 7 per call needs 9 calls
        result = reader.open(
            "query", loaded, KC, expression_attribute_values=P, limit=7, page_size=3, last_evaluated_key=lek
        )
        items = await reader.all(result)
        chunks.append(len(items))
        collected += sks(items)
        lek = result.last_evaluated_key
        if lek is None:
            break
        assert lek == {"pk": "p", "sk": collected[-1]}  # resumes right after the last item returned
    assert lek is None, "pagination did not finish"
    assert collected == SKS
    assert chunks == [7] * 8 + [4]


async def test_limit_counts_items_after_the_filter(reader: Reader, loaded: str) -> None:
    result = reader.open(
        "query",
        loaded,
        KC,
        filter_expression="even = :t",
        expression_attribute_values={**P, ":t": True},
        limit=5,
        page_size=4,
    )
    items = await reader.all(result)
    assert sks(items) == ["0000", "0002", "0004", "0006", "0008"]
    assert result.scanned_count >= 9  # DynamoDB's Limit is applied before the filter


@pytest.mark.parametrize("page_size", [None, 7, 25, 60])
async def test_page_size_only_changes_the_number_of_requests(
    mode: str, loaded: str, proxy: FaultProxy, page_size: int | None, backend: Backend
) -> None:
    reader = Reader(make_client(proxy.endpoint_url), mode)
    items = await reader.all(
        reader.open("query", loaded, KC, expression_attribute_values=P, page_size=page_size)
    )
    assert sks(items) == SKS
    queries = [r for r in proxy.requests if r.operation == "Query"]
    expected = {None: 1, 7: 9, 25: 3, 60: 1}[page_size]
    if page_size == 60 and backend.name == "engine":
        # A page that reaches Limit carries a LastEvaluatedKey even when nothing follows, as in
        # DynamoDB ("a LastEvaluatedKey does not necessarily mean there is more data"); moto omits it.
        expected = 2
    assert len(queries) == expected
    assert len(proxy.requests) == expected


async def test_scan_index_forward_false_reverses(reader: Reader, loaded: str) -> None:
    items = await reader.all(
        reader.open("query", loaded, KC, expression_attribute_values=P, scan_index_forward=False)
    )
    assert sks(items) == SKS[::-1]
    result = reader.open(
        "query", loaded, KC, expression_attribute_values=P, scan_index_forward=False, limit=3
    )
    assert sks(await reader.all(result)) == ["0059", "0058", "0057"]
    rest = reader.open(
        "query",
        loaded,
        KC,
        expression_attribute_values=P,
        scan_index_forward=False,
        last_evaluated_key=result.last_evaluated_key,
    )
    assert sks(await reader.all(rest)) == SKS[::-1][3:]


async def test_key_condition_on_the_sort_key(reader: Reader, loaded: str) -> None:
    items = await reader.all(
        reader.open(
            "query",
            loaded,
            "pk = :p AND sk BETWEEN :a AND :b",
            expression_attribute_values={**P, ":a": "0010", ":b": "0014"},
        )
    )
    assert sks(items) == ["0010", "0011", "0012", "0013", "0014"]


async def test_filter_expression(reader: Reader, loaded: str) -> None:
    items = await reader.all(
        reader.open(
            "query",
            loaded,
            KC,
            filter_expression="#n >= :min AND even = :t",
            expression_attribute_names={"#n": "n"},
            expression_attribute_values={**P, ":min": 50, ":t": True},
        )
    )
    assert sks(items) == ["0050", "0052", "0054", "0056", "0058"]
    scanned = await reader.all(
        reader.open("scan", loaded, filter_expression="pk = :q", expression_attribute_values={":q": "q"})
    )
    assert sorted(sks(scanned)) == [f"{i:04d}" for i in range(OTHERS["q"])]


async def test_projection_expression(reader: Reader, loaded: str) -> None:
    items = await reader.all(
        reader.open(
            "query",
            loaded,
            KC,
            projection_expression="#s, #n",
            expression_attribute_names={"#s": "sk", "#n": "n"},
            expression_attribute_values=P,
            limit=3,
        )
    )
    assert items == [{"sk": "0000", "n": 0}, {"sk": "0001", "n": 1}, {"sk": "0002", "n": 2}]
    scanned = await reader.all(reader.open("scan", loaded, projection_expression="pk"))
    assert len(scanned) == TOTAL
    assert all(set(item) == {"pk"} for item in scanned)


# -- single pages ------------------------------------------------------------------------------------


async def test_query_page_is_one_request(reader: Reader, loaded: str) -> None:
    page = await reader.call("query_page", loaded, KC, expression_attribute_values=P, limit=10)
    assert isinstance(page, Page)
    assert sks(page.items) == SKS[:10]
    assert page.count == 10 and page.scanned_count == 10
    assert page.last_evaluated_key == {"pk": "p", "sk": "0009"}
    assert isinstance(page.metrics, OperationMetrics) and page.metrics.duration_ms > 0
    nxt = await reader.call(
        "query_page",
        loaded,
        KC,
        expression_attribute_values=P,
        limit=100,
        exclusive_start_key=page.last_evaluated_key,
    )
    assert sks(nxt.items) == SKS[10:]
    assert nxt.last_evaluated_key is None


async def test_query_page_select_count(reader: Reader, loaded: str) -> None:
    page = await reader.call("query_page", loaded, KC, expression_attribute_values=P, select="COUNT")
    assert page.count == N
    assert page.items == []


async def test_scan_page_is_one_request(reader: Reader, loaded: str) -> None:
    page = await reader.call("scan_page", loaded, limit=5)
    assert len(page.items) == 5
    assert page.count == 5 and page.scanned_count == 5
    assert page.last_evaluated_key is not None
    rest = await reader.call("scan_page", loaded, exclusive_start_key=page.last_evaluated_key)
    keys = [(i["pk"], i["sk"]) for i in page.items + rest.items]
    assert len(keys) == TOTAL == len(set(keys))
    assert rest.last_evaluated_key is None


# -- count and parallel scan --------------------------------------------------------------------------


async def test_count(reader: Reader, loaded: str) -> None:
    total, metrics = await reader.call("count", loaded)
    assert (type(total), total) == (int, TOTAL)
    assert isinstance(metrics, OperationMetrics)
    in_p, metrics = await reader.call(
        "count", loaded, expression_attribute_values=P, key_condition_expression=KC
    )
    assert (type(in_p), in_p) == (int, N)
    assert isinstance(metrics, OperationMetrics)
    even_p, _ = await reader.call(
        "count",
        loaded,
        filter_expression="even = :t",
        expression_attribute_values={**P, ":t": True},
        key_condition_expression=KC,
    )
    assert even_p == N // 2
    nobody, _ = await reader.call(
        "count", loaded, expression_attribute_values={":p": "nobody"}, key_condition_expression=KC
    )
    assert nobody == 0


async def test_parallel_scan_returns_every_item_exactly_once(reader: Reader, loaded: str, boto: Any) -> None:
    items, metrics = await reader.call("parallel_scan", loaded, total_segments=4)
    keys = [(i["pk"], i["sk"]) for i in items]
    assert len(keys) == TOTAL == len(set(keys))
    assert set(keys) == boto_keys(boto, loaded)
    assert isinstance(metrics, OperationMetrics)
    filtered, _ = await reader.call(
        "parallel_scan",
        loaded,
        total_segments=3,
        filter_expression="pk = :r",
        expression_attribute_values={":r": "r"},
    )
    assert sorted(sks(filtered)) == [f"{i:04d}" for i in range(OTHERS["r"])]


# -- 1 MB pages -----------------------------------------------------------------------------------------


BIG = 300


@pytest.fixture
def big(client: DynamoDBClient, table: str) -> str:
    """300 items of about 4 KB in partition ``big``: about 1.2 MB, more than one DynamoDB page."""
    client.sync_batch_write(
        table, put_items=[{"pk": "big", "sk": f"{i:04d}", "blob": "x" * 4000} for i in range(BIG)]
    )
    return table


async def test_query_crosses_1mb_pages(reader: Reader, big: str) -> None:
    kc = {":p": "big"}
    items = await reader.all(reader.open("query", big, KC, expression_attribute_values=kc))
    assert sks(items) == [f"{i:04d}" for i in range(BIG)]
    assert all(len(i["blob"]) == 4000 for i in items)
    pages = await reader.pages(reader.open("query", big, KC, expression_attribute_values=kc))
    assert len(pages) > 1
    assert [sk for page in pages for sk in sks(page)] == [f"{i:04d}" for i in range(BIG)]
    scanned = await reader.pages(reader.open("scan", big))
    assert len(scanned) > 1
    assert sum(len(p) for p in scanned) == BIG


# -- bad arguments never reach DynamoDB ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "kwargs", "message"),
    [
        pytest.param("query", {"limit": 0}, "limit must be a positive whole number", id="query-limit-0"),
        pytest.param(
            "query", {"page_size": -1}, "page_size must be a positive whole number", id="query-page-size"
        ),
        pytest.param(
            "query", {"limit": True}, "limit must be a positive whole number", id="query-limit-bool"
        ),
        pytest.param("scan", {"limit": 0}, "limit must be a positive whole number", id="scan-limit-0"),
    ],
)
async def test_bad_iterator_arguments_raise_before_sending(
    mode: str, proxy: FaultProxy, op: str, kwargs: dict[str, Any], message: str
) -> None:
    reader = Reader(make_client(proxy.endpoint_url), mode)
    args = ("never-created", KC) if op == "query" else ("never-created",)
    with pytest.raises(ValueError, match=message):
        reader.open(op, *args, **kwargs)
    assert proxy.requests == []


@pytest.mark.parametrize(
    ("op", "args", "kwargs", "message"),
    [
        pytest.param(
            "query_page", (KC,), {"limit": 0}, "limit must be a positive whole number", id="query-page"
        ),
        pytest.param(
            "scan_page", (), {"segment": 1}, "segment and total_segments go together", id="segment-alone"
        ),
        pytest.param(
            "scan_page",
            (),
            {"segment": 4, "total_segments": 4},
            "0 <= segment < total_segments",
            id="segment-high",
        ),
        pytest.param("scan_page", (), {"select": "SOME"}, "select must be", id="bad-select"),
        pytest.param(
            "parallel_scan", (), {"total_segments": 0}, "total_segments must be from 1", id="segments-0"
        ),
    ],
)
async def test_bad_page_arguments_raise_before_sending(
    mode: str, proxy: FaultProxy, op: str, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    reader = Reader(make_client(proxy.endpoint_url), mode)
    with pytest.raises(ValueError, match=message):
        await reader.call(op, "never-created", *args, **kwargs)
    assert proxy.requests == []


# -- items read from the response bytes ------------------------------------------------------------

AWKWARD = {
    "pk": "w",
    "sk": "1",
    "quotes": 'say "hi" \\ back/slash',
    "controls": "tab\there\nnew line \x01 and \u2028",
    "unicode": "café 😀 中文",
    "empty": "",
    "big": 123456789012345678901234567890123456,
    "precise": Decimal("-0.00000000000000000000000000000000001"),
    "exponent": Decimal("1.5E+20"),
    "truth": False,
    "nothing": None,
    "blob": b"\x00\xff binary",
    "strings": {"a", 'b "quoted"'},
    "numbers": {1, Decimal("2.5"), -3},
    "blobs": {b"\x00", b"\x01\x02"},
    "nested": {"list": [1, "two", {"three": [Decimal("3.25"), None, True]}], "map": {}, "list0": []},
}


def test_query_pages_read_from_the_bytes_match_what_get_item_returns(
    client: DynamoDBClient, table: str
) -> None:
    # get_item goes through the SDK's own item types, a query page is read from the response bytes:
    # both must give the same Python values, whatever the item holds.
    client.sync_put_item(table, AWKWARD)
    stored = client.sync_get_item(table, {"pk": "w", "sk": "1"})
    (page_item,) = client.sync_query(table, "pk = :p", expression_attribute_values={":p": "w"}).all()
    (scanned,) = client.sync_scan(table).all()
    assert stored == AWKWARD
    assert page_item == stored
    assert scanned == stored
    assert type(page_item["big"]) is int and isinstance(page_item["precise"], Decimal)


def test_a_model_loaded_from_a_page_saves_only_its_change_and_keeps_the_rest(
    client: DynamoDBClient, table: str
) -> None:
    class Awkward(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        strings = StringSetAttribute()
        precise = NumberAttribute()

    # A model reads a stored NULL as None and saves None as "absent", so the NULL is left out here.
    item = {k: v for k, v in AWKWARD.items() if k != "nothing"}
    client.sync_put_item(table, item)
    (loaded,) = Awkward.sync_query(partition_key="w").all()
    assert loaded.strings == item["strings"] and loaded.precise == item["precise"]
    loaded.strings.add("c")  # an in-place change, seen against the snapshot kept as bytes
    loaded.sync_save()
    after = client.sync_get_item(table, {"pk": "w", "sk": "1"})
    assert after == {**item, "strings": {"a", 'b "quoted"', "c"}}
