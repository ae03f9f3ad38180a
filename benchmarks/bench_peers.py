"""Peer benchmark: this pydynox vs pydynox 1.8.0, boto3, PynamoDB and aioboto3, one run, one server.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_peers.py                 # full run (the published one)
    uv run --no-sync python benchmarks/bench_peers.py --quick         # short run, not published
    uv run --no-sync python benchmarks/bench_peers.py --server moto   # against moto, not published

One server (a child process) holds one partition of 1000 items of ~1 KB (the items of bench_client.py):
``pydynox local`` (our engine over HTTP, given one runtime thread so that the clients keep the rest of
the machine; run by the same build of pydynox as the measured client, so the release wheel in the
published run) by default, or moto's server with ``--server moto``. Each library runs in its own worker
interpreter, started by this script:

* **pydynox (this repo)**: the interpreter running this script (the repository's development build),
  or ``--pydynox-python``: a venv holding the release wheel (``--profile dist``), as users get it;
* **pydynox 1.8.0**: the venv with ``pydynox==1.8.0`` from PyPI (``--pydynox18-python``);
* **boto3**, **PynamoDB**, **aioboto3**: one venv with all three (``--peers-python``), one worker
  process per library.

Three workloads: a 1000-item query (one partition) into model instances (dicts for boto3/aioboto3), a
1000-item batch write, and 2000 gets with 100 in flight. ``time.process_time_ns()`` of a worker counts
that worker's CPU only (its Python code, its Rust runtime threads, its pool threads); the server's CPU
is in another process. ``pydynox local`` answers in microseconds, so wall times show the clients;
moto is a slow Python server, so with it wall time is mostly moto's. See benchmarks/README.md.

The module imports only the standard library at the top (plus its sibling bench_hydration.py, which does
the same): the workers run it in interpreters that do not have this repository's packages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import bench_hydration as hyd  # a sibling script, standard library only at import time

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REGION = hyd.REGION
ACCESS_KEY = hyd.ACCESS_KEY
SECRET_KEY = hyd.SECRET_KEY
PK = hyd.PK  # the seeded partition (queried, and read by the gets)
ITEMS = hyd.ITEMS  # items in it, and items per batch write

DEFAULT_PYDYNOX18_PYTHON = hyd.DEFAULT_PYDYNOX18_PYTHON
DEFAULT_PEERS_PYTHON = ROOT.parent / "bench-venvs" / "peers" / "bin" / "python"

QUERY = "query"
BATCH = "batch write"
GETS = "concurrent gets"
WORKLOADS = (QUERY, BATCH, GETS)
# Warm-ups are as big as a timed repetition. A query warm-up reads the full page: after a 50-item one,
# the first timed query of a fresh worker still grew the heap and the read buffers to a 1.4 MB page,
# and took up to 5x the CPU of the fastest in its round (against `pydynox local`; with moto the
# warm-up costs ~2 s per path).
# A batch warm-up writes as many items as a repetition: a library that writes in parallel opens its
# connections then, as a long-running program already has, not inside the first timed sample.
WARM_QUERY_LIMIT = ITEMS
WARM_BATCH_ITEMS = ITEMS
WARM_GETS = 200


# ----------------------------------------------------------------------------------------------------
# Items travel from the orchestrator (which builds them with bench_client.make_item) to the workers as
# JSON, with Decimals and sets tagged: the workers have no access to this repository's packages.


def encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, (set, frozenset)):
        return {"$ss": sorted(value)}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def _decode_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$n" in obj:
            return Decimal(obj["$n"])
        if "$ss" in obj:
            return set(obj["$ss"])
    return obj


def floats(value: Any) -> Any:
    """The item as PynamoDB takes it: its NumberAttribute serializes with ``json.dumps`` (no Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [floats(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------------------
# Worker side (stdlib only at import time)


class Workloads:
    """What one worker measures: per workload, its paths (``name -> timed callable``), a warm-up
    per path and a result check. Batch-write paths write a fresh partition per repetition; the
    orchestrator counts every one of them afterwards."""

    def __init__(self, args: argparse.Namespace, data: dict[str, Any]) -> None:
        self.args = args
        self.items: list[dict[str, Any]] = data["items"]
        self.sks: list[str] = [it["sk"] for it in self.items]
        n = len(self.sks)
        self.get_keys = [(PK, self.sks[(i * 13) % n]) for i in range(args.gets)]
        self.tag = uuid.uuid4().hex[:8]
        self.paths: dict[str, dict[str, Callable[[], Any]]] = {w: {} for w in WORKLOADS}
        self.warmups: dict[str, dict[str, Callable[[], Any]]] = {w: {} for w in WORKLOADS}
        self.partitions: dict[str, list[str]] = {}
        self.types: dict[str, dict[str, str]] = {}
        self.notes: list[str] = []
        self.query_type: type | None = None  # what the query paths must return (a model class or dict)

    # -- declaring paths ------------------------------------------------------------------------------

    def query(self, name: str, run: Callable[[], list[Any]], warm: Callable[[], Any]) -> None:
        self.paths[QUERY][name] = run
        self.warmups[QUERY][name] = warm

    def batch(
        self, name: str, build: Callable[[list[dict[str, Any]]], Any], write: Callable[[Any], Any]
    ) -> None:
        """``build`` turns plain items into what ``write`` takes (built before timing, one per rep)."""
        slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
        prepared: list[tuple[str, Any]] = []
        for n in range(self.args.reps):
            part = f"BW#{self.tag}#{slug}#{n}"
            prepared.append((part, build([{**it, "pk": part} for it in self.items])))
        warm_part = f"BW#{self.tag}#{slug}#warm"
        warm_payload = build([{**it, "pk": warm_part} for it in self.items[:WARM_BATCH_ITEMS]])
        queue: Iterator[tuple[str, Any]] = iter(prepared)
        written = self.partitions.setdefault(name, [])

        def run() -> str:
            part, payload = next(queue)
            write(payload)
            written.append(part)
            return part

        self.paths[BATCH][name] = run
        self.warmups[BATCH][name] = lambda: write(warm_payload)

    def gets(self, name: str, run: Callable[[list[tuple[str, str]]], list[Any]]) -> None:
        keys, warm = self.get_keys, self.get_keys[:WARM_GETS]
        self.paths[GETS][name] = lambda: run(keys)
        self.warmups[GETS][name] = lambda: run(warm)

    # -- running --------------------------------------------------------------------------------------

    def check(self, workload: str, name: str, out: Any) -> None:
        if workload == QUERY:
            if len(out) != ITEMS:
                raise RuntimeError(f"{name}: {len(out)} items, expected {ITEMS}")
            want = self.query_type or dict
            if not isinstance(out[0], want) or not isinstance(out[-1], want):
                raise RuntimeError(f"{name}: got {type(out[0]).__name__}, expected {want.__name__}")
            if name not in self.types:  # what the library hands back (not timed)
                get = dict.get if want is dict else _getattr_plain
                self.types[name] = hyd.field_types(out, get)
        elif workload == BATCH:
            if not isinstance(out, str):
                raise RuntimeError(f"{name}: batch write did not complete")
        elif len(out) != len(self.get_keys) or any(x is None for x in out):
            raise RuntimeError(f"{name}: {sum(x is None for x in out)} gets came back empty")

    def run(self) -> dict[str, dict[str, list[list[int]]]]:
        samples: dict[str, dict[str, list[list[int]]]] = {}
        for workload in WORKLOADS:
            paths = self.paths[workload]
            if not paths:
                continue
            for warm in self.warmups[workload].values():
                warm()
            reps = self.args.conc_reps if workload == GETS else self.args.reps
            samples[workload] = hyd._run(
                paths, lambda name, out, w=workload: self.check(w, name, out), reps, 0
            )
        return samples

    def result(self, kind: str, samples: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "kind": kind,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "versions": hyd._versions(
                "pydynox", "boto3", "botocore", "pynamodb", "aioboto3", "aiobotocore", "aiohttp"
            ),
            "samples": samples,
            "partitions": self.partitions,
            "types": self.types,
            "notes": self.notes,
            **extra,
        }


def _getattr_plain(obj: Any, name: str) -> Any:
    value = getattr(obj, name)
    as_dict = getattr(value, "as_dict", None)  # PynamoDB's raw MapAttribute
    return as_dict() if callable(as_dict) and not isinstance(value, dict) else value


def _async_gets(in_flight: int, get: Callable[[str, str], Any]) -> Callable[[list[tuple[str, str]]], Any]:
    """``asyncio.gather`` over all keys, at most ``in_flight`` awaiting at once."""

    async def run(keys: list[tuple[str, str]]) -> list[Any]:
        sem = asyncio.Semaphore(in_flight)

        async def one(pk: str, sk: str) -> Any:
            async with sem:
                return await get(pk, sk)

        return await asyncio.gather(*(one(pk, sk) for pk, sk in keys))

    return run


def worker_pydynox(args: argparse.Namespace, w: Workloads) -> dict[str, Any]:
    import logging

    import pydynox
    from pydynox import DynamoDBClient

    # pydynox 1.8.0 logs a "slow operation" warning for every call over 100 ms, which against moto is
    # every get of the 100-in-flight burst: 2000 log lines to stderr. Silenced for both versions alike.
    logging.getLogger("pydynox").setLevel(logging.ERROR)
    client = DynamoDBClient(
        region=REGION, endpoint_url=args.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    namespace: dict[str, Any] = {"CLIENT": client, "TABLE": args.table, "__name__": "bench_model"}
    exec(compile(hyd.MODEL_SOURCE, "<MODEL_SOURCE>", "exec"), namespace)
    model = namespace["BenchItem"]
    w.query_type = model
    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    table = args.table

    async def aquery(**kw: Any) -> list[Any]:
        return [m async for m in model.query(partition_key=PK, **kw)]

    w.query(
        "Model.sync_query -> models",
        lambda: list(model.sync_query(partition_key=PK)),
        lambda: list(model.sync_query(partition_key=PK, limit=WARM_QUERY_LIMIT)),
    )
    w.query(
        "await Model.query -> models",
        lambda: run(aquery()),
        lambda: run(aquery(limit=WARM_QUERY_LIMIT)),
    )

    w.batch(
        "client.sync_batch_write(put_items=dicts)",
        lambda items: items,
        lambda items: client.sync_batch_write(table, put_items=items),
    )
    w.batch(
        "await client.batch_write(put_items=dicts)",
        lambda items: items,
        lambda items: run(client.batch_write(table, put_items=items)),
    )
    # A model-aware batch writer (``async with BatchWriter() as w: w.save(model)``), where there is one
    # that works: it is tried once on one item (untimed) before it gets a row.
    try:
        from pydynox import BatchWriter

        if not (hasattr(BatchWriter, "save") and hasattr(BatchWriter, "__aenter__")):
            raise TypeError("BatchWriter is not an async context manager with save()")

        async def save_all(models: list[Any]) -> None:
            async with BatchWriter() as writer:
                for m in models:
                    pending = writer.save(m)
                    if inspect.iscoroutine(pending):  # a coroutine must be awaited to do anything
                        await pending

        run(save_all([model(**{**w.items[0], "pk": f"BW#{w.tag}#probe"})]))
    except Exception as exc:
        w.notes.append(f"BatchWriter row skipped: {type(exc).__name__}: {exc}")
    else:
        w.batch(
            "async with BatchWriter() as w: w.save(model)",
            lambda items: [model(**it) for it in items],
            lambda models: run(save_all(models)),
        )

    gather = _async_gets(args.in_flight, lambda pk, sk: model.get(pk=pk, sk=sk))
    w.gets(f"await Model.get, gather + Semaphore({args.in_flight})", lambda keys: run(gather(keys)))

    try:
        samples = w.run()
    finally:
        loop.close()
    runtime = getattr(pydynox, "runtime_info", None)
    return w.result(
        "pydynox",
        samples,
        pydynox_version=pydynox.__version__,
        pydynox_file=pydynox.__file__,
        runtime_info=runtime() if callable(runtime) else None,
    )


def _boto_config(in_flight: int) -> Any:
    from botocore.config import Config

    # The pool holds as many connections as requests in flight (the default 10 would make the threaded
    # workload reconnect constantly); it changes nothing for the single-threaded workloads.
    return Config(max_pool_connections=in_flight)


def _resource_query(table: Any, limit: int | None = None) -> list[Any]:
    from boto3.dynamodb.conditions import Key

    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(PK)}
    if limit is not None:
        kwargs["Limit"] = limit
    items: list[Any] = []
    while True:
        page = table.query(**kwargs)
        items.extend(page["Items"])
        if limit is not None or "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def worker_boto3(args: argparse.Namespace, w: Workloads) -> dict[str, Any]:
    import boto3

    config = _boto_config(args.in_flight)
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    table = session.resource("dynamodb", endpoint_url=args.endpoint, config=config).Table(args.table)

    w.query(
        "Table.query + LastEvaluatedKey loop -> dicts",
        lambda: _resource_query(table),
        lambda: _resource_query(table, WARM_QUERY_LIMIT),
    )

    def batch_writer(items: list[dict[str, Any]]) -> None:
        with table.batch_writer() as writer:
            for it in items:
                writer.put_item(Item=it)

    w.batch("Table.batch_writer(): put_item(dict)", lambda items: items, batch_writer)

    # boto3 resources are not thread-safe: one Table per pool thread, built from the shared session under
    # a lock (sessions are not thread-safe either), during the warm-up.
    local = threading.local()
    lock = threading.Lock()

    def thread_table() -> Any:
        tbl = getattr(local, "table", None)
        if tbl is None:
            with lock:
                resource = session.resource("dynamodb", endpoint_url=args.endpoint, config=config)
            tbl = local.table = resource.Table(args.table)
        return tbl

    executor = ThreadPoolExecutor(max_workers=args.in_flight, thread_name_prefix="boto3-bench")

    def gets(keys: list[tuple[str, str]]) -> list[Any]:
        return list(
            executor.map(lambda k: thread_table().get_item(Key={"pk": k[0], "sk": k[1]}).get("Item"), keys)
        )

    w.gets(f"Table.get_item, ThreadPoolExecutor({args.in_flight}), one Table per thread", gets)
    try:
        samples = w.run()
    finally:
        executor.shutdown(wait=True)
    return w.result("boto3", samples)


def worker_pynamodb(args: argparse.Namespace, w: Workloads) -> dict[str, Any]:
    from pynamodb.attributes import (
        BooleanAttribute,
        ListAttribute,
        MapAttribute,
        NumberAttribute,
        UnicodeAttribute,
        UnicodeSetAttribute,
    )
    from pynamodb.models import Model

    endpoint, in_flight = args.endpoint, args.in_flight

    class BenchItem(Model):  # the same attributes as hyd.MODEL_SOURCE, in PynamoDB's vocabulary
        class Meta:
            table_name = args.table
            region = REGION
            host = endpoint
            aws_access_key_id = ACCESS_KEY
            aws_secret_access_key = SECRET_KEY
            max_pool_connections = in_flight

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        name = UnicodeAttribute()
        email = UnicodeAttribute()
        status = UnicodeAttribute()
        created_at = UnicodeAttribute()
        order_count = NumberAttribute()
        balance = NumberAttribute()
        verified = BooleanAttribute()
        address = MapAttribute()  # raw (undeclared) map
        recent_orders = ListAttribute()  # untyped list
        tags = UnicodeSetAttribute()
        description = UnicodeAttribute()

    w.query_type = BenchItem

    w.query(
        "Model.query -> models",
        lambda: list(BenchItem.query(PK)),
        lambda: list(BenchItem.query(PK, limit=WARM_QUERY_LIMIT)),
    )

    def batch_write(models: list[Any]) -> None:
        with BenchItem.batch_write() as batch:
            for m in models:
                batch.save(m)

    w.batch(
        "Model.batch_write(): save(model)",
        lambda items: [BenchItem(**floats(it)) for it in items],
        batch_write,
    )

    executor = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="pynamodb-bench")

    def gets(keys: list[tuple[str, str]]) -> list[Any]:
        return list(executor.map(lambda k: BenchItem.get(k[0], k[1]), keys))

    BenchItem.get(PK, w.sks[0])  # builds the (shared) botocore client before the threads race for it
    w.gets(f"Model.get, ThreadPoolExecutor({in_flight})", gets)
    try:
        samples = w.run()
    finally:
        executor.shutdown(wait=True)
    return w.result("pynamodb", samples)


def worker_aioboto3(args: argparse.Namespace, w: Workloads) -> dict[str, Any]:
    import contextlib

    import aioboto3
    from aiobotocore.config import AioConfig
    from boto3.dynamodb.conditions import Key

    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    session = aioboto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    stack = contextlib.AsyncExitStack()
    resource = run(
        stack.enter_async_context(
            session.resource(
                "dynamodb",
                endpoint_url=args.endpoint,
                config=AioConfig(max_pool_connections=args.in_flight),
            )
        )
    )
    table = run(resource.Table(args.table))

    async def query(limit: int | None = None) -> list[Any]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(PK)}
        if limit is not None:
            kwargs["Limit"] = limit
        items: list[Any] = []
        while True:
            page = await table.query(**kwargs)
            items.extend(page["Items"])
            if limit is not None or "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    w.query(
        "await Table.query + LastEvaluatedKey loop -> dicts",
        lambda: run(query()),
        lambda: run(query(WARM_QUERY_LIMIT)),
    )

    async def batch_writer(items: list[dict[str, Any]]) -> None:
        async with table.batch_writer() as writer:
            for it in items:
                await writer.put_item(Item=it)

    w.batch("Table.batch_writer(): await put_item(dict)", lambda items: items, lambda i: run(batch_writer(i)))

    async def get(pk: str, sk: str) -> Any:
        return (await table.get_item(Key={"pk": pk, "sk": sk})).get("Item")

    gather = _async_gets(args.in_flight, get)
    w.gets(f"await Table.get_item, gather + Semaphore({args.in_flight})", lambda keys: run(gather(keys)))
    try:
        samples = w.run()
    finally:
        run(stack.aclose())
        loop.close()
    return w.result("aioboto3", samples)


WORKERS: dict[str, Callable[[argparse.Namespace, Workloads], dict[str, Any]]] = {
    "pydynox": worker_pydynox,
    "boto3": worker_boto3,
    "pynamodb": worker_pynamodb,
    "aioboto3": worker_aioboto3,
}
WORKER_MODULES = {
    "pydynox": ("pydynox",),
    "boto3": ("boto3",),
    "pynamodb": ("pynamodb",),
    "aioboto3": ("aioboto3",),
}


def worker_main(args: argparse.Namespace) -> int:
    data = json.loads(Path(args.data).read_text(), object_hook=_decode_hook)
    result = WORKERS[args.worker](args, Workloads(args, data))
    Path(args.out).write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------------------------------
# Orchestrator side (runs in the repository's environment)


def _worker_env() -> dict[str, str]:
    env = hyd._clean_env()
    # Fake credentials in the environment too, so no library goes looking for real ones.
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
    )
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(var, None)
    return env


def run_worker(
    python: str, kind: str, args: argparse.Namespace, data: Path, reps: int, conc_reps: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [
            python, str(Path(__file__).resolve()), "--worker", kind, "--endpoint", args.endpoint,
            "--table", args.table, "--data", str(data), "--reps", str(reps), "--conc-reps", str(conc_reps),
            "--gets", str(args.gets), "--in-flight", str(args.in_flight), "--out", str(out),
        ]  # fmt: skip
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=_worker_env(), cwd=tempfile.gettempdir()
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"worker {kind} ({python}) failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        result: dict[str, Any] = json.loads(out.read_text())
        result["stderr"] = proc.stderr[-2000:]
        return result


def count_partition(client: Any, table: str, pk: str) -> int:
    count = 0
    for page in client.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": pk}},
        Select="COUNT",
    ):
        count += page["Count"]
    return count


def _fmt_cpu(workload: str, cpu_ns: float, gets: int) -> str:
    if workload == QUERY:
        return f"{hyd._fmt_us(cpu_ns / 1e3 / ITEMS)} µs/item"
    if workload == BATCH:
        return hyd._fmt_ms(cpu_ns / 1e6)
    return f"{hyd._fmt_ms(cpu_ns / 1e6)} ({hyd._fmt_us(cpu_ns / 1e3 / gets)} µs/get)"


def _fmt_range(workload: str, lo: float, hi: float) -> str:
    if workload == QUERY:
        return f"{hyd._fmt_us(lo / 1e3 / ITEMS)} / {hyd._fmt_us(hi / 1e3 / ITEMS)}"
    return f"{hyd._fmt_ms(lo / 1e6)} / {hyd._fmt_ms(hi / 1e6)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one round, fewer repetitions")
    parser.add_argument(
        "--pydynox-python",
        default=os.environ.get("PYDYNOX_PYTHON", sys.executable),
        help="interpreter for this repository's pydynox: the published run uses a venv holding the "
        "release wheel (see benchmarks/README.md) (default: $PYDYNOX_PYTHON or this interpreter)",
    )
    parser.add_argument(
        "--pydynox18-python",
        default=os.environ.get("PYDYNOX18_PYTHON", str(DEFAULT_PYDYNOX18_PYTHON)),
        help="interpreter of the venv with pydynox==1.8.0 (default: $PYDYNOX18_PYTHON or %(default)s)",
    )
    parser.add_argument(
        "--peers-python",
        default=os.environ.get("PEERS_PYTHON", str(DEFAULT_PEERS_PYTHON)),
        help="interpreter of the venv with boto3, aioboto3 and pynamodb (default: $PEERS_PYTHON or "
        "%(default)s)",
    )
    parser.add_argument(
        "--json", type=Path, default=HERE / "results" / "peers-latest.json", help="where to write the results"
    )
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="do not publish the run (plots, docs/benchmarks.md, docs/img/benchmarks/peers.json)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="run nothing: redraw the plots and rewrite docs/benchmarks.md from this run's JSON",
    )
    parser.add_argument(
        "--server",
        choices=("local", "moto"),
        default="local",
        help="the shared endpoint: `pydynox local` (the published run), a fast server whose wall times "
        "show the clients, or moto's server, a slow one; a moto run writes "
        "results/peers-moto-latest.json and is not published (default: %(default)s)",
    )
    parser.add_argument("--gets", type=int, default=2000, help="gets per concurrent burst (%(default)s)")
    parser.add_argument("--in-flight", type=int, default=100, help="gets in flight (%(default)s)")
    # Worker mode (internal).
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--conc-reps", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)
    if args.from_json is not None:
        return publish(args.from_json)

    # rounds x reps per round: query and batch write / concurrent gets.
    rounds, reps, conc_reps = (1, 2, 1) if args.quick else (3, 3, 2)
    started = time.perf_counter()

    # Interpreters: (label, python, worker kind). Missing ones are skipped, with a message. Absolute:
    # the workers run in a temporary directory.
    args.pydynox_python, args.pydynox18_python, args.peers_python = (
        os.path.abspath(p) for p in (args.pydynox_python, args.pydynox18_python, args.peers_python)
    )
    candidates = [
        ("pydynox (this repo)", args.pydynox_python, "pydynox"),
        ("pydynox 1.8.0", args.pydynox18_python, "pydynox"),
        ("boto3", args.peers_python, "boto3"),
        ("PynamoDB", args.peers_python, "pynamodb"),
        ("aioboto3", args.peers_python, "aioboto3"),
    ]
    workers: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    for label, python, kind in candidates:
        if Path(python).exists() and hyd._has_modules(python, *WORKER_MODULES[kind]):
            workers.append((label, python, kind))
        else:
            skipped.append(f"{label}: no interpreter with {', '.join(WORKER_MODULES[kind])} at {python}")
            print(f"!! {skipped[-1]}; its rows are skipped (see benchmarks/README.md)")

    if not workers:
        print("!! no interpreter to benchmark")
        return 1

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(HERE))
    try:  # the items come from bench_client.py, which needs this repository's pydynox and boto3
        import boto3
        from bench_client import make_item
        from support.local_server import local_process
        from support.moto_server import MotoServer
    except ImportError as exc:
        print(f"!! this interpreter cannot import bench_client.py's helpers ({exc}); run it with uv run")
        return 1

    print(f"pydynox peer benchmark ({'quick' if args.quick else 'full'} run, {args.server} server)")
    server_cm: contextlib.AbstractContextManager[Any]
    if args.server == "local":
        # One runtime thread: the server's work per request is microseconds, and on a small machine
        # a second server thread only competes with the client being measured. The server is the
        # build being measured (the release wheel in the published run): every client shares it.
        server_cm = local_process(env={"PYDYNOX_WORKER_THREADS": "1"}, python=args.pydynox_python)
    else:
        server_cm = MotoServer()
        if args.json == HERE / "results" / "peers-latest.json":
            args.json = HERE / "results" / "peers-moto-latest.json"
    raw: list[dict[str, Any]] = []
    failures: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    with server_cm as started_server:
        if args.server == "local":
            proc, args.endpoint = started_server
            print(f"  pydynox local at {args.endpoint} (pid {proc.pid})")
        else:
            args.endpoint = started_server.endpoint_url
            print(f"  moto server at {args.endpoint} (pid {started_server.pid})")
        endpoint = args.endpoint
        args.table = f"peers-{uuid.uuid4().hex[:10]}"
        t0 = time.perf_counter()
        dataset = hyd.seed(endpoint, args.table)
        print(
            f"  seeded {dataset['items']} items of {dataset['item_size_bytes_min']}-"
            f"{dataset['item_size_bytes_max']} B ({dataset['query_pages']} query page(s)) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        with tempfile.TemporaryDirectory(prefix="bench-peers-data-") as tmp:
            data = Path(tmp) / "items.json"
            data.write_text(json.dumps({"items": [encode(make_item(PK, i)) for i in range(ITEMS)]}))
            broken: set[str] = set()
            for r in range(rounds):
                k = r % len(workers)
                for label, python, kind in workers[k:] + workers[:k]:
                    if label in broken:
                        continue
                    t1 = time.perf_counter()
                    print(f"  round {r + 1}/{rounds}: {label} ({python}) ... ", end="", flush=True)
                    try:
                        result = run_worker(python, kind, args, data, reps, conc_reps)
                    except RuntimeError as exc:
                        print("FAILED")
                        failures.append(f"{label}, round {r + 1}: {exc}")
                        broken.add(label)
                        continue
                    result["label"] = label
                    result["round"] = r
                    raw.append(result)
                    print(f"{time.perf_counter() - t1:.1f} s")

        # Every batch write really wrote all its items: count each partition, independently (boto3 in
        # this interpreter).
        checker = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        ).client("dynamodb", endpoint_url=endpoint)
        for result in raw:
            for path, parts in result["partitions"].items():
                for part in parts:
                    n = count_partition(checker, args.table, part)
                    by = counts.setdefault(f"{result['label']} | {path}", {})
                    by[part] = n
                    if n != ITEMS:
                        failures.append(f"{result['label']} {path}: partition {part} holds {n}, not {ITEMS}")
    elapsed = time.perf_counter() - started

    # Merge the rounds: {(workload, label, path): [[cpu_ns, wall_ns], ...]}.
    merged: dict[tuple[str, str, str], list[list[int]]] = {}
    info: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for result in raw:
        if result["label"] not in info:
            info[result["label"]] = result
            notes += [f"{result['label']}: {n}" for n in result["notes"]]
        for workload, paths in result["samples"].items():
            for path, samples in paths.items():
                merged.setdefault((workload, result["label"], path), []).extend(samples)

    def median_cpu(workload: str, label: str, path: str | None = None) -> float | None:
        for (wl, lbl, p), s in merged.items():
            if wl == workload and lbl == label and (path is None or p == path):
                return statistics.median(c for c, _ in s)
        return None

    rows: list[dict[str, Any]] = []
    lines = [
        "| Workload | Library | Path | Client CPU (median) | min / max | Wall (median) "
        "| vs boto3 | vs 1.8.0 |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    titles = {
        QUERY: f"query {ITEMS} items",
        BATCH: f"batch write {ITEMS} items",
        GETS: f"{args.gets} gets, {args.in_flight} in flight",
    }
    for workload in WORKLOADS:
        boto = median_cpu(workload, "boto3")
        for (wl, label, path), samples in merged.items():
            if wl != workload:
                continue
            cpu = [c for c, _ in samples]
            wall = [w for _, w in samples]
            med = statistics.median(cpu)
            old = None
            if label == "pydynox (this repo)":
                old = median_cpu(workload, "pydynox 1.8.0", path)
            rows.append({
                "workload": workload,
                "library": label,
                "path": path,
                "samples": len(samples),
                "cpu_ms_median": med / 1e6,
                "cpu_ms_min": min(cpu) / 1e6,
                "cpu_ms_max": max(cpu) / 1e6,
                "cpu_us_per_item_median": med / 1e3 / ITEMS if workload != GETS else None,
                "cpu_us_per_get_median": med / 1e3 / args.gets if workload == GETS else None,
                "wall_ms_median": statistics.median(wall) / 1e6,
                "vs_boto3": None if boto is None else med / boto,
                "vs_pydynox_18": None if old is None else med / old,
                "cpu_ms_all": [c / 1e6 for c in cpu],
                "wall_ms_all": [w / 1e6 for w in wall],
            })  # fmt: skip
            vs_boto = "—" if boto is None else f"{med / boto:.2f}x"
            vs_old = "—" if old is None else f"{med / old:.2f}x"
            wall_ms = hyd._fmt_ms(statistics.median(wall) / 1e6)
            lines.append(
                f"| {titles[workload]} | {label} | {path} | {_fmt_cpu(workload, med, args.gets)} | "
                f"{_fmt_range(workload, min(cpu), max(cpu))} | {wall_ms} | {vs_boto} | {vs_old} |"
            )
    table = "\n".join(lines)

    print()
    print(f"Machine: {os.cpu_count()} CPUs, {platform.platform()}")
    for label, r in info.items():
        versions = {k: v for k, v in r["versions"].items() if v}
        print(f"  {label}: Python {r['python']} ({r['executable']}); {versions}")
    print(
        f"Run: {'quick' if args.quick else 'full'}; {rounds} round(s), each worker {reps} reps per path for "
        f"the query and the batch write (median of {rounds * reps}), {conc_reps} burst(s) of {args.gets} "
        f"gets (median of {rounds * conc_reps}); {ITEMS} items of ~{dataset['item_size_bytes_max']} B "
        f"({dataset['item_typed_json_bytes']} B typed JSON each); total {elapsed:.0f} s"
    )
    print()
    print(table)
    print()
    print("Client CPU = time.process_time() of the worker process (all its threads: the Rust runtime's,")
    if args.server == "moto":
        print("the thread pools'); moto runs in another process. Wall time is moto-bound: moto is a slow")
        print("Python server (it closes every connection and shares the machine's cores with the client),")
        print("so wall time measures moto, not the client; it is shown to put the CPU figures in context.")
    else:
        print("the thread pools'); `pydynox local` runs in another process on the same two cores. It")
        print("answers in microseconds, so wall time is mostly the client's own work.")
    print("vs boto3 = CPU relative to the boto3 (resource API) row of the same workload (lower is better);")
    print("vs 1.8.0 = CPU relative to pydynox 1.8.0 on the same path.")
    numbers = []
    for label, r in info.items():
        first = next(iter(r["types"].values()), None)
        if first:
            numbers.append(f"{label} {first['order_count']} / {first['balance']}")
    if numbers:
        print("Numbers come back as (order_count / balance): " + "; ".join(numbers) + ".")
    if counts:
        total = sum(len(parts) for parts in counts.values())
        bad = sum(n != ITEMS for parts in counts.values() for n in parts.values())
        print(f"Batch writes checked: {total} partitions counted, {total - bad} hold all {ITEMS} items.")
    for note in skipped + notes:
        print(f"  * {note}")
    if failures:
        print()
        print("FAILURES:")
        for failure in failures:
            print(f"  * {failure}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "server": args.server,
        "pydynox_build": pydynox_build(args.pydynox_python),
        "rounds": rounds,
        "reps_per_round": reps,
        "conc_reps_per_round": conc_reps,
        "gets": args.gets,
        "in_flight": args.in_flight,
        "dataset": dataset,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), **machine_details()},
        "workers": {
            lbl: {k: v for k, v in r.items() if k not in ("samples", "round", "partitions")}
            for lbl, r in info.items()
        },
        "batch_partition_counts": counts,
        "elapsed_s": elapsed,
        "results": rows,
        "raw": [
            {"label": r["label"], "round": r["round"], "samples": r["samples"]} for r in raw
        ],  # every sample, per worker run, in ns: [cpu, wall]
        "skipped": skipped,
        "notes": notes,
        "failures": failures,
        "markdown": table,
    }
    args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nJSON written to {args.json}")
    if failures:
        return 1
    if args.quick or args.no_report or args.server != "local":
        print("Not published (a --quick, --no-report or --server moto run): docs/benchmarks.md unchanged.")
        return 0
    return publish(args.json)


def pydynox_build(python: str) -> str:
    """Which build of this repository's pydynox the run measured: the editable development build of
    the repository's environment, or a wheel installed in another venv."""
    # Not resolved: every venv's python links to the same base interpreter.
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return "the development build (release profile, no LTO)"
    return f"the wheel installed in {Path(os.path.abspath(python)).parent.parent}"


def publish(json_path: Path) -> int:
    """Plots and docs/benchmarks.md from a run's JSON (benchmarks/peers_report.py; needs matplotlib)."""
    import peers_report

    for path in peers_report.write_report(json_path):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def machine_details() -> dict[str, Any]:
    """The CPU model and memory, for the published run (Linux; empty elsewhere)."""
    details: dict[str, Any] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                details["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                details["memory_gib"] = int(line.split()[1]) / 2**20
                break
    except OSError:
        pass
    return details


if __name__ == "__main__":
    raise SystemExit(main())
