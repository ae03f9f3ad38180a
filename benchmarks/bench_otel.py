"""Client CPU per get_item with pydynox-otel on and off, against a DynamoDB API server over HTTP.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_otel.py                  # both backends (~8 min on 2 cores)
    uv run --no-sync python benchmarks/bench_otel.py --quick          # smoke run (~2 min)
    uv run --no-sync python benchmarks/bench_otel.py --backend local  # one backend

Backends, each a separate process on a loopback port:

* ``local``: ``pydynox local``, the embedded engine served over HTTP/1.1. It keeps connections open
  and answers in microseconds, so the client's own work is what a call costs: the harder case for a
  relative figure (the smaller the call, the larger the share of a fixed instrumentation cost).
* ``moto``: moto's server. It closes every connection, so each call also pays for a TCP connect, and
  it is a Python server sharing the two cores with the client.

``time.process_time_ns()`` of a worker process counts all of its threads: Python, pydynox's tokio
workers and the OpenTelemetry SDK's background threads. Two kinds of worker take turns:

* a **plain** worker never imports pydynox_otel or OpenTelemetry and measures ``no listener``;
* an **otel** worker imports both, calls ``instrument()`` then ``uninstrument()``, and then measures,
  in short chunks rotated every round so that machine load drifts over all of them alike:

  - ``not instrumented``: after ``uninstrument()``, no listener is left (the state of an app that has
    the package installed but switched off); the baseline of the rows below;
  - ``events only``: a listener that does nothing, i.e. what the core pays to build an event per call;
  - ``instrumented, API only``: ``instrument()`` with OpenTelemetry's no-op providers (no SDK);
  - ``instrumented, SDK``: ``instrument()`` with the SDK as a service runs it in production: a
    ``TracerProvider`` with a ``BatchSpanProcessor`` (default queue, batch size and delay) and a
    ``MeterProvider`` with a ``PeriodicExportingMetricReader`` (default 60 s interval). Their exporters
    discard what they get, so the figure is the instrumentation and the SDK, not a collector's
    protocol encoding or I/O (which an exporter does on the SDK's background thread and which is the
    same for any instrumentation). Each chunk ends with a span flush inside the timed region, so the
    export thread's work for the chunk's spans is counted; metric collection runs once a minute and
    costs the same whatever the call rate, so it is left to the reader's own schedule.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REGION = "us-east-1"
TABLE = "bench-otel"
KEY = {"pk": "bench#otel", "sk": "item#000001"}
TARGET_PERCENT = 10.0

BACKENDS = ("local", "moto")
FACES = ("sync_get_item", "await get_item")
OTEL_CONTENDERS = (
    "not instrumented",
    "events only",
    "instrumented, API only",
    "instrumented, SDK",
    "SDK floor",
)
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


def discarding_exporters() -> tuple[Any, Any]:
    """A span exporter and a metric exporter that drop what they get (the encoding a collector protocol
    adds is the same for any instrumentation and is not counted)."""
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class DiscardSpans(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    class DiscardMetrics(MetricExporter):
        def export(
            self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
        ) -> MetricExportResult:
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
            pass

    return DiscardSpans(), DiscardMetrics()


def production_sdk() -> tuple[Any, Any, Callable[[], None]]:
    """A tracer provider and a meter provider set up as a service runs them, with exporters that
    discard; and the span flush that ends each timed chunk."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    spans, metrics = discarding_exporters()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    meter_provider = MeterProvider(metric_readers=[PeriodicExportingMetricReader(metrics)])

    def flush() -> None:
        tracer_provider.force_flush()

    return tracer_provider, meter_provider, flush


def sdk_floor(tracer_provider: Any, meter_provider: Any) -> Callable[[Any], None]:
    """The SDK's share of one get_item's telemetry, with nothing computed per call: what any
    instrumentation emitting the same span and metric points asks of the SDK."""
    from opentelemetry.trace import SpanKind

    tracer = tracer_provider.get_tracer("bench.floor")
    meter = meter_provider.get_meter("bench.floor")
    duration = meter.create_histogram("bench.floor.duration", unit="s")
    rows = meter.create_histogram("bench.floor.rows", unit="{row}")
    capacity = meter.create_counter("bench.floor.read_capacity", unit="{read_capacity_unit}")
    operation = {
        "db.system.name": "aws.dynamodb",
        "db.operation.name": "GetItem",
        "db.collection.name": TABLE,
        "db.namespace": REGION,
        "server.address": "127.0.0.1",
        "server.port": 8000,
    }
    capacity_attributes = {
        "db.system.name": "aws.dynamodb",
        "db.operation.name": "GetItem",
        "db.collection.name": TABLE,
    }
    span_attributes = {
        **operation,
        "cloud.region": REGION,
        "aws.dynamodb.table_names": (TABLE,),
        "aws.dynamodb.consistent_read": False,
        "aws.request_id": "0" * 52,
        "aws.dynamodb.consumed_capacity": (
            '{"TableName":"bench-otel","CapacityUnits":0.5,"ReadCapacityUnits":0.5,"WriteCapacityUnits":0.0}',
        ),
    }

    def listener(event: Any) -> None:
        span = tracer.start_span(
            "GetItem bench-otel",
            kind=SpanKind.CLIENT,
            attributes=span_attributes,
            start_time=event.start_time_ns,
        )
        span.end(end_time=event.end_time_ns)
        duration.record(event.duration, operation)
        rows.record(1, operation)
        capacity.add(0.5, capacity_attributes)

    return listener


def otel_worker(endpoint: str, chunks: int, chunk_calls: int, warmup: int) -> dict[str, Any]:
    import pydynox_otel
    from pydynox import events
    from pydynox_otel import PydynoxInstrumentor

    tracer_provider, meter_provider, flush_spans = production_sdk()
    listener_ns = [0]
    listener_calls = [0]

    def switch_on(contender: str) -> Callable[[], None]:
        """Puts the process in ``contender``'s state; returns what undoes it."""
        if contender == "not instrumented":
            return lambda: None
        if contender == "events only":
            return events.subscribe(lambda event: None).unsubscribe
        if contender == "instrumented, API only":
            pydynox_otel.instrument()
            return pydynox_otel.uninstrument
        if contender == "SDK floor":
            return events.subscribe(floor_listener).unsubscribe
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

    floor_listener = sdk_floor(tracer_provider, meter_provider)

    # What an app that never turns the instrumentation on has done: nothing, or this.
    pydynox_otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    pydynox_otel.uninstrument()

    calls = Calls(endpoint)
    for contender in OTEL_CONTENDERS:
        off = switch_on(contender)
        for face in FACES:
            calls.run(face, warmup)
        flush_spans()
        off()
    listener_ns[0] = listener_calls[0] = 0

    samples: dict[str, dict[str, list[float]]] = {c: {face: [] for face in FACES} for c in OTEL_CONTENDERS}
    for r in range(chunks):
        shift = r % len(OTEL_CONTENDERS)
        order = OTEL_CONTENDERS[shift:] + OTEL_CONTENDERS[:shift]
        for contender in order:
            off = switch_on(contender)
            flush = flush_spans if contender in ("instrumented, SDK", "SDK floor") else None
            for face in FACES if r % 2 == 0 else FACES[::-1]:
                samples[contender][face].append(calls.chunk(face, chunk_calls, flush))
            off()
    calls.close()
    tracer_provider.shutdown()
    meter_provider.shutdown()
    result: dict[str, Any] = dict(samples)
    result["listener_cpu_us_per_call"] = listener_ns[0] / max(listener_calls[0], 1) / 1000
    return result


# ----------------------------------------------------------------------------------------------------
# Orchestrator


@contextmanager
def backend(name: str) -> Iterator[str]:
    """A fresh server of that kind, seeded with the benchmark item; yields its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.local_server import local_process
    from support.moto_server import MotoServer

    if name == "moto":
        with MotoServer() as server:
            seed(server.endpoint_url)
            yield server.endpoint_url
    else:
        with local_process() as (_, url):
            seed(url)
            yield url


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


def measure(name: str, rounds: int, chunks: int, chunk_calls: int, warmup: int) -> dict[str, Any]:
    samples: dict[str, dict[str, list[float]]] = {row: {face: [] for face in FACES} for row in ROWS}
    listener_cost: list[float] = []
    with backend(name) as endpoint:
        for r in range(rounds):
            for kind in ("plain", "otel") if r % 2 == 0 else ("otel", "plain"):
                result = run_worker(kind, endpoint, chunks, chunk_calls, warmup)
                for row in ROWS:
                    for face in FACES:
                        samples[row][face].extend(result.get(row, {}).get(face, []))
                if kind == "otel":
                    listener_cost.append(result["listener_cpu_us_per_call"])
                print(f"{name}: round {r + 1}/{rounds}: {kind} worker done", file=sys.stderr)
    return {"samples": samples, "listener_cpu_us_per_call": listener_cost}


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (values[0],) * 3
    return q1, median, q3


def table(name: str, measured: dict[str, Any], chunk_calls: int) -> list[str]:
    samples = measured["samples"]
    per_row = len(samples["not instrumented"][FACES[0]])
    lines = [
        f"### {name}: CPU µs per get_item, median (quartiles) of {per_row} chunks of {chunk_calls} calls",
        "",
        "| state | " + " | ".join(f"{face} | vs not instrumented" for face in FACES) + " |",
        "|---|" + "---:|---:|" * len(FACES),
    ]
    for row in ROWS:
        cells = []
        for face in FACES:
            q1, cpu, q3 = quartiles(samples[row][face])
            base = statistics.median(samples["not instrumented"][face])
            cells.append(
                f"{cpu:.0f} ({q1:.0f}-{q3:.0f}) | {100 * (cpu - base) / base:+.1f}% ({cpu - base:+.0f} µs)"
            )
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    cost = statistics.median(measured["listener_cpu_us_per_call"])
    base = statistics.median(samples["not instrumented"][FACES[0]])
    lines += [
        "",
        f"pydynox-otel's listener with the SDK, on the calling thread's CPU clock: {cost:.1f} µs per call "
        f"({100 * cost / base:.1f}% of a not-instrumented sync_get_item).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and chunks")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
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

    rounds = args.rounds or (1 if args.quick else 3)
    names = BACKENDS if args.backend == "both" else (args.backend,)
    results = {name: measure(name, rounds, chunks, args.chunk_calls, args.warmup) for name in names}

    lines = [
        f"CPython {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end",
        "",
    ]
    for name, measured in results.items():
        lines += [*table(name, measured, args.chunk_calls), ""]
        sdk = measured["samples"]["instrumented, SDK"]
        base = measured["samples"]["not instrumented"]
        worst = max(
            100
            * (statistics.median(sdk[face]) - statistics.median(base[face]))
            / statistics.median(base[face])
            for face in FACES
        )
        verdict = "met" if worst <= TARGET_PERCENT else "NOT met"
        lines.append(f"target (SDK within +{TARGET_PERCENT:.0f}% on both faces) on {name}: {verdict}")
        lines.append("")
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
