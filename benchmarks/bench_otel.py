"""Client CPU per get_item with pydynox-otel on and off, against one moto DynamoDB server.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_otel.py            # full run (~8 min on 2 cores)
    uv run --no-sync python benchmarks/bench_otel.py --quick    # smoke run (~2 min)

``time.process_time_ns()`` of a worker process counts all of its threads: Python, pydynox's tokio
workers and the SDK's span-export thread. moto is another process. Two kinds of worker take turns:

* a **plain** worker never imports pydynox_otel or OpenTelemetry and measures ``no listener``;
* an **otel** worker imports both, calls ``instrument()`` then ``uninstrument()``, and then measures,
  in short chunks rotated every round so that machine load drifts over all of them alike:

  - ``not instrumented``: after ``uninstrument()``, no listener is left (the state of an app that has
    the package installed but switched off); the baseline of the rows below;
  - ``events only``: a listener that does nothing, i.e. what the core pays to build an event per call;
  - ``instrumented, API only``: ``instrument()`` with OpenTelemetry's no-op providers (no SDK);
  - ``instrumented, SDK``: ``instrument()`` with an SDK ``TracerProvider`` + ``BatchSpanProcessor``
    into an in-memory exporter and a ``MeterProvider`` with an in-memory reader. Each chunk ends with
    a span flush and a metric collection inside the timed region, so export work is counted.

For the SDK row the worker also times the listener itself with the calling thread's CPU clock
(``time.thread_time_ns()`` around each call of pydynox-otel's listener): the instrumentation's direct
cost, free of the scheduling noise that end-to-end figures pick up on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REGION = "us-east-1"
TABLE = "bench-otel"
KEY = {"pk": "bench#otel", "sk": "item#000001"}

FACES = ("sync_get_item", "await get_item")
OTEL_CONTENDERS = ("not instrumented", "events only", "instrumented, API only", "instrumented, SDK")
ROWS = ("no listener", *OTEL_CONTENDERS)


# ----------------------------------------------------------------------------------------------------
# Workers


class Calls:
    """Timed chunks of get_item calls through one face of one client."""

    def __init__(self, endpoint: str) -> None:
        from pydynox import DynamoDBClient

        self.client = DynamoDBClient(
            region=REGION, endpoint_url=endpoint, access_key="testing", secret_key="testing"
        )
        self.loop = asyncio.new_event_loop()

    def run(self, face: str, n: int) -> None:
        if face == "sync_get_item":
            for _ in range(n):
                if self.client.sync_get_item(TABLE, KEY) is None:
                    raise RuntimeError("the benchmark item is missing")
        else:
            self.loop.run_until_complete(self._run_async(n))

    async def _run_async(self, n: int) -> None:
        for _ in range(n):
            if await self.client.get_item(TABLE, KEY) is None:
                raise RuntimeError("the benchmark item is missing")

    def chunk(self, face: str, n: int, flush: Callable[[], None] | None = None) -> float:
        """CPU µs per call over ``n`` calls (and the flush, when given)."""
        gc.collect()
        start = time.process_time_ns()
        self.run(face, n)
        if flush is not None:
            flush()
        return (time.process_time_ns() - start) / n / 1000

    def close(self) -> None:
        self.loop.close()


def plain_worker(endpoint: str, chunks: int, chunk_calls: int, warmup: int) -> dict[str, Any]:
    calls = Calls(endpoint)
    for face in FACES:
        calls.run(face, warmup)
    samples: dict[str, list[float]] = {face: [] for face in FACES}
    for r in range(chunks):
        for face in FACES if r % 2 == 0 else FACES[::-1]:
            samples[face].append(calls.chunk(face, chunk_calls))
    calls.close()
    # The baseline must not have pulled OpenTelemetry in by accident.
    loaded = [m for m in sys.modules if m.startswith(("opentelemetry", "pydynox_otel"))]
    assert not loaded, f"the plain worker imported {loaded[:3]}"
    return {"no listener": samples}


def otel_worker(endpoint: str, chunks: int, chunk_calls: int, warmup: int) -> dict[str, Any]:
    import pydynox_otel
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from pydynox import events
    from pydynox_otel import PydynoxInstrumentor

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    listener_ns = [0]
    listener_calls = [0]

    def flush_sdk() -> None:
        tracer_provider.force_flush()
        reader.get_metrics_data()
        exporter.clear()  # keep memory flat across chunks

    def switch_on(contender: str) -> Callable[[], None]:
        """Puts the process in ``contender``'s state; returns what undoes it."""
        if contender == "not instrumented":
            return lambda: None
        if contender == "events only":
            return events.subscribe(lambda event: None).unsubscribe
        if contender == "instrumented, API only":
            pydynox_otel.instrument()
            return pydynox_otel.uninstrument
        pydynox_otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        # Swap the instrumentation's listener for one that also clocks it (benchmark only).
        subscription = PydynoxInstrumentor()._subscription
        subscription.unsubscribe()
        listener = subscription.listener

        def clocked(event: Any) -> None:
            start = time.thread_time_ns()
            listener(event)
            listener_ns[0] += time.thread_time_ns() - start
            listener_calls[0] += 1

        clocked_subscription = events.subscribe(clocked)

        def off() -> None:
            clocked_subscription.unsubscribe()
            PydynoxInstrumentor()._subscription = None
            pydynox_otel.uninstrument()

        return off

    # What an app that never turns the instrumentation on has done: nothing, or this.
    pydynox_otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    pydynox_otel.uninstrument()

    calls = Calls(endpoint)
    for contender in OTEL_CONTENDERS:
        off = switch_on(contender)
        for face in FACES:
            calls.run(face, warmup)
        flush_sdk()
        off()
    listener_ns[0] = listener_calls[0] = 0

    samples: dict[str, dict[str, list[float]]] = {c: {face: [] for face in FACES} for c in OTEL_CONTENDERS}
    for r in range(chunks):
        order = OTEL_CONTENDERS[r % 4 :] + OTEL_CONTENDERS[: r % 4]
        for contender in order:
            off = switch_on(contender)
            flush = flush_sdk if contender == "instrumented, SDK" else None
            for face in FACES if r % 2 == 0 else FACES[::-1]:
                samples[contender][face].append(calls.chunk(face, chunk_calls, flush))
            off()
    calls.close()
    result: dict[str, Any] = dict(samples)
    result["listener_cpu_us_per_call"] = listener_ns[0] / max(listener_calls[0], 1) / 1000
    return result


# ----------------------------------------------------------------------------------------------------
# Orchestrator


def seed(endpoint: str) -> None:
    sys.path.insert(0, str(HERE))
    from bench_client import make_item
    from pydynox import DynamoDBClient

    client = DynamoDBClient(region=REGION, endpoint_url=endpoint, access_key="testing", secret_key="testing")
    client.sync_create_table(TABLE, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    item = make_item(KEY["pk"], 1)
    assert item["sk"] == KEY["sk"]
    client.sync_put_item(TABLE, item)


def run_worker(kind: str, endpoint: str, chunks: int, chunk_calls: int, warmup: int) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--worker", kind, "--endpoint", endpoint, "--chunks", str(chunks),
        "--chunk-calls", str(chunk_calls), "--warmup", str(warmup),
    ]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and chunks")
    parser.add_argument("--rounds", type=int, help="pairs of (plain, otel) workers (default 3, quick 1)")
    parser.add_argument("--chunks", type=int, help="chunks per contender and face in a worker (default 10)")
    parser.add_argument("--chunk-calls", type=int, default=200, help="get_item calls per chunk")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "otel-latest.json")
    parser.add_argument("--worker", choices=("plain", "otel"), help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=100, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    chunks = args.chunks or (5 if args.quick else 10)
    if args.worker == "plain":
        print(json.dumps(plain_worker(args.endpoint, chunks, args.chunk_calls, args.warmup)))
        return 0
    if args.worker == "otel":
        print(json.dumps(otel_worker(args.endpoint, chunks, args.chunk_calls, args.warmup)))
        return 0

    sys.path.insert(0, str(ROOT / "tests"))
    from support.moto_server import MotoServer

    rounds = args.rounds or (1 if args.quick else 3)
    samples: dict[str, dict[str, list[float]]] = {row: {face: [] for face in FACES} for row in ROWS}
    listener_cost: list[float] = []
    with MotoServer() as server:
        seed(server.endpoint_url)
        for r in range(rounds):
            for kind in ("plain", "otel") if r % 2 == 0 else ("otel", "plain"):
                result = run_worker(kind, server.endpoint_url, chunks, args.chunk_calls, args.warmup)
                for row in ROWS:
                    for face in FACES:
                        samples[row][face].extend(result.get(row, {}).get(face, []))
                if kind == "otel":
                    listener_cost.append(result["listener_cpu_us_per_call"])
                print(f"round {r + 1}/{rounds}: {kind} worker done", file=sys.stderr)

    def median(row: str, face: str) -> float:
        return statistics.median(samples[row][face])

    per_row = len(samples["not instrumented"][FACES[0]])
    lines = [
        f"get_item of one ~1 KB item: CPU µs per call, median of {per_row} chunks of {args.chunk_calls} "
        f"calls (CPython {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end)",
        "",
        "| contender | " + " | ".join(f"{face} | vs not instrumented" for face in FACES) + " |",
        "|---|" + "---:|---:|" * len(FACES),
    ]
    for row in ROWS:
        cells = []
        for face in FACES:
            cpu, base = median(row, face), median("not instrumented", face)
            cells.append(f"{cpu:.0f} | {100 * (cpu - base) / base:+.1f}% ({cpu - base:+.0f} µs)")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    cost = statistics.median(listener_cost)
    lines += [
        "",
        f"pydynox-otel's listener with the SDK, on the calling thread's CPU clock: {cost:.1f} µs per call "
        f"({100 * cost / median('not instrumented', FACES[0]):.1f}% of a not-instrumented sync_get_item).",
    ]
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"samples": samples, "listener_cpu_us_per_call": listener_cost}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
