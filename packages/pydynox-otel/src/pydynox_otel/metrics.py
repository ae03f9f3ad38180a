"""The metrics recorded for every operation.

* ``db.client.operation.duration`` (histogram, ``s``) and ``db.client.response.returned_rows``
  (histogram, ``{row}``, reads only): the conventions' own, with their advisory bucket boundaries and
  the operation's attributes (system, operation, table, region, server, error).
* ``pydynox.client.consumed_read_capacity`` / ``pydynox.client.consumed_write_capacity`` (counters of
  capacity units): one add per table the operation charged, by system, operation and table.
* ``pydynox.client.throttles`` (counter, ``{throttle}``): attempts DynamoDB throttled.
* ``pydynox.client.retries`` (counter, ``{retry}``): requests sent again, with ``pydynox.retry.reason``
  ``error`` (an SDK retry of a failed attempt) or ``unprocessed`` (a batch round re-sending items).

The conventions have no DynamoDB capacity or retry metrics, hence pydynox's own names for those.
"""

from __future__ import annotations

from typing import Final

from opentelemetry.metrics import Meter
from pydynox.events import OperationEvent

from pydynox_otel.attributes import (
    DB_COLLECTION_NAME,
    DB_OPERATION_NAME,
    DB_SYSTEM_NAME,
    DYNAMODB,
    Attributes,
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


class OperationMetrics:
    """The instruments of one instrumentation, and how one event feeds them."""

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
        self._read_capacity = meter.create_counter(
            CONSUMED_READ_CAPACITY,
            unit="{read_capacity_unit}",
            description="Read capacity units DynamoDB reported as consumed.",
        )
        self._write_capacity = meter.create_counter(
            CONSUMED_WRITE_CAPACITY,
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

    def record(self, event: OperationEvent, attributes: Attributes) -> None:
        """Records one finished operation; ``attributes`` are its :func:`operation_attributes`."""
        self._duration.record(event.duration, attributes)
        if event.item_count is not None:
            self._returned_rows.record(event.item_count, attributes)
        if event.consumed_by_table:
            self._record_capacity(event)
        if event.throttles:
            self._throttles.add(event.throttles, attributes)
        if event.retry_errors:
            self._retries.add(len(event.retry_errors), {**attributes, RETRY_REASON: "error"})
        if event.unprocessed_retries:
            self._retries.add(event.unprocessed_retries, {**attributes, RETRY_REASON: "unprocessed"})

    def _record_capacity(self, event: OperationEvent) -> None:
        # Per table, so a transaction over two tables charges each its own share.
        for table, (rcu, wcu) in event.consumed_by_table.items():
            by_table: Attributes = {
                DB_SYSTEM_NAME: DYNAMODB,
                DB_OPERATION_NAME: event.operation,
                DB_COLLECTION_NAME: table,
            }
            if rcu:
                self._read_capacity.add(rcu, by_table)
            if wcu:
                self._write_capacity.add(wcu, by_table)
