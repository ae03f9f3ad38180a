"""DynamoDB metrics per invocation in CloudWatch's Embedded Metric Format (EMF).

``EMFMetrics`` is an invocation observer: it totals the operations of each invocation by table and
operation, and when the invocation ends writes one EMF document per pair to stdout, where Lambda's log
capture turns it into CloudWatch metrics. It does not import Powertools; given a Powertools
``Metrics``, it takes its namespace, service and default dimensions, and its documents sit beside the
ones ``Metrics.log_metrics`` flushes.

Metrics (dimensions ``service``, ``table``, ``operation``, plus the default ones):

=====================  ============  ===========================================================
name                   unit          value
=====================  ============  ===========================================================
DynamoDBCalls          Count         operations
DynamoDBErrors         Count         operations that failed
DynamoDBConsumedRCU    Count         read capacity units DynamoDB reported
DynamoDBConsumedWCU    Count         write capacity units DynamoDB reported
DynamoDBThrottles      Count         throttled attempts
DynamoDBRetries        Count         extra attempts (SDK retries and batch rounds)
DynamoDBDuration       Milliseconds  one value per operation (CloudWatch computes percentiles)
=====================  ============  ===========================================================

Operations on several tables at once (transactions, multi-table batches) count under the table
``(multiple)``; the capacity they consumed is reported per table.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydynox.events import OperationEvent

    from pydynox_lambda.invocation import Invocation

__all__ = ["EMFMetrics"]

MULTIPLE_TABLES = "(multiple)"

_UNITS = {
    "DynamoDBCalls": "Count",
    "DynamoDBErrors": "Count",
    "DynamoDBConsumedRCU": "Count",
    "DynamoDBConsumedWCU": "Count",
    "DynamoDBThrottles": "Count",
    "DynamoDBRetries": "Count",
    "DynamoDBDuration": "Milliseconds",
}


@dataclass
class _Totals:
    calls: int = 0
    errors: int = 0
    rcu: float = 0.0
    wcu: float = 0.0
    throttles: int = 0
    retries: int = 0
    durations: list[float] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {
            "DynamoDBCalls": self.calls,
            "DynamoDBErrors": self.errors,
            "DynamoDBConsumedRCU": self.rcu,
            "DynamoDBConsumedWCU": self.wcu,
            "DynamoDBThrottles": self.throttles,
            "DynamoDBRetries": self.retries,
            "DynamoDBDuration": self.durations,
        }


class EMFMetrics:
    """An invocation observer that writes DynamoDB metrics as EMF at the end of each invocation.

    Args:
        namespace: the CloudWatch namespace; defaults to ``metrics.namespace``, then the
            ``POWERTOOLS_METRICS_NAMESPACE`` environment variable.
        service: the ``service`` dimension; defaults to ``metrics.service``, then
            ``POWERTOOLS_SERVICE_NAME`` (no such dimension when none is set).
        dimensions: more dimensions for every document (added to ``metrics.default_dimensions``).
        metrics: a Powertools ``Metrics`` to take those settings from.
        emit: where each document goes (one JSON string); default: a line on stdout.
    """

    def __init__(
        self,
        namespace: str | None = None,
        *,
        service: str | None = None,
        dimensions: Mapping[str, str] | None = None,
        metrics: Any = None,
        emit: Callable[[str], object] | None = None,
    ) -> None:
        namespace = (
            namespace or getattr(metrics, "namespace", None) or os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        )
        if not namespace:
            raise ValueError(
                "EMFMetrics needs a namespace: pass namespace=..., a Powertools Metrics with one, "
                "or set POWERTOOLS_METRICS_NAMESPACE"
            )
        self.namespace: str = namespace
        self.service = (
            service or getattr(metrics, "service", None) or os.environ.get("POWERTOOLS_SERVICE_NAME")
        )
        self.dimensions: dict[str, str] = {
            **(getattr(metrics, "default_dimensions", None) or {}),
            **(dimensions or {}),
        }
        self.emit = emit if emit is not None else _write_line
        self._lock = threading.Lock()
        self._open: dict[Invocation, dict[tuple[str, str], _Totals]] = {}

    def invocation_started(self, invocation: Invocation) -> None:
        with self._lock:
            self._open[invocation] = {}

    def operation(self, event: OperationEvent, invocation: Invocation) -> None:
        with self._lock:
            rows = self._open.get(invocation)
            if rows is None:
                return
            table = event.table or MULTIPLE_TABLES
            totals = rows.setdefault((table, event.operation), _Totals())
            totals.calls += 1
            totals.errors += 0 if event.ok else 1
            totals.throttles += event.throttles
            totals.retries += max(event.attempts - 1, 0) + event.unprocessed_retries
            totals.durations.append(round(event.duration * 1000, 3))
            if event.table is None and event.consumed_by_table:
                for name, (rcu, wcu) in event.consumed_by_table.items():
                    per_table = rows.setdefault((name, event.operation), _Totals())
                    per_table.rcu += rcu
                    per_table.wcu += wcu
            else:
                totals.rcu += event.consumed_rcu or 0.0
                totals.wcu += event.consumed_wcu or 0.0

    def invocation_finished(self, invocation: Invocation, error: BaseException | None) -> None:
        with self._lock:
            rows = self._open.pop(invocation, None)
        if not rows:
            return
        timestamp = int(time.time() * 1000)
        for (table, operation), totals in sorted(rows.items()):
            self.emit(self.document(table, operation, totals, invocation, timestamp))

    def document(
        self, table: str, operation: str, totals: _Totals, invocation: Invocation, timestamp: int
    ) -> str:
        dims = dict(self.dimensions)
        if self.service:
            dims["service"] = self.service
        dims["table"] = table
        dims["operation"] = operation
        values = totals.values()
        if not values["DynamoDBDuration"]:
            del values["DynamoDBDuration"]  # capacity-only rows of multi-table operations
        doc: dict[str, Any] = {
            "_aws": {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.namespace,
                        "Dimensions": [list(dims)],
                        "Metrics": [{"Name": name, "Unit": _UNITS[name]} for name in values],
                    }
                ],
            },
            **dims,
            **values,
        }
        if invocation.request_id:
            # Not a dimension: a property that lets the log line be found by request id.
            doc["function_request_id"] = invocation.request_id
        return json.dumps(doc, separators=(",", ":"))


def _write_line(document: str) -> None:
    sys.stdout.write(document + "\n")
    sys.stdout.flush()
