"""What each piece of the OpenTelemetry Python SDK costs per DynamoDB operation: the floor under any
instrumentation, pydynox-otel's included.

Run from the repository root::

    uv run --no-sync python benchmarks/bench_otel_floor.py            # ~2 min on 2 cores
    uv run --no-sync python benchmarks/bench_otel_floor.py --quick    # ~30 s

Every case is one SDK call (or a few, for the composite rows) as pydynox-otel makes it for a
``get_item``. The SDK is set up as a service runs it: a ``TracerProvider`` (default sampler,
``ParentBased(ALWAYS_ON)``) with a ``BatchSpanProcessor`` (default queue, batch size and delay) and a
``MeterProvider`` with a ``PeriodicExportingMetricReader`` (60 s), whose exporters discard what they
get.

Each case is measured in two settings, because Python code costs more right after a DynamoDB call than
in a loop of its own (the call evicts the interpreter's working set from the CPU caches):

* **tight**: the case, over and over;
* **after a call**: one ``sync_get_item`` against ``pydynox local`` (a child process, over HTTP, as in
  ``bench_otel.py``) before each case, not timed: the cache state the instrumentation finds when it
  runs.

Each run of a case is timed on the calling thread's CPU clock (``time.thread_time_ns``), minus the
clock's own cost (an empty case, measured in the same setting). Cases that end spans also count the
``BatchSpanProcessor`` export thread's CPU (its own thread clock, read around the chunk, after a
flush), spread over the chunk's spans. Figures are medians of chunks (quartiles in the JSON), in µs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

REGION = "us-east-1"
TABLE = "bench-otel"
KEY = {"pk": "bench#otel", "sk": "item#000001"}

# The attributes pydynox-otel gives a get_item: the operation's (shared by the span and every metric
# point), and the span's own on top.
OPERATION = {
    "db.system.name": "aws.dynamodb",
    "db.operation.name": "GetItem",
    "db.collection.name": TABLE,
    "db.namespace": REGION,
    "server.address": "127.0.0.1",
    "server.port": 8000,
}
SPAN = {
    **OPERATION,
    "cloud.region": REGION,
    "aws.dynamodb.table_names": (TABLE,),
    "aws.dynamodb.consistent_read": False,
    "aws.request_id": "J8R9B3YIYSWJG4BUTQQIXW74GRVUB8RWFHYCYG7OLSOZI4HOPXXN",
    "aws.dynamodb.consumed_capacity": (
        '{"TableName":"bench-otel","CapacityUnits":0.5,"ReadCapacityUnits":0.5,"WriteCapacityUnits":0.0}',
    ),
}
FLOOR = "floor: span (11 attributes) + 2 histogram points + 1 counter add"
LISTENER = "pydynox-otel's listener, a get_item event (the same span and points)"
CAPACITY = {"db.system.name": "aws.dynamodb", "db.operation.name": "GetItem", "db.collection.name": TABLE}


@dataclass
class Case:
    """``run(prepare())`` is what is timed; ``prepare`` (not timed) builds what ``run`` consumes."""

    name: str
    run: Callable[[Any], object]
    prepare: Callable[[], Any] = lambda: None
    ends_spans: bool = False
    samples: dict[str, list[float]] = field(default_factory=dict)


class Setup:
    """The SDK pipelines, the tracers and instruments the cases use, and the DynamoDB call that precedes
    a case in the "after a call" setting."""

    def __init__(self, endpoint: str) -> None:
        from bench_otel import discarding_exporters
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
        from pydynox import DynamoDBClient

        discard_spans, discard_metrics = discarding_exporters()
        self.processor = BatchSpanProcessor(discard_spans)
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(self.processor)
        self.tracer = self.tracer_provider.get_tracer("bench.floor")
        # The same pipeline without a processor (what end() costs before the processor's share), and
        # with samplers that drop the span.
        self.bare_tracer = TracerProvider().get_tracer("bench.floor")
        self.dropping_tracer = TracerProvider(sampler=ALWAYS_OFF).get_tracer("bench.floor")
        self.parent_based = self.tracer_provider.sampler
        self.ratio = ParentBased(TraceIdRatioBased(0.1))

        self.meter_provider = MeterProvider(
            metric_readers=[PeriodicExportingMetricReader(discard_metrics, export_interval_millis=60_000)]
        )
        meter = self.meter_provider.get_meter("bench.floor")
        self.duration = meter.create_histogram("bench.duration", unit="s")
        self.rows = meter.create_histogram("bench.rows", unit="{row}")
        self.capacity = meter.create_counter("bench.capacity", unit="{read_capacity_unit}")

        self.client = DynamoDBClient(
            endpoint_url=endpoint, region=REGION, access_key="testing", secret_key="testing"
        )
        self.client.sync_create_table(TABLE, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
        sys.path.insert(0, str(HERE))
        from bench_client import make_item

        self.client.sync_put_item(TABLE, make_item(KEY["pk"], 1))

    def export_thread_ns(self) -> int:
        """CPU time of the BatchSpanProcessor's export thread so far."""
        worker: threading.Thread = self.processor._batch_processor._worker_thread
        assert worker.ident is not None
        return time.clock_gettime_ns(time.pthread_getcpuclockid(worker.ident))

    def flush(self) -> None:
        self.tracer_provider.force_flush()

    def get_item(self) -> None:
        if self.client.sync_get_item(TABLE, KEY) is None:
            raise RuntimeError("the benchmark item is missing")

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def cases(setup: Setup) -> list[Case]:
    from opentelemetry import context, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode

    tracer, bare, dropping = setup.tracer, setup.bare_tracer, setup.dropping_tracer
    duration, rows, capacity = setup.duration, setup.rows, setup.capacity
    client = SpanKind.CLIENT
    name = f"GetItem {TABLE}"
    now = time.time_ns()
    # A sampled span of the caller (a FastAPI request, a Lambda invocation), as a context.
    parent = tracer.start_span("GET /users/{id}", kind=SpanKind.SERVER)
    under_parent = trace.set_span_in_context(parent)
    trace_id = parent.get_span_context().trace_id

    def started() -> Any:
        return tracer.start_span(name, kind=client, attributes=SPAN, start_time=now)

    def floor(parent_context: Any) -> None:
        span = tracer.start_span(name, parent_context, kind=client, attributes=SPAN, start_time=now)
        span.end(end_time=now + 1000)
        duration.record(0.000251, OPERATION)
        rows.record(1, OPERATION)
        capacity.add(0.5, CAPACITY)

    def use_span(span: Any) -> None:
        with trace.use_span(span, end_on_exit=False):
            pass

    def attach(span: Any) -> None:
        context.detach(context.attach(trace.set_span_in_context(span)))

    def record_under_parent(_: Any) -> None:
        token = context.attach(under_parent)
        duration.record(0.000251, OPERATION)
        context.detach(token)

    def attach_only(_: Any) -> None:
        context.detach(context.attach(under_parent))

    return [
        Case("(clock) empty case", lambda _: None),
        # Tracing.
        Case("start_span, no attributes", lambda _: tracer.start_span(name, kind=client, start_time=now)),
        Case(
            "start_span, 6 attributes (the operation's)",
            lambda _: tracer.start_span(name, kind=client, attributes=OPERATION, start_time=now),
        ),
        Case("start_span, 11 attributes (a get_item span's)", lambda _: started()),
        Case(
            "start_span, 11 attributes, under a sampled parent",
            lambda _: tracer.start_span(name, under_parent, kind=client, attributes=SPAN, start_time=now),
        ),
        Case(
            "span.end(), BatchSpanProcessor (+ export thread)",
            lambda span: span.end(end_time=now + 1000),
            prepare=started,
            ends_spans=True,
        ),
        Case(
            "span.end(), no span processor",
            lambda span: span.end(end_time=now + 1000),
            prepare=lambda: bare.start_span(name, kind=client, attributes=SPAN, start_time=now),
        ),
        Case(
            "start_span + end, the sampler drops it (ALWAYS_OFF)",
            lambda _: dropping.start_span(name, kind=client, attributes=SPAN, start_time=now).end(),
        ),
        Case(
            "sampler: ParentBased(ALWAYS_ON) (the default)",
            lambda _: setup.parent_based.should_sample(None, trace_id, name, client, SPAN),
        ),
        Case(
            "sampler: ParentBased(TraceIdRatioBased(0.1))",
            lambda _: setup.ratio.should_sample(None, trace_id, name, client, SPAN),
        ),
        Case("trace.use_span(span) enter + exit", use_span, prepare=started),
        Case("context.attach(set_span_in_context(span)) + detach", attach, prepare=started),
        Case(
            "span.set_attributes, 4 attributes",
            lambda span: span.set_attributes(
                {
                    "aws.request_id": "X" * 52,
                    "aws.dynamodb.count": 1,
                    "aws.dynamodb.scanned_count": 1,
                    "pydynox.attempts": 2,
                }
            ),
            prepare=started,
        ),
        Case(
            "span.add_event (a retry), 2 attributes",
            lambda span: span.add_event(
                "pydynox.retry", {"error.type": "InternalServerError", "pydynox.retried": True}, now
            ),
            prepare=started,
        ),
        Case(
            "span.set_status(ERROR)",
            lambda span: span.set_status(Status(StatusCode.ERROR, "ConditionalCheckFailedException")),
            prepare=started,
        ),
        # Metrics.
        Case("histogram.record, no attributes", lambda _: duration.record(0.000251)),
        Case(
            "histogram.record, 6 attributes, the same dict object",
            lambda _: duration.record(0.000251, OPERATION),
        ),
        Case(
            "histogram.record, 6 attributes, a new dict per call",
            lambda _: duration.record(0.000251, dict(OPERATION)),
        ),
        Case(
            "histogram.record, 6 attributes, under a sampled parent (exemplar; + attach/detach)",
            record_under_parent,
        ),
        Case("(attach/detach of that parent alone)", attach_only),
        Case("counter.add, 3 attributes (capacity)", lambda _: capacity.add(0.5, CAPACITY)),
        Case("counter.add, 6 attributes", lambda _: capacity.add(0.5, OPERATION)),
        # What every get_item asks of the SDK whoever instruments it.
        Case(FLOOR, lambda _: floor(None), ends_spans=True),
        Case(
            "floor, under a sampled parent",
            lambda _: floor(under_parent),
            ends_spans=True,
        ),
    ]


def listener_cases(setup: Setup) -> list[Case]:
    """pydynox-otel's whole listener on a real get_item event, against the floor above."""
    import pydynox_otel
    from pydynox import events
    from pydynox_otel import PydynoxInstrumentor

    seen: list[Any] = []
    with events.subscribe(seen.append):
        setup.get_item()
    (event,) = seen
    pydynox_otel.instrument(tracer_provider=setup.tracer_provider, meter_provider=setup.meter_provider)
    subscription = PydynoxInstrumentor()._subscription
    assert subscription is not None
    listener = subscription.listener
    # The benchmark calls the listener itself, so the get_item of the "after a call" setting must not.
    subscription.unsubscribe()
    return [Case(LISTENER, lambda _: listener(event), ends_spans=True)]


def measure(setup: Setup, case: Case, setting: str, chunks: int, per_chunk: int) -> list[float]:
    after_call = setting == "after a call"
    per_run: list[float] = []
    thread_time = time.thread_time_ns
    run, prepare = case.run, case.prepare
    for _ in range(chunks):
        gc.collect()
        if case.ends_spans:
            setup.flush()
            export_start = setup.export_thread_ns()
        total = 0
        for _ in range(per_chunk):
            if after_call:
                setup.get_item()
            arg = prepare()
            start = thread_time()
            run(arg)
            total += thread_time() - start
        if case.ends_spans:
            setup.flush()
            total += setup.export_thread_ns() - export_start
        per_run.append(total / per_chunk / 1000)
    return per_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer chunks")
    parser.add_argument("--chunks", type=int, help="chunks per case and setting (default 15, quick 5)")
    parser.add_argument("--per-chunk", type=int, default=400, help="runs of a case per chunk")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "otel-floor-latest.json")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent / "tests"))
    from support.local_server import local_process

    with local_process() as (_, endpoint):
        return run(Setup(endpoint), args.chunks or (5 if args.quick else 15), args.per_chunk, args.json)


def run(setup: Setup, chunks: int, per_chunk: int, json_path: Path) -> int:
    all_cases = [*cases(setup), *listener_cases(setup)]
    settings = ("tight", "after a call")
    for case in all_cases:
        case.samples = {setting: [] for setting in settings}
    for setting in settings:
        for case in all_cases:  # warm-up
            measure(setup, case, setting, 1, 50)
    # Rounds rotate the cases, so that drift in the machine's load hits all of them alike.
    for r in range(chunks):
        shift = r % len(all_cases)
        for case in all_cases[shift:] + all_cases[:shift]:
            for setting in settings if r % 2 == 0 else settings[::-1]:
                case.samples[setting] += measure(setup, case, setting, 1, per_chunk)
    setup.shutdown()

    clock = {s: statistics.median(all_cases[0].samples[s]) for s in settings}
    lines = [
        f"CPython {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end; {chunks} chunks of {per_chunk} runs per case and "
        f"setting; CPU µs per run, median, minus the clock's own cost "
        f"({clock['tight']:.2f} / {clock['after a call']:.2f} µs)",
        "",
        "| case | tight | after a call |",
        "|---|---:|---:|",
    ]
    cost = {
        case.name: {s: statistics.median(case.samples[s]) - clock[s] for s in settings} for case in all_cases
    }
    for case in all_cases[1:]:
        lines.append(f"| {case.name} | " + " | ".join(f"{cost[case.name][s]:.1f}" for s in settings) + " |")
    floor, listener = cost[FLOOR], cost[LISTENER]
    lines += [
        "",
        "pydynox-otel's own work (its listener minus the floor): "
        + ", ".join(f"{listener[s] - floor[s]:.1f} µs {s}" for s in settings),
    ]
    print("\n".join(lines))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps({"clock": clock, "cases": {case.name: case.samples for case in all_cases}}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
