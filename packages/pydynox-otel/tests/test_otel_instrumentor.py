"""instrument() / uninstrument() and the entry point: discovery by ``opentelemetry-instrument``,
arguments checked, emission really stopped, nothing left subscribed."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pydynox_otel
import pytest
from otel_testing import Telemetry, fresh_table, instrumented, make_client
from pydynox import DynamoDBClient, events
from pydynox_otel import PydynoxInstrumentor

KEY = {"pk": "k", "sk": "1"}


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    with fresh_table(client) as name:
        yield name


def test_the_entry_point_names_the_instrumentor() -> None:
    (entry,) = [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "pydynox"]
    assert entry.value == "pydynox_otel:PydynoxInstrumentor"
    assert entry.load() is PydynoxInstrumentor
    assert entry.dist is not None and entry.dist.name == "pydynox-otel"
    assert PydynoxInstrumentor().instrumentation_dependencies() == ("pydynox >= 0.1",)


def test_opentelemetry_instrument_picks_it_up(http_endpoint: str, tmp_path: Path) -> None:
    """The real auto-instrumentation entry: ``opentelemetry-instrument python app.py``. The app
    configures SDK providers one after the other; the instrumentor was loaded before the app ran,
    against the global (proxy) providers, and records for each from the moment it is set."""
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent(
            """
            import json, os
            from opentelemetry import metrics, trace
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
            from pydynox import DynamoDBClient

            client = DynamoDBClient(region="us-east-1", endpoint_url=os.environ["APP_ENDPOINT"],
                                    access_key="testing", secret_key="testing")
            client.sync_table_exists("not-yet-traced")  # no SDK provider yet: nothing to record
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            client.sync_list_tables()  # a span; still no SDK meter provider
            reader = InMemoryMetricReader()
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
            client.sync_list_tables()  # a span and the first metric points
            spans = [[s.name, s.instrumentation_scope.name, s.attributes["db.system.name"]]
                     for s in exporter.get_finished_spans()]
            durations = [[p.attributes["db.operation.name"], p.count]
                         for r in reader.get_metrics_data().resource_metrics for sc in r.scope_metrics
                         for m in sc.metrics if m.name == "db.client.operation.duration"
                         for p in m.data.data_points]
            print(json.dumps({"spans": spans, "durations": durations}))
            """
        )
    )
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    assert launcher.exists(), launcher
    env = {
        **os.environ,
        "APP_ENDPOINT": http_endpoint,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    result = subprocess.run(
        [str(launcher), sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "spans": [["ListTables", "pydynox_otel", "aws.dynamodb"]] * 2,
        "durations": [["ListTables", 1]],
    }


def test_uninstrument_really_stops_emission(client: DynamoDBClient, table: str) -> None:
    listeners_before = events._listeners
    telemetry = Telemetry()
    pydynox_otel.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    client.sync_put_item(table, KEY)
    client.sync_get_item(table, KEY)
    assert len(telemetry.dynamodb_spans()) == 2
    assert sum(p.count for p in telemetry.histogram("db.client.operation.duration")) == 2

    pydynox_otel.uninstrument()
    # No listener left: the core stops building events at all.
    assert events._listeners == listeners_before
    client.sync_get_item(table, KEY)
    client.sync_delete_item(table, KEY)
    assert len(telemetry.dynamodb_spans()) == 2
    assert sum(p.count for p in telemetry.histogram("db.client.operation.duration")) == 2

    # And it can be turned on again, with new options.
    with instrumented() as again:
        client.sync_get_item(table, KEY)
        assert again.only_span().name == f"GetItem {table}"
    assert len(telemetry.dynamodb_spans()) == 2
    telemetry.shutdown()


def test_instrumenting_twice_keeps_the_first_setup(
    client: DynamoDBClient, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    with instrumented() as first:
        second = Telemetry()
        with caplog.at_level(logging.WARNING):
            pydynox_otel.instrument(tracer_provider=second.tracer_provider)
        assert "already instrumented" in caplog.text
        client.sync_get_item(table, KEY)
        assert len(first.dynamodb_spans()) == 1
        assert second.dynamodb_spans() == []
        second.shutdown()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client": "my-client"}, "client must be a pydynox DynamoDBClient or None, got str"),
        ({"request_hook": 42}, "request_hook must be callable(span, event) or None, got int"),
        ({"response_hook": "x"}, "response_hook must be callable(span, event) or None, got str"),
        ({"capture_expressions": "yes"}, "capture_expressions must be True or False, got 'yes'"),
        ({"capture_values": True}, "unexpected instrument() argument(s): capture_values"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    listeners_before = events._listeners
    with pytest.raises(TypeError) as raised:
        PydynoxInstrumentor().instrument(**kwargs)
    assert str(raised.value) == message
    assert not PydynoxInstrumentor().is_instrumented_by_opentelemetry
    assert events._listeners == listeners_before
