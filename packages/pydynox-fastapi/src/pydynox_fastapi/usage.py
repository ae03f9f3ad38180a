"""What each request used of DynamoDB: calls, capacity, retries, throttles, time spent waiting.

Counted from the core's operation events by :func:`pydynox.usage.track_usage`. Two ways to get it:

- ``usage: RequestUsage`` in an endpoint: the totals so far (read them at the end of the endpoint);
- ``app.add_middleware(UsageHeaderMiddleware)``: every response carries the totals in an
  ``X-DynamoDB-Usage`` header (``calls=2; rcu=1.5; wcu=0; retries=0; throttles=0; time_ms=3.1``) and
  a ``Server-Timing`` entry that browser devtools show.

With the middleware installed, ``RequestUsage`` is the middleware's tracker, so both see the same
totals. The header is written when the response starts: work done after that (a
``StreamingResponse`` body, background tasks, exit code of ``scope="request"`` dependencies) is not
in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from pydynox.usage import Usage, current_usage, track_usage
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestUsage", "UsageHeaderMiddleware", "format_usage", "request_usage"]


async def request_usage() -> AsyncIterator[Usage]:
    """The request's :class:`~pydynox.usage.Usage`: the middleware's when it runs, else a tracker
    open for the rest of the request."""
    outer = current_usage()
    if outer is not None:
        yield outer
        return
    with track_usage() as usage:
        yield usage


#: ``async def endpoint(usage: RequestUsage)``.
RequestUsage = Annotated[Usage, Depends(request_usage)]


def format_usage(usage: Usage) -> str:
    """The ``X-DynamoDB-Usage`` header value."""
    return (
        f"calls={usage.calls}; rcu={usage.consumed_rcu:g}; wcu={usage.consumed_wcu:g}; "
        f"retries={usage.retries}; throttles={usage.throttles}; time_ms={usage.time_in_dynamodb * 1000:.1f}"
    )


class UsageHeaderMiddleware:
    """Tracks each HTTP request's DynamoDB usage and reports it in the response headers.

    Args:
        header: the header carrying :func:`format_usage`'s text.
        server_timing: also add a ``Server-Timing: dynamodb;dur=...;desc="N calls"`` entry.
    """

    def __init__(self, app: ASGIApp, header: str = "X-DynamoDB-Usage", server_timing: bool = True) -> None:
        self.app = app
        self.header = header
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with track_usage() as usage:

            async def send_with_usage(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    headers.append(self.header, format_usage(usage))
                    if self.server_timing:
                        ms = usage.time_in_dynamodb * 1000
                        headers.append("Server-Timing", f'dynamodb;dur={ms:.1f};desc="{usage.calls} calls"')
                await send(message)

            await self.app(scope, receive, send_with_usage)
