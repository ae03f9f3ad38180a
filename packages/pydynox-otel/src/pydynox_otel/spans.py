"""One CLIENT span per operation, built after the fact from its event.

The core reports an operation once it is over, on the caller's thread and in the caller's
``contextvars`` context. So the span is started then, with the operation's real start time, under
whatever span is current for the caller (a FastAPI request, a Lambda invocation, a task's own span),
and ended at the operation's real end time. A trace backend shows it exactly where and when the call
happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from opentelemetry import trace
from opentelemetry.trace import NoOpTracer, ProxyTracerProvider, Span, SpanKind, Status, StatusCode, Tracer
from pydynox.events import OperationEvent

from pydynox_otel.attributes import (
    ERROR_TYPE,
    RETRIED,
    THROTTLING_CODES,
    UNPROCESSED_ROUND,
    Shape,
    add_response_attributes,
    request_attributes,
)

__all__ = ["RequestHook", "ResponseHook", "SpanRecorder"]

RequestHook = Callable[[Span, OperationEvent], object]
"""``request_hook(span, event)``: called once the span has its request attributes (operation,
tables, parameters), before the response attributes (request id, counts, capacity), the retry events
and the status are set. Both hooks get the finished operation's event."""

ResponseHook = Callable[[Span, OperationEvent], object]
"""``response_hook(span, event)``: called once the span is complete (counts, capacity, retries,
status), just before it ends."""

RETRY_EVENT: Final = "pydynox.retry"
THROTTLE_EVENT: Final = "pydynox.throttle"
UNPROCESSED_EVENT: Final = "pydynox.unprocessed_retry"

_logger = logging.getLogger("pydynox_otel")


class SpanRecorder:
    """Turns events into spans with one tracer and one set of options."""

    def __init__(
        self,
        tracer: Tracer,
        *,
        global_tracer: bool,
        capture_expressions: bool,
        request_hook: RequestHook | None,
        response_hook: ResponseHook | None,
    ) -> None:
        self._tracer = tracer
        # A tracer of OpenTelemetry's API alone records nothing: its spans are not even built. One
        # taken from the global provider does not record until an SDK provider is set globally.
        self._silent = isinstance(tracer, NoOpTracer)
        self._until_global_provider = global_tracer and not self._silent
        self._capture_expressions = capture_expressions
        self._request_hook = request_hook
        self._response_hook = response_hook

    def record(self, event: OperationEvent, shape: Shape, consumed: dict[str, tuple[float, float]]) -> None:
        """Emits the span of ``event`` (of this ``shape``; ``consumed`` is its ``consumed_by_table``);
        only called when :meth:`live`."""
        # The operation is over, so its attributes are known when the span starts: the sampler sees
        # them (the outcome included), and the SDK checks them in one pass. A request hook must see
        # the span before the response's attributes, so with one they come after it.
        attributes = request_attributes(event, shape, self._capture_expressions)
        attempts = event.attempts
        request_hook = self._request_hook
        if request_hook is None:
            add_response_attributes(attributes, event, shape, consumed, attempts)
        # No `context=`: the tracer takes the current context, which is the caller's. Nothing is made
        # current while the span exists: nothing runs under it (the operation is over).
        span = self._tracer.start_span(
            shape.name, kind=SpanKind.CLIENT, attributes=attributes, start_time=event.start_time_ns
        )
        try:
            if not span.is_recording():
                return
            if request_hook is not None:
                _call_hook("request_hook", request_hook, span, event)
                span.set_attributes(add_response_attributes({}, event, shape, consumed, attempts))
            if attempts > 1 or shape.throttled or (shape.resends_unprocessed and event.unprocessed_retries):
                _add_retry_events(span, event)
            if shape.error_type is not None:
                span.set_status(Status(StatusCode.ERROR, shape.error_code))
            if self._response_hook is not None:
                _call_hook("response_hook", self._response_hook, span, event)
        finally:
            span.end(end_time=event.end_time_ns)

    def live(self) -> bool:
        """Whether a span can be recorded at all (if not, none is built)."""
        if self._silent:
            return False
        if self._until_global_provider:
            if isinstance(trace.get_tracer_provider(), ProxyTracerProvider):
                return False
            self._until_global_provider = False  # set once, never unset
        return True


def _add_retry_events(span: Span, event: OperationEvent) -> None:
    """One span event per retried attempt, plus one for a throttle that ended the operation.

    The core reports what each attempt ended with, not when, so the events carry the operation's end
    time rather than a made-up one.
    """
    at = event.end_time_ns
    for code in event.retry_errors:
        name = THROTTLE_EVENT if code in THROTTLING_CODES else RETRY_EVENT
        span.add_event(name, {ERROR_TYPE: code, RETRIED: True}, timestamp=at)
    if event.error_code in THROTTLING_CODES:
        span.add_event(THROTTLE_EVENT, {ERROR_TYPE: event.error_code, RETRIED: False}, timestamp=at)
    for round_number in range(1, event.unprocessed_retries + 1):
        span.add_event(UNPROCESSED_EVENT, {UNPROCESSED_ROUND: round_number}, timestamp=at)


def _call_hook(name: str, hook: RequestHook | ResponseHook, span: Span, event: OperationEvent) -> None:
    # A hook runs inside the DynamoDB call's event delivery: its failure must not reach the caller.
    try:
        hook(span, event)
    except Exception:
        _logger.exception("pydynox_otel %s %r failed for %s", name, hook, event.operation)
