"""Usage of DynamoDB by a unit of work (an HTTP request, a Lambda invocation, a job).

``track_usage()`` counts every operation finished inside its ``with`` block, by any client, in this
context and in the tasks and threads that inherit it (operation events are delivered in the caller's
``contextvars`` context, so a copy of the context carries the tracker along)::

    with track_usage() as usage:
        await client.get_item("users", {"pk": "u1"})
    print(usage.calls, usage.consumed_rcu, usage.time_in_dynamodb)

The listener behind it is subscribed only while at least one tracker is open, so code that never
tracks usage pays nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from pydynox import events

__all__ = ["Usage", "current_usage", "track_usage"]


@dataclass
class Usage:
    """Totals over the operations of one unit of work."""

    calls: int = 0
    """Logical operations (a paginated query counts once per page request, a batch once per call)."""
    errors: int = 0
    """Operations that ended with an error."""
    consumed_rcu: float = 0.0
    consumed_wcu: float = 0.0
    retries: int = 0
    """Extra attempts: SDK retries plus batch rounds that re-sent unprocessed items."""
    throttles: int = 0
    """Attempts DynamoDB throttled (each one was retried or ended the operation)."""
    time_in_dynamodb: float = 0.0
    """Seconds spent waiting on DynamoDB, summed over operations (overlapping calls each count)."""
    by_operation: dict[str, int] = field(default_factory=dict)
    """Calls per DynamoDB operation name, e.g. ``{"GetItem": 2, "Query": 1}``."""
    kms_calls: int = 0
    """KMS requests made for encrypted attributes (only data keys the cache did not hold)."""

    def add(self, event: events.OperationEvent) -> None:
        """Adds one finished operation to the totals."""
        self.calls += 1
        if not event.ok:
            self.errors += 1
        self.consumed_rcu += event.consumed_rcu or 0.0
        self.consumed_wcu += event.consumed_wcu or 0.0
        # `attempts` counts requests (a 31-item batch makes two), so retries come from the errors
        # that were retried, plus batch rounds that re-sent unprocessed items.
        self.retries += len(event.retry_errors) + event.unprocessed_retries
        self.throttles += event.throttles
        self.time_in_dynamodb += event.duration
        self.by_operation[event.operation] = self.by_operation.get(event.operation, 0) + 1
        self.kms_calls += event.kms_calls


_current: ContextVar[Usage | None] = ContextVar("pydynox_usage", default=None)
_lock = threading.Lock()
_open_trackers = 0
_subscription: events.Subscription | None = None


def _record(event: events.OperationEvent) -> None:
    usage = _current.get()
    if usage is not None:
        usage.add(event)


def current_usage() -> Usage | None:
    """The tracker open in this context, if any."""
    return _current.get()


@contextmanager
def track_usage(usage: Usage | None = None) -> Iterator[Usage]:
    """Counts the operations finished inside the block into ``usage`` (a new :class:`Usage` if omitted).

    Trackers nest: an inner block counts into its own ``Usage`` only, and the outer one resumes after it.
    """
    global _open_trackers, _subscription
    usage = Usage() if usage is None else usage
    with _lock:
        _open_trackers += 1
        if _subscription is None:
            _subscription = events.subscribe(_record)
    token = _current.set(usage)
    try:
        yield usage
    finally:
        _current.reset(token)
        with _lock:
            _open_trackers -= 1
            if _open_trackers == 0 and _subscription is not None:
                _subscription.unsubscribe()
                _subscription = None
