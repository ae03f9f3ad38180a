"""Client-CPU benchmark: pydynox vs boto3 against one moto DynamoDB server.

Run from the repository root::

    .venv/bin/python benchmarks/bench_client.py            # full run (a few minutes on 2 cores)
    .venv/bin/python benchmarks/bench_client.py --quick    # short run (under a minute)

The moto server runs in a child process, so ``time.process_time_ns()`` of this process counts only
the CLIENT's CPU: the Python code, boto3/botocore, and pydynox's Rust core including its tokio worker
threads (they are threads of this process). Server time only shows up in the wall-clock numbers, which
is why wall time is reported for the concurrency workload only. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

import boto3  # noqa: E402
import pydynox  # noqa: E402
from boto3.dynamodb.conditions import Key  # noqa: E402
from boto3.dynamodb.types import TypeSerializer  # noqa: E402
from botocore.config import Config  # noqa: E402
from pydynox import DynamoDBClient  # noqa: E402
from support.moto_server import MotoServer  # noqa: E402

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"

QUERY_PK = "bench#query"  # the seeded 1000-item partition (query and get_item read it)
PUT_PK = "bench#put"  # put_item overwrites items here
ITEM_TARGET_BYTES = 1000  # DynamoDB item size of every benchmark item


# ----------------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class Settings:
    name: str
    reps: int  # timed repetitions per workload and contender (the median is reported)
    single_ops: int  # put_item / get_item calls per timed repetition
    single_warmup: int  # untimed calls before the first repetition
    query_items: int  # items in the queried partition
    query_reps: int
    batch_items: int
    batch_reps: int
    conc_ops: int  # concurrent get_item calls per repetition
    conc_in_flight: int
    conc_reps: int
    conc_warmup: int


FULL = Settings(
    name="full",
    reps=7,
    single_ops=100,
    single_warmup=30,
    query_items=1000,
    query_reps=7,
    batch_items=1000,
    batch_reps=7,
    conc_ops=2000,
    conc_in_flight=100,
    conc_reps=3,
    conc_warmup=200,
)

QUICK = Settings(
    name="quick",
    reps=3,
    single_ops=30,
    single_warmup=10,
    query_items=1000,
    query_reps=2,
    batch_items=1000,
    batch_reps=2,
    conc_ops=600,
    conc_in_flight=100,
    conc_reps=1,
    conc_warmup=150,
)


# ----------------------------------------------------------------------------------------------------
# Items


def _number_size(value: int | Decimal) -> int:
    digits = len(str(abs(value)).replace(".", "").lstrip("0")) or 1
    return (digits + 1) // 2 + 1


def dynamodb_size(value: Any) -> int:
    """Approximate DynamoDB item-size accounting of a value (names + values, as AWS documents it)."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (int, Decimal)):
        return _number_size(value)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return 3 + sum(len(k.encode()) + dynamodb_size(v) + 1 for k, v in value.items())
    if isinstance(value, list):
        return 3 + sum(dynamodb_size(v) + 1 for v in value)
    if isinstance(value, (set, frozenset)):
        return sum(dynamodb_size(v) for v in value)
    raise TypeError(type(value))


def item_size(item: dict[str, Any]) -> int:
    return sum(len(k.encode()) + dynamodb_size(v) for k, v in item.items())


_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
    "nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit "
    "esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt "
    "in culpa qui officia deserunt mollit anim id est laborum. "
) * 4


def make_item(pk: str, i: int) -> dict[str, Any]:
    """A ~1 KB item: a few strings, numbers, a bool, a nested map, a list and a string set."""
    item: dict[str, Any] = {
        "pk": pk,
        "sk": f"item#{i:06d}",
        "name": f"Customer {i}",
        "email": f"customer{i}@example.com",
        "status": ("active", "suspended", "closed")[i % 3],
        "created_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T12:{i % 60:02d}:00Z",
        "order_count": i,
        "balance": Decimal(f"{1000 + i}.{i % 100:02d}"),
        "verified": i % 2 == 0,
        "address": {
            "street": f"{i} Main Street",
            "city": "Lisbon",
            "zip": f"{1000 + i % 9000:04d}-{i % 1000:03d}",
            "geo": {"lat": Decimal("38.7223"), "lon": Decimal("-9.1393")},
        },
        "recent_orders": [
            {"id": f"ord-{i}-{n}", "total": Decimal(f"{10 + n}.99"), "items": n + 1} for n in range(3)
        ],
        "tags": {"vip", "newsletter", f"cohort-{i % 7}"},
        "description": "",
    }
    room = ITEM_TARGET_BYTES - item_size(item)
    item["description"] = _LOREM[: max(room, 0)]
    return item


_SERIALIZER = TypeSerializer()


def typed(item: dict[str, Any]) -> dict[str, Any]:
    """The low-level (typed JSON) form boto3's client takes: {"name": {"S": "..."}, ...}."""
    return {k: _SERIALIZER.serialize(v) for k, v in item.items()}


# ----------------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Sample:
    cpu_ns: int
    wall_ns: int


def measure(fn: Callable[[], Any]) -> tuple[Sample, Any]:
    gc.collect()
    w0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    out = fn()
    c1 = time.process_time_ns()
    w1 = time.perf_counter_ns()
    return Sample(c1 - c0, w1 - w0), out


async def ameasure(coro_fn: Callable[[], Any]) -> tuple[Sample, Any]:
    """Like ``measure``, but inside the running loop (loop start-up is not counted)."""
    gc.collect()
    w0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    out = await coro_fn()
    c1 = time.process_time_ns()
    w1 = time.perf_counter_ns()
    return Sample(c1 - c0, w1 - w0), out


@dataclass
class Contender:
    library: str  # row label, e.g. "pydynox (sync)"
    run: Callable[[], tuple[Sample, Any]]  # one timed repetition
    warmup: Callable[[], Any] | None = None
    check: Callable[[Any], None] | None = None


@dataclass
class Result:
    workload: str
    library: str
    ops: int  # operations per repetition
    items: int | None  # items per repetition (query / batch), else None
    samples: list[Sample] = field(default_factory=list)

    def median_cpu_ns(self) -> float:
        return statistics.median(s.cpu_ns for s in self.samples)

    def median_wall_ns(self) -> float:
        return statistics.median(s.wall_ns for s in self.samples)

    def to_json(self) -> dict[str, Any]:
        cpu = self.median_cpu_ns()
        wall = self.median_wall_ns()
        return {
            "workload": self.workload,
            "library": self.library,
            "ops_per_rep": self.ops,
            "items_per_rep": self.items,
            "reps": len(self.samples),
            "cpu_ms_per_rep_median": cpu / 1e6,
            "cpu_us_per_op_median": cpu / 1e3 / self.ops,
            "cpu_us_per_item_median": None if not self.items else cpu / 1e3 / self.items,
            "wall_ms_per_rep_median": wall / 1e6,
            "cpu_ms_per_rep_all": [s.cpu_ns / 1e6 for s in self.samples],
            "wall_ms_per_rep_all": [s.wall_ns / 1e6 for s in self.samples],
        }


def run_workload(
    workload: str, contenders: list[Contender], reps: int, ops: int, items: int | None
) -> list[Result]:
    """Warm every contender up, then run ``reps`` rounds; each round runs every contender once, in an
    order rotated per round so that drift (thermal, moto's state, other load) hits all of them alike."""
    print(f"  {workload}: ", end="", flush=True)
    t0 = time.perf_counter()
    results = [Result(workload, c.library, ops, items) for c in contenders]
    for c in contenders:
        if c.warmup is not None:
            c.warmup()
    for r in range(reps):
        k = r % len(contenders)
        order = list(range(len(contenders)))[k:] + list(range(len(contenders)))[:k]
        for idx in order:
            contender = contenders[idx]
            sample, out = contender.run()
            if contender.check is not None:
                contender.check(out)
            results[idx].samples.append(sample)
        print(".", end="", flush=True)
    print(f" {time.perf_counter() - t0:.1f} s")
    return results


# ----------------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, settings: Settings, endpoint: str) -> None:
        self.s = settings
        self.endpoint = endpoint
        self.table = f"bench-{uuid.uuid4().hex[:10]}"
        self.loop = asyncio.new_event_loop()

        self.pdx = DynamoDBClient(
            region=REGION, endpoint_url=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY
        )
        # One botocore config for both boto3 faces. The pool holds as many connections as requests in
        # flight in the threaded workload (the default of 10 would make boto3 reconnect constantly);
        # it changes nothing for the single-threaded workloads.
        cfg = Config(max_pool_connections=settings.conc_in_flight)
        self.session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        )
        self.boto = self.session.client("dynamodb", endpoint_url=endpoint, config=cfg)
        self.boto_table = self.session.resource("dynamodb", endpoint_url=endpoint, config=cfg).Table(
            self.table
        )
        self._cfg = cfg
        self._local = threading.local()

    def run_async(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    # -- setup ------------------------------------------------------------------------------------

    def setup(self) -> dict[str, Any]:
        s = self.s
        self.pdx.sync_create_table(self.table, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
        self.query_items = [make_item(QUERY_PK, i) for i in range(s.query_items)]
        self.pdx.sync_batch_write(self.table, put_items=self.query_items)
        # The seed is verified with boto3, independently of pydynox.
        count = 0
        for page in self.boto.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": QUERY_PK}},
            Select="COUNT",
        ):
            count += page["Count"]
        if count != s.query_items:
            raise RuntimeError(f"seeded {count} items, expected {s.query_items}")
        pages = 0
        for _ in self.boto.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": QUERY_PK}},
        ):
            pages += 1
        sample = self.query_items[0]
        sizes = [item_size(it) for it in self.query_items]
        return {
            "table": self.table,
            "seeded_items": count,
            "query_pages": pages,
            "item_size_bytes_min": min(sizes),
            "item_size_bytes_max": max(sizes),
            "item_typed_json_bytes": len(json.dumps(typed(sample), default=str)),
            "item_attributes": sorted(sample),
        }

    # -- 1. put_item --------------------------------------------------------------------------------

    def put_item(self) -> list[Result]:
        s = self.s
        items = [make_item(PUT_PK, i) for i in range(s.single_ops)]
        typed_items = [typed(it) for it in items]  # boto3 client users write typed JSON themselves
        t, pdx, boto, table = self.table, self.pdx, self.boto, self.boto_table

        def pdx_sync() -> None:
            for it in items:
                pdx.sync_put_item(t, it)

        async def pdx_async() -> None:
            for it in items:
                await pdx.put_item(t, it)

        def boto_client() -> None:
            for it in typed_items:
                boto.put_item(TableName=t, Item=it)

        def boto_resource() -> None:
            for it in items:
                table.put_item(Item=it)

        w = s.single_warmup
        contenders = [
            Contender("pydynox (sync)", lambda: measure(pdx_sync),
                      lambda: [pdx.sync_put_item(t, it) for it in items[:w]]),
            Contender("pydynox (async)", lambda: self.run_async(ameasure(pdx_async)),
                      lambda: self.run_async(_aput_some(pdx, t, items[:w]))),
            Contender("boto3 client", lambda: measure(boto_client),
                      lambda: [boto.put_item(TableName=t, Item=it) for it in typed_items[:w]]),
            Contender("boto3 resource", lambda: measure(boto_resource),
                      lambda: [table.put_item(Item=it) for it in items[:w]]),
        ]  # fmt: skip
        return run_workload("put_item", contenders, s.reps, s.single_ops, None)

    # -- 2. get_item --------------------------------------------------------------------------------

    def get_item(self) -> list[Result]:
        s = self.s
        n = len(self.query_items)
        keys = [{"pk": QUERY_PK, "sk": self.query_items[(i * 7) % n]["sk"]} for i in range(s.single_ops)]
        typed_keys = [typed(k) for k in keys]
        t, pdx, boto, table = self.table, self.pdx, self.boto, self.boto_table

        def pdx_sync() -> list[Any]:
            return [pdx.sync_get_item(t, k) for k in keys]

        async def pdx_async() -> list[Any]:
            return [await pdx.get_item(t, k) for k in keys]

        def boto_client() -> list[Any]:
            return [boto.get_item(TableName=t, Key=k).get("Item") for k in typed_keys]

        def boto_resource() -> list[Any]:
            return [table.get_item(Key=k).get("Item") for k in keys]

        def check(found: list[Any]) -> None:
            if len(found) != len(keys) or any(x is None for x in found):
                raise RuntimeError("get_item returned a missing item")

        w = s.single_warmup
        contenders = [
            Contender("pydynox (sync)", lambda: measure(pdx_sync),
                      lambda: [pdx.sync_get_item(t, k) for k in keys[:w]], check),
            Contender("pydynox (async)", lambda: self.run_async(ameasure(pdx_async)),
                      lambda: self.run_async(_aget_some(pdx, t, keys[:w])), check),
            Contender("boto3 client", lambda: measure(boto_client),
                      lambda: [boto.get_item(TableName=t, Key=k) for k in typed_keys[:w]], check),
            Contender("boto3 resource", lambda: measure(boto_resource),
                      lambda: [table.get_item(Key=k) for k in keys[:w]], check),
        ]  # fmt: skip
        return run_workload("get_item", contenders, s.reps, s.single_ops, None)

    # -- 3. query ------------------------------------------------------------------------------------

    def query(self) -> list[Result]:
        s = self.s
        t, pdx, boto, table = self.table, self.pdx, self.boto, self.boto_table
        values = {":p": QUERY_PK}

        def pdx_sync() -> list[dict[str, Any]]:
            return pdx.sync_query(t, "pk = :p", expression_attribute_values=values).all()

        async def pdx_async() -> list[dict[str, Any]]:
            return await pdx.query(t, "pk = :p", expression_attribute_values=values).all()

        def boto_client() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for page in boto.get_paginator("query").paginate(
                TableName=t,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": QUERY_PK}},
            ):
                out.extend(page["Items"])
            return out

        def boto_resource() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(QUERY_PK)}
            while True:
                page = table.query(**kwargs)
                out.extend(page["Items"])
                lek = page.get("LastEvaluatedKey")
                if lek is None:
                    return out
                kwargs["ExclusiveStartKey"] = lek

        def check(items: list[Any]) -> None:
            if len(items) != s.query_items:
                raise RuntimeError(f"query returned {len(items)} items, expected {s.query_items}")

        # Warm-ups run the same code paths on a small page (moto takes seconds per 1000-item query).
        w = 50

        def warm_client() -> None:
            for _ in boto.get_paginator("query").paginate(
                TableName=t,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": QUERY_PK}},
                PaginationConfig={"MaxItems": w, "PageSize": w},
            ):
                pass

        contenders = [
            Contender("pydynox (sync)", lambda: measure(pdx_sync),
                      lambda: pdx.sync_query(t, "pk = :p", expression_attribute_values=values, limit=w).all(),
                      check),
            Contender("pydynox (async)", lambda: self.run_async(ameasure(pdx_async)),
                      lambda: self.run_async(
                          pdx.query(t, "pk = :p", expression_attribute_values=values, limit=w).all()),
                      check),
            Contender("boto3 client", lambda: measure(boto_client), warm_client, check),
            Contender("boto3 resource", lambda: measure(boto_resource),
                      lambda: table.query(KeyConditionExpression=Key("pk").eq(QUERY_PK), Limit=w), check),
        ]  # fmt: skip
        return run_workload(f"query {s.query_items} items", contenders, s.query_reps, 1, s.query_items)

    # -- 4. batch write -------------------------------------------------------------------------------

    def batch_write(self) -> list[Result]:
        s = self.s
        t, pdx, boto, table = self.table, self.pdx, self.boto, self.boto_table
        # Each contender overwrites its own partition, so the rows are independent of each other.
        parts = {lib: f"bench#batch#{lib}" for lib in ("pdx_sync", "pdx_async", "client", "resource")}
        items = {lib: [make_item(pk, i) for i in range(s.batch_items)] for lib, pk in parts.items()}
        typed_items = [typed(it) for it in items["client"]]

        def pdx_sync() -> None:
            pdx.sync_batch_write(t, put_items=items["pdx_sync"])

        async def pdx_async() -> None:
            await pdx.batch_write(t, put_items=items["pdx_async"])

        def boto_client() -> None:
            for start in range(0, len(typed_items), 25):
                requests = {t: [{"PutRequest": {"Item": it}} for it in typed_items[start : start + 25]]}
                delay = 0.05
                while requests:
                    resp = boto.batch_write_item(RequestItems=requests)
                    requests = resp.get("UnprocessedItems") or {}
                    if requests:
                        time.sleep(delay)
                        delay = min(delay * 2, 1.0)

        def boto_resource() -> None:
            with table.batch_writer() as writer:
                for it in items["resource"]:
                    writer.put_item(Item=it)

        # Warm-ups write the first 50 items of each contender's own partition.
        w = 50

        def warm_resource() -> None:
            with table.batch_writer() as writer:
                for it in items["resource"][:w]:
                    writer.put_item(Item=it)

        contenders = [
            Contender("pydynox (sync)", lambda: measure(pdx_sync),
                      lambda: pdx.sync_batch_write(t, put_items=items["pdx_sync"][:w])),
            Contender("pydynox (async)", lambda: self.run_async(ameasure(pdx_async)),
                      lambda: self.run_async(pdx.batch_write(t, put_items=items["pdx_async"][:w]))),
            Contender("boto3 client", lambda: measure(boto_client),
                      lambda: boto.batch_write_item(
                          RequestItems={t: [{"PutRequest": {"Item": it}} for it in typed_items[:25]]})),
            Contender("boto3 resource", lambda: measure(boto_resource), warm_resource),
        ]  # fmt: skip
        results = run_workload(
            f"batch write {s.batch_items} items", contenders, s.batch_reps, 1, s.batch_items
        )
        for lib, pk in parts.items():  # every contender really wrote everything
            n = self._count(pk)
            if n != s.batch_items:
                raise RuntimeError(f"batch write {lib}: {n} items stored, expected {s.batch_items}")
        return results

    def _count(self, pk: str) -> int:
        count = 0
        for page in self.boto.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": pk}},
            Select="COUNT",
        ):
            count += page["Count"]
        return count

    # -- 5. concurrent get_item -------------------------------------------------------------------------

    def concurrent_gets(self) -> list[Result]:
        s = self.s
        n = len(self.query_items)
        keys = [{"pk": QUERY_PK, "sk": self.query_items[(i * 13) % n]["sk"]} for i in range(s.conc_ops)]
        typed_keys = [typed(k) for k in keys]
        t, pdx, boto = self.table, self.pdx, self.boto
        in_flight = s.conc_in_flight
        executor = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="boto3-bench")
        local = self._local
        session_lock = threading.Lock()

        def thread_table() -> Any:
            # boto3 resources are not thread-safe: one per thread, as boto3's documentation advises.
            # They are built from the shared session (under a lock: sessions are not thread-safe
            # either) during the warm-up, so building them is not part of any timed repetition.
            tbl = getattr(local, "table", None)
            if tbl is None:
                with session_lock:
                    resource = self.session.resource("dynamodb", endpoint_url=self.endpoint, config=self._cfg)
                tbl = local.table = resource.Table(t)
            return tbl

        async def pdx_gather(ks: list[dict[str, Any]]) -> list[Any]:
            sem = asyncio.Semaphore(in_flight)

            async def one(k: dict[str, Any]) -> Any:
                async with sem:
                    return await pdx.get_item(t, k)

            return await asyncio.gather(*(one(k) for k in ks))

        def boto_client_threads(ks: list[dict[str, Any]]) -> list[Any]:
            return list(executor.map(lambda k: boto.get_item(TableName=t, Key=k).get("Item"), ks))

        def boto_resource_threads(ks: list[dict[str, Any]]) -> list[Any]:
            return list(executor.map(lambda k: thread_table().get_item(Key=k).get("Item"), ks))

        def check(found: list[Any]) -> None:
            if len(found) != s.conc_ops or any(x is None for x in found):
                raise RuntimeError("a concurrent get_item returned a missing item")

        w = s.conc_warmup
        contenders = [
            Contender(f"pydynox (async, {in_flight} in flight)",
                      lambda: self.run_async(ameasure(lambda: pdx_gather(keys))),
                      lambda: self.run_async(pdx_gather(keys[:w])), check),
            Contender(f"boto3 client ({in_flight} threads)",
                      lambda: measure(lambda: boto_client_threads(typed_keys)),
                      lambda: boto_client_threads(typed_keys[:w]), check),
            Contender(f"boto3 resource ({in_flight} threads)",
                      lambda: measure(lambda: boto_resource_threads(keys)),
                      lambda: boto_resource_threads(keys[:w]), check),
        ]  # fmt: skip
        try:
            return run_workload(
                f"{s.conc_ops} concurrent get_item", contenders, s.conc_reps, s.conc_ops, None
            )
        finally:
            executor.shutdown(wait=True)

    def close(self) -> None:
        self.loop.close()


async def _aput_some(pdx: DynamoDBClient, t: str, items: list[dict[str, Any]]) -> None:
    for it in items:
        await pdx.put_item(t, it)


async def _aget_some(pdx: DynamoDBClient, t: str, keys: list[dict[str, Any]]) -> None:
    for k in keys:
        await pdx.get_item(t, k)


# ----------------------------------------------------------------------------------------------------
# Report


def _fmt_us(us: float) -> str:
    return f"{us:,.0f} µs" if us >= 100 else f"{us:,.1f} µs"


def _fmt_ms(ms: float) -> str:
    return f"{ms:,.1f} ms" if ms >= 10 else f"{ms:,.2f} ms"


def markdown(results: list[Result]) -> str:
    header = (
        "| Workload | Library | Client CPU per op | Client CPU per item | Wall | CPU vs boto3 resource |\n"
        "|---|---|---:|---:|---:|---:|"
    )
    rows = [header]
    by_workload: dict[str, list[Result]] = {}
    for r in results:
        by_workload.setdefault(r.workload, []).append(r)
    for workload, group in by_workload.items():
        baseline = next((g for g in group if g.library.startswith("boto3 resource")), None)
        concurrent = "concurrent" in workload
        for r in group:
            cpu_ns = r.median_cpu_ns()
            if r.items:  # one op moves many items: per op in ms, plus per item
                per_op = _fmt_ms(cpu_ns / 1e6)
                per_item = _fmt_us(cpu_ns / 1e3 / r.items)
            elif concurrent:  # the whole batch of calls, then per call
                per_op = f"{_fmt_ms(cpu_ns / 1e6)} total, {_fmt_us(cpu_ns / 1e3 / r.ops)}/get"
                per_item = "—"
            else:
                per_op = _fmt_us(cpu_ns / 1e3 / r.ops)
                per_item = "—"
            wall = _fmt_ms(r.median_wall_ns() / 1e6) if concurrent else "—"
            ratio = "—"
            if baseline is not None:
                ratio = f"{cpu_ns / baseline.median_cpu_ns():.2f}x"
            rows.append(f"| {workload} | {r.library} | {per_op} | {per_item} | {wall} | {ratio} |")
    return "\n".join(rows)


def machine_info() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "pydynox": pydynox.__version__,
        "pydynox_runtime": pydynox.runtime_info(),
        "boto3": version("boto3"),
        "botocore": version("botocore"),
        "moto": version("moto"),
    }


# ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and calls (< 1 minute)")
    parser.add_argument(
        "--json", type=Path, default=HERE / "results" / "latest.json", help="where to write the results"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL

    started = time.perf_counter()
    print(f"pydynox client-CPU benchmark ({settings.name} run)")
    server = MotoServer().start()
    bench: Bench | None = None
    try:
        print(f"  moto server at {server.endpoint_url} (pid {server.pid})")
        bench = Bench(settings, server.endpoint_url)
        t0 = time.perf_counter()
        dataset = bench.setup()
        print(
            f"  seeded {dataset['seeded_items']} items of {dataset['item_size_bytes_min']}-"
            f"{dataset['item_size_bytes_max']} B ({dataset['query_pages']} query page(s)) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        results: list[Result] = []
        results += bench.put_item()
        results += bench.get_item()
        results += bench.query()
        results += bench.batch_write()
        results += bench.concurrent_gets()
    finally:
        if bench is not None:
            bench.close()
        server.stop()
    elapsed = time.perf_counter() - started

    machine = machine_info()
    table = markdown(results)
    print()
    print(
        f"Machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), {machine['platform']}; "
        f"Python {machine['python']}; pydynox {machine['pydynox']} "
        f"({machine['pydynox_runtime']['worker_threads']} tokio workers); boto3 {machine['boto3']}; "
        f"moto {machine['moto']}"
    )
    print(
        f"Run: {settings.name}; medians of {settings.reps} reps x {settings.single_ops} calls "
        f"(put/get), {settings.query_reps} queries, {settings.batch_reps} batch writes, "
        f"{settings.conc_reps} x {settings.conc_ops} concurrent gets; item ~{ITEM_TARGET_BYTES} B; "
        f"total {elapsed:.0f} s"
    )
    print()
    print(table)
    print()
    print("Client CPU = time.process_time() of this process (all its threads, incl. pydynox's tokio")
    print("workers and boto3's pool threads); moto runs in another process. Wall is shown only where it")
    print("means something (concurrency) and is bounded by moto's server speed, not the client.")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": settings.__dict__,
        "machine": machine,
        "dataset": dataset,
        "elapsed_s": elapsed,
        "results": [r.to_json() for r in results],
        "markdown": table,
    }
    args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
