"""Operation events: one :class:`OperationEvent` per logical DynamoDB operation.

Subscribe a callable to see every operation any client performs (its name, table, index, duration,
attempts, retries, consumed capacity, counts, request id and error code; never item or key values)::

    from pydynox import events

    def log(event: events.OperationEvent) -> None:
        print(event.operation, event.table, f"{event.duration * 1000:.1f} ms")

    with events.subscribe(log):
        ...

Listeners run on the caller's thread, after the operation ends and before the caller resumes, in the
caller's ``contextvars`` context (for async calls, a copy taken when the call started): an OpenTelemetry
span or a request-scoped counter sees the right parent. With no listener, no event is built at all.
A listener that raises is logged to the ``pydynox.events`` logger and never breaks the operation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from pydynox._core import OperationEvent, _set_listening

__all__ = ["Listener", "OperationEvent", "Subscription", "subscribe"]

Listener = Callable[[OperationEvent], object]

_logger = logging.getLogger("pydynox.events")
_lock = threading.Lock()
_listeners: tuple[Listener, ...] = ()


class Subscription:
    """A registered listener; ``unsubscribe()`` (or leaving the ``with`` block) removes it."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self._active = True

    def unsubscribe(self) -> None:
        global _listeners
        with _lock:
            if not self._active:
                return
            self._active = False
            remaining = list(_listeners)
            remaining.remove(self.listener)
            _listeners = tuple(remaining)
            _set_listening(bool(_listeners))

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.unsubscribe()


def subscribe(listener: Listener) -> Subscription:
    """Calls ``listener(event)`` for every operation from now on, until unsubscribed."""
    global _listeners
    if not callable(listener):
        raise TypeError(f"listener must be callable, got {type(listener).__name__}")
    with _lock:
        _listeners = (*_listeners, listener)
        _set_listening(True)
    return Subscription(listener)


def _dispatch(event: OperationEvent) -> None:
    for listener in _listeners:
        try:
            listener(event)
        except Exception:
            _logger.exception("pydynox event listener %r failed for %s", listener, event.operation)
