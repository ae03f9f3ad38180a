"""What the pydynox-otel tests share: an SDK pipeline with in-memory exporters, clients and tables.

Not a conftest: the root conftest already owns that module name, and the tests import this by name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydynox_otel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydynox import DynamoDBClient, events

REGION = "us-east-1"
KEY_SCHEMA = {"partition_key": ("pk", "S"), "sort_key": ("sk", "S")}


def make_client(endpoint_url: str, **kwargs: Any) -> DynamoDBClient:
    return DynamoDBClient(
        region=REGION, endpoint_url=endpoint_url, access_key="testing", secret_key="testing", **kwargs
    )


def unique_table() -> str:
    return f"otel-{uuid.uuid4().hex[:12]}"


@contextmanager
def fresh_table(client: DynamoDBClient, **kwargs: Any) -> Iterator[str]:
    """A new ``pk``/``sk`` table, created and deleted outside any instrumentation."""
    name = unique_table()
    client.sync_create_table(name, **KEY_SCHEMA, wait=True, **kwargs)
    try:
        yield name
    finally:
        client.sync_delete_table(name)


def attrs(span: ReadableSpan) -> dict[str, Any]:
    """A finished span's attributes as a plain dict."""
    return dict(span.attributes or {})


class Telemetry:
    """An SDK tracer and meter provider whose output the test reads back."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.tracer = self.tracer_provider.get_tracer("tests")

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def dynamodb_spans(self) -> list[ReadableSpan]:
        """The instrumentation's spans, in the order they ended."""
        return [
            s
            for s in self.spans()
            if s.instrumentation_scope and s.instrumentation_scope.name.startswith("pydynox_otel")
        ]

    def only_span(self) -> ReadableSpan:
        spans = self.dynamodb_spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def clear_spans(self) -> None:
        self.exporter.clear()

    def points(self, metric: str) -> list[Any]:
        """Every data point of ``metric`` (empty when it was never recorded)."""
        data = self.reader.get_metrics_data()
        if data is None:
            return []
        found: list[Any] = []
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found.extend(m.data.data_points)
        return found

    def histogram(self, metric: str) -> list[HistogramDataPoint]:
        return [p for p in self.points(metric) if isinstance(p, HistogramDataPoint)]

    def histogram_by_attributes(self, metric: str) -> dict[frozenset[tuple[str, Any]], HistogramDataPoint]:
        return {frozenset((p.attributes or {}).items()): p for p in self.histogram(metric)}

    def sums(self, metric: str) -> dict[frozenset[tuple[str, Any]], float]:
        """A counter's totals by attribute set."""
        return {
            frozenset((p.attributes or {}).items()): p.value
            for p in self.points(metric)
            if isinstance(p, NumberDataPoint)
        }

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@contextmanager
def instrumented(**kwargs: Any) -> Iterator[Telemetry]:
    """``pydynox_otel.instrument(...)`` into a fresh :class:`Telemetry`, undone on exit."""
    telemetry = Telemetry()
    listeners_before = len(events._listeners)
    pydynox_otel.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider, **kwargs
    )
    try:
        yield telemetry
    finally:
        pydynox_otel.uninstrument()
        telemetry.shutdown()
        assert len(events._listeners) == listeners_before, "uninstrument() left its listener behind"
