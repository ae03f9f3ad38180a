"""Throughput of pydynox's local engine against moto's server, on the same workloads.

Two views, both printed:

1. Through pydynox's client (what a test suite sees): the same async client, 64 requests in flight,
   against ``memory://``, ``pydynox local`` over HTTP, and moto over HTTP. On two cores the client
   itself is the limit for the engine here, so this understates the engine.
2. The servers themselves: pre-encoded DynamoDB JSON requests sent by a minimal HTTP/1.1 load
   generator written in Rust (``benchmarks/http-load``, built with cargo by this script; 16
   keep-alive connections for either server; moto's server closes after each answer, so it
   reconnects), and the engine in process through ``LocalEngine.request`` (no SDK, no HTTP). The
   generator runs on the same two cores as the server: its own CPU time per request is printed
   next to the server's.

Run from the repository root::

    .venv/bin/python benchmarks/bench_engine.py           # full run (about 20 seconds)
    .venv/bin/python benchmarks/bench_engine.py --quick   # smoke run

Three backends, one client (pydynox's async client, 64 requests in flight):

- ``engine in process``: ``memory://`` (the AWS SDK's pipeline, no sockets);
- ``engine over HTTP``: ``pydynox local`` started as a child process on a loopback port;
- ``moto over HTTP``: ``moto.server`` as a child process on a loopback port.

Workloads: put_item and get_item of ~1 KB items, query of a 100-item partition (one page), and
batch_write of 25 items per request. The figure is operations (requests) per second of wall time;
the ratio column is engine over HTTP divided by moto over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pydynox import DynamoDBClient  # noqa: E402
from support.local_server import local_process  # noqa: E402
from support.moto_server import MotoServer  # noqa: E402

IN_FLIGHT = 64
# Connections of the load generator, the same for both servers. moto serves no more with more of
# them, and neither does the engine on two cores (64 was no faster for any workload).
RAW_CONNECTIONS = 16
PAYLOAD = "x" * 900


@contextmanager
def local_server() -> Iterator[str]:
    """``pydynox local`` in a child process, stopped by its pid afterwards."""
    with local_process() as (_, url):
        yield url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads, to the nanosecond (Linux ``schedstat``; falls back to
    ``cpu_seconds``, whose 10 ms ticks are coarse for a thousand 80 µs requests). For servers whose
    threads live as long as they do (``pydynox local``'s runtime workers), not for servers that start
    a thread per connection (their finished threads are not counted here)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        total = 0
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return cpu_seconds(pid)
    return total / 1e9


async def _run(count: int, op: Callable[[int], Awaitable[Any]]) -> float:
    """Runs ``op(i)`` for i in range(count), IN_FLIGHT at a time; returns operations per second."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        async with gate:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - start)


async def workloads(endpoint: str, scale: int) -> dict[str, float]:
    client = DynamoDBClient(region="us-east-1", endpoint_url=endpoint, access_key="bench", secret_key="bench")
    table = f"bench-{uuid.uuid4().hex[:8]}"
    await client.create_table(table, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    results: dict[str, float] = {}
    n = 400 * scale
    results["put_item"] = await _run(
        n, lambda i: client.put_item(table, {"pk": f"p{i % 50}", "sk": f"{i:06d}", "data": PAYLOAD})
    )
    results["get_item"] = await _run(
        n, lambda i: client.get_item(table, {"pk": f"p{i % 50}", "sk": f"{i:06d}"})
    )
    for i in range(100):
        await client.put_item(table, {"pk": "Q", "sk": f"{i:06d}", "data": PAYLOAD})

    async def query(_: int) -> None:
        await client.query(table, "pk = :p", expression_attribute_values={":p": "Q"}).all()

    results["query (100 items)"] = await _run(40 * scale, query)

    async def batch(i: int) -> None:
        await client.batch_write(
            table, put_items=[{"pk": f"b{i}", "sk": f"{j:03d}", "data": PAYLOAD} for j in range(25)]
        )

    results["batch_write (25 items)"] = await _run(40 * scale, batch)
    await client.delete_table(table)
    return results


# The servers themselves ------------------------------------------------------------------------


def raw_requests(table: str, n: int) -> dict[str, list[tuple[str, bytes]]]:
    """Pre-encoded requests per workload: (operation, JSON body)."""
    pad = {"S": PAYLOAD}

    def put(i: int) -> bytes:
        item = {"pk": {"S": f"p{i % 50}"}, "sk": {"S": f"{i:06d}"}, "data": pad}
        return json.dumps({"TableName": table, "Item": item}).encode()

    def get(i: int) -> bytes:
        return json.dumps(
            {"TableName": table, "Key": {"pk": {"S": f"p{i % 50}"}, "sk": {"S": f"{i:06d}"}}}
        ).encode()

    # The 100-item partition every backend gets from setup_requests (the put workload's
    # partitions grow with the number of requests, which differs between backends).
    query = json.dumps(
        {
            "TableName": table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "Q"}},
        }
    ).encode()

    def batch(i: int) -> bytes:
        writes = [
            {"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"S": f"{j:03d}"}, "data": pad}}}
            for j in range(25)
        ]
        return json.dumps({"RequestItems": {table: writes}}).encode()

    return {
        "put_item": [("PutItem", put(i)) for i in range(n)],
        "get_item": [("GetItem", get(i)) for i in range(n)],
        "query (100 items)": [("Query", query)] * max(1, n // 10),
        "batch_write (25 items)": [("BatchWriteItem", batch(i)) for i in range(max(1, n // 10))],
    }


def setup_requests(table: str) -> list[tuple[str, bytes]]:
    """The table, and the 100-item partition every backend's query reads (not timed)."""
    puts = [
        (
            "PutItem",
            json.dumps(
                {
                    "TableName": table,
                    "Item": {"pk": {"S": "Q"}, "sk": {"S": f"{i:06d}"}, "data": {"S": PAYLOAD}},
                }
            ).encode(),
        )
        for i in range(100)
    ]
    return [("CreateTable", create_request(table)), *puts]


def create_request(table: str) -> bytes:
    return json.dumps(
        {
            "TableName": table,
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
    ).encode()


def encode(host: str, port: int, work: list[tuple[str, bytes]]) -> list[bytes]:
    """Whole HTTP/1.1 requests, encoded before the clock starts (the load generator's own cost per
    request stays small next to the servers')."""
    out = []
    for operation, body in work:
        head = (
            f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/x-amz-json-1.0\r\n"
            f"X-Amz-Target: DynamoDB_20120810.{operation}\r\nContent-Length: {len(body)}\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


def http_load_binary() -> Path:
    """Builds the load generator (``benchmarks/http-load``, Rust) and returns its path."""
    built = subprocess.run(
        ["cargo", "build", "--release", "--message-format=json", "-p", "pydynox-http-load"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in built.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            return Path(message["executable"])
    raise RuntimeError("cargo built no pydynox-http-load executable")


def raw_http(
    load: Path, url: str, work: list[tuple[str, bytes]], connections: int = RAW_CONNECTIONS
) -> tuple[float, float]:
    """Sends ``work`` with the load generator ``load`` over ``connections`` keep-alive connections;
    returns requests per second and the generator's CPU seconds per request."""
    host, port = url.removeprefix("http://").split(":")
    with tempfile.NamedTemporaryFile(prefix="http-load-", suffix=".bin") as requests:
        for request in encode(host, int(port), work):
            requests.write(len(request).to_bytes(4, "little") + request)
        requests.flush()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [str(load), f"{host}:{port}", str(connections), requests.name],
            capture_output=True,
            text=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    report = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return report["requests"] / report["seconds"], cpu / len(work)


def servers(scale: int, load: Path) -> dict[str, dict[str, float]]:
    from pydynox.local import LocalEngine

    rows: dict[str, dict[str, float]] = {}
    engine = LocalEngine(None)
    table = "raw-bench"
    for operation, body in setup_requests(table):
        assert engine._core.request(operation, body)[0] == 200
    row: dict[str, float] = {}
    for name, work in raw_requests(table, 2000 * scale).items():
        start = time.perf_counter()
        for operation, body in work:
            engine._core.request(operation, body)
        row[name] = len(work) / (time.perf_counter() - start)
    rows["engine in process (raw JSON)"] = row
    engine.discard()
    cpu: dict[str, tuple[float, float]] = {}
    with local_process() as (server, url):
        raw_http(load, url, setup_requests(table), 1)
        rows["engine over HTTP"] = {}
        for name, work in raw_requests(table, 2000 * scale).items():
            server_before = thread_cpu_seconds(server.pid)
            rows["engine over HTTP"][name], generator_cpu = raw_http(load, url, work)
            cpu[name] = ((thread_cpu_seconds(server.pid) - server_before) / len(work), generator_cpu)
    moto_cpu: dict[str, float] = {}
    with MotoServer() as moto:
        raw_http(load, moto.endpoint_url, setup_requests(table), 1)
        rows["moto over HTTP"] = {}
        for name, work in raw_requests(table, 200 * scale).items():
            before = cpu_seconds(moto.pid or 0)
            rows["moto over HTTP"][name], _ = raw_http(load, moto.endpoint_url, work)
            moto_cpu[name] = (cpu_seconds(moto.pid or 0) - before) / len(work)
    # Each server's own CPU time per request depends much less on what else runs on the machine
    # than requests per second do: the ratio of the two is the steadier comparison on a busy host.
    print("\nCPU time per request of each server, and of the load generator while it drove the engine")
    print("(µs; two cores in all)\n")
    print("| workload | pydynox local | moto | CPU ratio moto/engine | load generator |")
    print("|---|---:|---:|---:|---:|")
    for name, (server_cpu, generator_cpu) in cpu.items():
        ratio = moto_cpu[name] / server_cpu if server_cpu else float("nan")
        print(
            f"| {name} | {server_cpu * 1e6:.0f} | {moto_cpu[name] * 1e6:,.0f} | {ratio:.0f}x "
            f"| {generator_cpu * 1e6:.0f} |"
        )
    return rows


def table_of(rows: dict[str, dict[str, float]], title: str) -> None:
    names = list(rows["moto over HTTP"])
    print(f"\n{title}\n")
    print("| workload | " + " | ".join(rows) + " | HTTP ratio engine/moto |")
    print("|---|" + "---:|" * (len(rows) + 1))
    for name in names:
        cells = " | ".join(f"{rows[b][name]:,.0f}" for b in rows)
        ratio = rows["engine over HTTP"][name] / rows["moto over HTTP"][name]
        print(f"| {name} | {cells} | {ratio:.0f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    load = http_load_binary()
    scale = 1 if args.quick else 5
    rows: dict[str, dict[str, float]] = {}
    rows["engine in process"] = asyncio.run(workloads("memory://bench", scale))
    with local_server() as url:
        rows["engine over HTTP"] = asyncio.run(workloads(url, scale))
    with MotoServer() as moto:
        rows["moto over HTTP"] = asyncio.run(workloads(moto.endpoint_url, max(1, scale // 5)))
    table_of(rows, f"Through pydynox's client, {IN_FLIGHT} requests in flight, requests per second")
    table_of(servers(scale, load), "The servers themselves (raw HTTP load generator), requests per second")


if __name__ == "__main__":
    main()
