"""``PydynoxInstrumentor`` and the ``instrument()`` / ``uninstrument()`` shortcuts.

Instrumenting subscribes one listener to pydynox's operation events; uninstrumenting removes it. With
no listener the core builds no event at all, so an uninstrumented process pays nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from opentelemetry import metrics, trace

# instrumentor.py opts out of type checking with a file-level `# type: ignore`, so to mypy it has
# no BaseInstrumentor and the class is Any.
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider
from pydynox import DynamoDBClient, events
from pydynox.events import OperationEvent

from pydynox_otel.attributes import Shapes, legacy_names_requested
from pydynox_otel.metrics import MetricRecorder
from pydynox_otel.spans import RequestHook, ResponseHook, SpanRecorder
from pydynox_otel.version import __version__

__all__ = ["PydynoxInstrumentor", "instrument", "uninstrument"]

# The semantic conventions release whose names this package emits.
SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.37.0"
# The instrumentation scope of the tracer and meter: the package, as users import and filter it.
_SCOPE: Final = "pydynox_otel"
_INSTRUMENTS: Final = ("pydynox >= 0.1",)


class _Listener:
    """The operation-event listener: one span and the metrics of each event it accepts."""

    def __init__(
        self, client_id: int | None, shapes: Shapes, spans: SpanRecorder, metrics: MetricRecorder
    ) -> None:
        self._client_id = client_id
        self._shapes = shapes
        self._spans = spans
        self._metrics = metrics

    def __call__(self, event: OperationEvent) -> None:
        if self._client_id is not None and event.client_id != self._client_id:
            return
        # `suppress_instrumentation()` (used by exporters and by users) silences us like any other
        # instrumentation; it lives in the same context the event is delivered in.
        if not is_instrumentation_enabled():
            return
        spans = self._spans.live()
        metrics = self._metrics.live()
        if not (spans or metrics):
            return
        shape = self._shapes.of(event)
        consumed = event.consumed_by_table  # built on each access: read once
        try:
            if spans:
                self._spans.record(event, shape, consumed)
        finally:
            if metrics:
                self._metrics.record(event, shape, consumed)


class PydynoxInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments pydynox; ``opentelemetry-instrument`` finds it through its entry point.

    ``PydynoxInstrumentor().instrument(...)`` takes the keyword arguments of :func:`instrument`.
    Like every instrumentor it is a process-wide singleton: instrumenting twice without
    uninstrumenting in between logs a warning and keeps the first configuration.
    """

    _subscription: events.Subscription | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        options = dict(kwargs)
        client = options.pop("client", None)
        tracer_provider: TracerProvider | None = options.pop("tracer_provider", None)
        meter_provider: MeterProvider | None = options.pop("meter_provider", None)
        request_hook = options.pop("request_hook", None)
        response_hook = options.pop("response_hook", None)
        capture_expressions = options.pop("capture_expressions", False)
        if options:
            raise TypeError(f"unexpected instrument() argument(s): {', '.join(sorted(options))}")
        if client is not None and not isinstance(client, DynamoDBClient):
            raise TypeError(f"client must be a pydynox DynamoDBClient or None, got {type(client).__name__}")
        for name, hook in (("request_hook", request_hook), ("response_hook", response_hook)):
            if hook is not None and not callable(hook):
                raise TypeError(f"{name} must be callable(span, event) or None, got {type(hook).__name__}")
        if not isinstance(capture_expressions, bool):
            raise TypeError(f"capture_expressions must be True or False, got {capture_expressions!r}")

        tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider, schema_url=SCHEMA_URL)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider, schema_url=SCHEMA_URL)
        spans = SpanRecorder(
            tracer,
            global_tracer=tracer_provider is None,
            capture_expressions=capture_expressions,
            request_hook=request_hook,
            response_hook=response_hook,
        )
        client_id = client.client_id if client is not None else None
        listener = _Listener(
            client_id,
            Shapes(legacy_names_requested()),
            spans,
            MetricRecorder(meter, global_meter=meter_provider is None),
        )
        self._subscription = events.subscribe(listener)

    def _uninstrument(self, **kwargs: Any) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.unsubscribe()


def instrument(
    client: DynamoDBClient | None = None,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    request_hook: RequestHook | None = None,
    response_hook: ResponseHook | None = None,
    capture_expressions: bool = False,
) -> None:
    """Emits a span and metrics for every pydynox operation from now on.

    Args:
        client: only this client's operations (default: every client in the process).
        tracer_provider, meter_provider: default to the global providers.
        request_hook: ``hook(span, event)``, called when the span has its request attributes.
        response_hook: ``hook(span, event)``, called when the span is complete, before it ends.
        capture_expressions: also record key condition, filter, condition and update expressions and
            PartiQL statements (with their placeholders; literals in statements become ``?``).

    A hook that raises is logged to the ``pydynox_otel`` logger; the operation is not affected.
    """
    PydynoxInstrumentor().instrument(
        client=client,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        request_hook=request_hook,
        response_hook=response_hook,
        capture_expressions=capture_expressions,
    )


def uninstrument() -> None:
    """Stops emitting: the listener is removed, so operations build no event any more."""
    PydynoxInstrumentor().uninstrument()
