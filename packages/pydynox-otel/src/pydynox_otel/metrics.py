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
from collections.abc import Iterable
from typing import Final

from opentelemetry.metrics import CallbackOptions, Meter, Observation
from pydynox.events import OperationEvent

from pydynox_otel.attributes import (
    DB_COLLECTION_NAME,
    DB_OPERATION_NAME,
    DB_SYSTEM_NAME,
    DYNAMODB,
    Shape,
)

DURATION: Final = "db.client.operation.duration"
RETURNED_ROWS: Final = "db.client.response.returned_rows"
CONSUMED_READ_CAPACITY: Final = "pydynox.client.consumed_read_capacity"
CONSUMED_WRITE_CAPACITY: Final = "pydynox.client.consumed_write_capacity"
THROTTLES: Final = "pydynox.client.throttles"
RETRIES: Final = "pydynox.client.retries"
RETRY_REASON: Final = "pydynox.retry.reason"

# The conventions' advisory boundaries for these two histograms.
DURATION_BUCKETS: Final = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
ROWS_BUCKETS: Final = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

_lock = threading.Lock()
# One set of instruments per meter: a meter refuses a second instrument of the same name (it warns
# and hands back the first), so instrumenting again with the same provider must reuse them.
_by_meter: weakref.WeakKeyDictionary[Meter, OperationMetrics] = weakref.WeakKeyDictionary()


class _CapacityTotals:
    """Capacity consumed so far, by (operation, table), read by the SDK when it collects.

    Nearly every call consumes capacity; adding to a dict here costs a fraction of a synchronous
    counter's ``add`` (which validates and hashes its attributes on every call), and an observable
    counter reports exactly these running totals.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: dict[tuple[str, str], float] = {}
        self._write: dict[tuple[str, str], float] = {}

    def add(self, operation: str, consumed: dict[str, tuple[float, float]]) -> None:
        """Adds an event's ``consumed_by_table``."""
        with self._lock:
            for table, (rcu, wcu) in consumed.items():
                if rcu:
                    self._read[operation, table] = self._read.get((operation, table), 0.0) + rcu
                if wcu:
                    self._write[operation, table] = self._write.get((operation, table), 0.0) + wcu

    def observe_read(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observations(self._read)

    def observe_write(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observations(self._write)

    def _observations(self, totals: dict[tuple[str, str], float]) -> list[Observation]:
        with self._lock:
            snapshot = list(totals.items())
        return [
            Observation(
                units, {DB_SYSTEM_NAME: DYNAMODB, DB_OPERATION_NAME: operation, DB_COLLECTION_NAME: table}
            )
            for (operation, table), units in snapshot
        ]


class OperationMetrics:
    """The instruments of one meter, and how one event feeds them."""

    @classmethod
    def for_meter(cls, meter: Meter) -> OperationMetrics:
        with _lock:
            found = _by_meter.get(meter)
            if found is None:
                found = _by_meter[meter] = cls(meter)
            return found

    def __init__(self, meter: Meter) -> None:
        self._duration = meter.create_histogram(
            DURATION,
            unit="s",
            description="Duration of database client operations.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self._returned_rows = meter.create_histogram(
            RETURNED_ROWS,
            unit="{row}",
            description="The actual number of records returned by the database operation.",
            explicit_bucket_boundaries_advisory=list(ROWS_BUCKETS),
        )
        self._capacity = _CapacityTotals()
        meter.create_observable_counter(
            CONSUMED_READ_CAPACITY,
            callbacks=[self._capacity.observe_read],
            unit="{read_capacity_unit}",
            description="Read capacity units DynamoDB reported as consumed.",
        )
        meter.create_observable_counter(
            CONSUMED_WRITE_CAPACITY,
            callbacks=[self._capacity.observe_write],
            unit="{write_capacity_unit}",
            description="Write capacity units DynamoDB reported as consumed.",
        )
        self._throttles = meter.create_counter(
            THROTTLES, unit="{throttle}", description="Attempts DynamoDB throttled."
        )
        self._retries = meter.create_counter(
            RETRIES,
            unit="{retry}",
            description="Requests sent again: SDK retries of failed attempts and batch rounds re-sending "
            "unprocessed items or keys.",
        )

    def record(self, event: OperationEvent, shape: Shape, consumed: dict[str, tuple[float, float]]) -> None:
        """Records one finished operation (of this ``shape``; ``consumed`` is its ``consumed_by_table``)."""
        attributes = shape.attributes
        self._duration.record(event.duration, attributes)
        rows = event.item_count
        if rows is not None:
            self._returned_rows.record(rows, attributes)
        if consumed:
            self._capacity.add(shape.operation, consumed)
        throttles = event.throttles
        if throttles:
            self._throttles.add(throttles, attributes)
        # A retried error means another attempt followed it.
        if event.attempts > 1:
            retried = len(event.retry_errors)
            if retried:
                self._retries.add(retried, {**attributes, RETRY_REASON: "error"})
        unprocessed = event.unprocessed_retries
        if unprocessed:
            self._retries.add(unprocessed, {**attributes, RETRY_REASON: "unprocessed"})
