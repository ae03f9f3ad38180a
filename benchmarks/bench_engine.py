"""Throughput of pydynox's local engine against moto's server, on the same workloads.

Run from the repository root::

    .venv/bin/python benchmarks/bench_engine.py           # full run (about 2 minutes)
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
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pydynox import DynamoDBClient  # noqa: E402
from support.moto_server import MotoServer  # noqa: E402

IN_FLIGHT = 64
PAYLOAD = "x" * 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server() -> Iterator[str]:
    """``pydynox local`` in a child process, stopped by its pid afterwards."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pydynox.cli", "local", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("pydynox local did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scale = 1 if args.quick else 5
    rows: dict[str, dict[str, float]] = {}
    rows["engine in process"] = asyncio.run(workloads("memory://bench", scale))
    with local_server() as url:
        rows["engine over HTTP"] = asyncio.run(workloads(url, scale))
    with MotoServer() as moto:
        rows["moto over HTTP"] = asyncio.run(workloads(moto.endpoint_url, max(1, scale // 5)))
    names = list(rows["moto over HTTP"])
    print(f"\n{IN_FLIGHT} requests in flight, operations per second (higher is better)\n")
    print("| workload | " + " | ".join(rows) + " | HTTP ratio engine/moto |")
    print("|---|" + "---:|" * (len(rows) + 1))
    for name in names:
        cells = " | ".join(f"{rows[b][name]:,.0f}" for b in rows)
        ratio = rows["engine over HTTP"][name] / rows["moto over HTTP"][name]
        print(f"| {name} | {cells} | {ratio:.0f}x |")


if __name__ == "__main__":
    main()
