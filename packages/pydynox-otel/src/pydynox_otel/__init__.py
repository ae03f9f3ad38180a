"""OpenTelemetry instrumentation for pydynox: spans and metrics by the database semantic conventions.

    import pydynox_otel

    pydynox_otel.instrument()          # every client; or instrument(client=my_client)
    ...
    pydynox_otel.uninstrument()

Built on pydynox's operation events (:mod:`pydynox.events`): one CLIENT span per operation, nested
under the caller's current span, and the ``db.client.operation.duration`` histogram with capacity,
throttle and retry counters. ``opentelemetry-instrument`` finds :class:`PydynoxInstrumentor` through
the ``opentelemetry_instrumentor`` entry point.
"""

from pydynox_otel.instrumentor import PydynoxInstrumentor, instrument, uninstrument
from pydynox_otel.spans import RequestHook, ResponseHook
from pydynox_otel.version import __version__

__all__ = [
    "PydynoxInstrumentor",
    "RequestHook",
    "ResponseHook",
    "__version__",
    "instrument",
    "uninstrument",
]
