"""pydynox-otel: spans and metrics by the database semantic conventions, hooks, uninstrument."""

import asyncio

# --8<-- [start:setup]
import pydynox_otel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from pydynox import DynamoDBClient

tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
metric_reader = InMemoryMetricReader()
meter_provider = MeterProvider(metric_readers=[metric_reader])

# Without arguments, instrument() uses the global providers (trace.set_tracer_provider(...)).
pydynox_otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
client = DynamoDBClient(region="us-east-1")
# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:quick-start]
    await client.create_table("otel_demo", partition_key=("pk", "S"), wait=True)
    await client.put_item("otel_demo", {"pk": "USER#1", "name": "Ana"})

    tracer = tracer_provider.get_tracer("checkout")
    with tracer.start_as_current_span("load cart"):
        await client.get_item("otel_demo", {"pk": "USER#1"})  # a child of "load cart"
    # --8<-- [end:quick-start]

    # --8<-- [start:spans]
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    finished = InMemorySpanExporter()
    tracer_provider.add_span_processor(SimpleSpanProcessor(finished))

    await client.get_item("otel_demo", {"pk": "USER#1"}, consistent_read=True)
    (span,) = finished.get_finished_spans()
    assert span.name == "GetItem otel_demo"
    assert span.attributes["db.operation.name"] == "GetItem"
    assert span.attributes["aws.dynamodb.consistent_read"] is True
    assert "Ana" not in span.to_json()  # never item values, never key values
    # --8<-- [end:spans]

    # --8<-- [start:metrics]
    data = metric_reader.get_metrics_data()
    recorded = {m.name for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics}
    assert {"db.client.operation.duration", "pydynox.client.consumed_read_capacity"} <= recorded
    # --8<-- [end:metrics]

    # --8<-- [start:hooks]
    from pydynox.exceptions import ConditionalCheckFailedException

    def tag_tenant(span, event):
        span.set_attribute("app.tenant", "acme")

    def flag_slow(span, event):
        if event.duration > 0.5:
            span.add_event("slow DynamoDB call", {"pydynox.attempts": event.attempts})

    pydynox_otel.uninstrument()
    pydynox_otel.instrument(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        request_hook=tag_tenant,
        response_hook=flag_slow,
        capture_expressions=True,
    )
    finished.clear()

    try:
        await client.put_item("otel_demo", {"pk": "USER#1"}, condition_expression="attribute_not_exists(pk)")
    except ConditionalCheckFailedException:
        pass
    (span,) = finished.get_finished_spans()
    assert span.status.status_code.name == "ERROR"
    assert span.attributes["error.type"] == "ConditionalCheckFailedException"
    assert span.attributes["app.tenant"] == "acme"
    assert span.attributes["pydynox.expression.condition"] == "attribute_not_exists(pk)"
    # --8<-- [end:hooks]

    # --8<-- [start:uninstrument]
    pydynox_otel.uninstrument()
    await client.delete_table("otel_demo")
    # --8<-- [end:uninstrument]


if __name__ == "__main__":
    asyncio.run(main())
