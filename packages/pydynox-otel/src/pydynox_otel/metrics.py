"""The metrics recorded for every operation.

* ``db.client.operation.duration`` (histogram, ``s``) and ``db.client.response.returned_rows``
  (histogram, ``{row}``, reads only): the conventions' own, with their advisory bucket boundaries and
  the operation's attributes (system, operation, table, region, server, error).
* ``pydynox.client.consumed_read_capacity`` / ``pydynox.client.consumed_write_capacity`` (counters of
  capacity units): totals by system, operation and table; a transaction charges each of its tables.
* ``pydynox.client.throttles`` (counter, ``{throttle}``): attempts DynamoDB throttled.
* ``pydynox.client.retries`` (counter, ``{retry}``): requests sent again, with ``pydynox.retry.reason``
  ``error`` (an SDK retry of a failed attempt) or ``unprocessed`` (a batch round re-sending items).

The conventions have no DynamoDB capacity or retry metrics, hence pydynox's own names for those.
"""

from __future__ import annotations

import threading
import weakref
from typing import Final

from opentelemetry import metrics
from opentelemetry.metrics import Meter, NoOpMeter
from pydynox.events import OperationEvent

from pydynox_otel.attributes import Shape

DURATION: Final = "db.client.operation.duration"
RETURNED_ROWS: Final = "db.client.response.returned_rows"
CONSUMED_READ_CAPACITY: Final = "pydynox.client.consumed_read_capacity"
CONSUMED_WRITE_CAPACITY: Final = "pydynox.client.consumed_write_capacity"
THROTTLES: Final = "pydynox.client.throttles"
RETRIES: Final = "pydynox.client.retries"

# The conventions' advisory boundaries for these two histograms.
DURATION_BUCKETS: Final = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
ROWS_BUCKETS: Final = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

_PLACEHOLDER_PROVIDERS: tuple[type, ...]
try:
    # The global provider the API hands out until an application sets an SDK one: its instruments
    # drop every measurement. The class is private to the API, hence the guard; without it, every
    # event is recorded, which is only slower.
    from opentelemetry.metrics._internal import _ProxyMeterProvider

    _PLACEHOLDER_PROVIDERS = (_ProxyMeterProvider,)
except ImportError:
    _PLACEHOLDER_PROVIDERS = ()

_lock = threading.Lock()
# One set of instruments per meter: a meter refuses a second instrument of the same name (it warns
# and hands back the first), so instrumenting again with the same provider must reuse them.
_by_meter: weakref.WeakKeyDictionary[Meter, Instruments] = weakref.WeakKeyDictionary()


class Instruments:
    """The instruments of one meter."""

    @classmethod
    def for_meter(cls, meter: Meter) -> Instruments:
        with _lock:
            found = _by_meter.get(meter)
            if found is None:
                found = _by_meter[meter] = cls(meter)
            return found

    def __init__(self, meter: Meter) -> None:
        self.duration = meter.create_histogram(
            DURATION,
            unit="s",
            description="Duration of database client operations.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self.returned_rows = meter.create_histogram(
            RETURNED_ROWS,
            unit="{row}",
            description="The actual number of records returned by the database operation.",
            explicit_bucket_boundaries_advisory=list(ROWS_BUCKETS),
        )
        self.read_capacity = meter.create_counter(
            CONSUMED_READ_CAPACITY,
            unit="{read_capacity_unit}",
            description="Read capacity units DynamoDB reported as consumed.",
        )
        self.write_capacity = meter.create_counter(
            CONSUMED_WRITE_CAPACITY,
            unit="{write_capacity_unit}",
            description="Write capacity units DynamoDB reported as consumed.",
        )
        self.throttles = meter.create_counter(
            THROTTLES, unit="{throttle}", description="Attempts DynamoDB throttled."
        )
        self.retries = meter.create_counter(
            RETRIES,
            unit="{retry}",
            description="Requests sent again: SDK retries of failed attempts and batch rounds re-sending "
            "unprocessed items or keys.",
        )


class MetricRecorder:
    """Turns events into measurements on one meter's instruments."""

    def __init__(self, meter: Meter, *, global_meter: bool) -> None:
        instruments = Instruments.for_meter(meter)
        self._duration = instruments.duration
        self._returned_rows = instruments.returned_rows
        self._read_capacity = instruments.read_capacity
        self._write_capacity = instruments.write_capacity
        self._throttles = instruments.throttles
        self._retries = instruments.retries
        # A meter of OpenTelemetry's API alone records nothing. One taken from the global provider
        # does not record until an SDK provider is set globally.
        self._silent = isinstance(meter, NoOpMeter)
        self._until_global_provider = global_meter and not self._silent

    def live(self) -> bool:
        """Whether a measurement can be recorded at all (if not, an event is not worth reading)."""
        if self._silent:
            return False
        if self._until_global_provider:
            if isinstance(metrics.get_meter_provider(), _PLACEHOLDER_PROVIDERS):
                return False
            self._until_global_provider = False  # set once, never unset
        return True

    def record(self, event: OperationEvent, shape: Shape, consumed: dict[str, tuple[float, float]]) -> None:
        """Records one finished operation (of this ``shape``; ``consumed`` is its ``consumed_by_table``)."""
        # The shape's dicts, the same objects call after call: nothing is built per call.
        attributes = shape.attributes
        self._duration.record(event.duration, attributes)
        rows = event.item_count
        if rows is not None:
            self._returned_rows.record(rows, attributes)
        for table, (rcu, wcu) in consumed.items():
            if rcu:
                self._read_capacity.add(rcu, shape.capacity_attributes(table))
            if wcu:
                self._write_capacity.add(wcu, shape.capacity_attributes(table))
        # Throttles and retries need an attempt that failed: a retried one, or a throttle that ended the
        # call. Most calls have neither, and skip reading them.
        attempts = event.attempts
        if attempts > 1 or shape.throttled:
            throttles = event.throttles
            if throttles:
                self._throttles.add(throttles, attributes)
            # A retried error means another attempt followed it.
            retried = len(event.retry_errors)
            if retried:
                self._retries.add(retried, shape.retried_attributes)
        if shape.resends_unprocessed:
            unprocessed = event.unprocessed_retries
            if unprocessed:
                self._retries.add(unprocessed, shape.unprocessed_attributes)
