"""The invocation being served: its Lambda request id, its DynamoDB usage, its deadline.

``current_invocation()`` works anywhere inside a ``@handler`` call, including inside operation-event
listeners (pydynox delivers events in the caller's ``contextvars`` context, so a listener sees the
invocation that made the call).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pydynox import DynamoDBClient
    from pydynox.events import OperationEvent
    from pydynox.usage import Usage

__all__ = ["DeadlineExceeded", "Invocation", "InvocationObserver", "current_invocation"]


class DeadlineExceeded(TimeoutError):
    """The handler was stopped at its deadline (the Lambda timeout minus ``deadline_margin``).

    The DynamoDB call in flight at that moment was cancelled, so no retry of it runs past the deadline.
    """


@dataclass(eq=False)
class Invocation:
    """One call of a ``@handler`` function."""

    request_id: str | None
    """``context.aws_request_id``: the Lambda request id."""
    function_name: str | None
    cold_start: bool
    """True for the first invocation this process serves."""
    usage: Usage
    """DynamoDB operations made by this invocation so far (calls, capacity, retries, throttles)."""
    deadline: float | None
    """``time.monotonic()`` value at which the handler is stopped, or None without a deadline."""
    context: Any = field(repr=False)
    """The Lambda context object."""
    _client: DynamoDBClient | None = field(default=None, repr=False)
    _observers: tuple[InvocationObserver, ...] = field(default=(), repr=False)

    @property
    def client(self) -> DynamoDBClient:
        """The client this handler was configured with, or the process's default client."""
        if self._client is not None:
            return self._client
        from pydynox import get_default_client

        client = get_default_client()
        if client is None:
            raise RuntimeError("no DynamoDB client: pass @handler(client=...) or set a default client")
        return client

    def remaining(self) -> float | None:
        """Seconds left before the deadline, or None without a deadline."""
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()


class InvocationObserver(Protocol):
    """Something that follows invocations: a metrics sink, a logger enrichment, a telemetry flush.

    Give observers to ``@handler(observers=[...])``. Each method runs on the invocation's thread;
    ``operation`` runs after each DynamoDB operation of the invocation ends, inside its context.
    """

    def invocation_started(self, invocation: Invocation) -> None: ...

    def operation(self, event: OperationEvent, invocation: Invocation) -> None: ...

    def invocation_finished(self, invocation: Invocation, error: BaseException | None) -> None: ...


_current: ContextVar[Invocation | None] = ContextVar("pydynox_lambda_invocation", default=None)


def current_invocation() -> Invocation | None:
    """The invocation being served in this context, or None outside a ``@handler`` call."""
    return _current.get()
