"""Test helpers: run an app with its lifespan under httpx, and swap its DynamoDB client.

.. code-block:: python

    async def test_create_user(client: DynamoDBClient) -> None:
        with override_client(app, client):
            async with lifespan_client(app) as http:
                response = await http.post("/users", json={"name": "Ana"})
        assert response.status_code == 201

:func:`lifespan_client` speaks the ASGI lifespan protocol to the app (startup before the first request,
shutdown after the last) and hands each request a copy of the lifespan state, as a server does.
httpx's ``ASGITransport`` alone does neither. Requires ``httpx`` (the ``testing`` extra).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from pydynox import DynamoDBClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pydynox_fastapi.dependencies import get_client
from pydynox_fastapi.lifespan import claim_default, pop_override, push_override, release_default

__all__ = ["LifespanError", "lifespan_client", "override_client", "run_lifespan"]


@contextmanager
def override_client(app: FastAPI, client: DynamoDBClient) -> Iterator[DynamoDBClient]:
    """Makes ``app`` use ``client`` inside the block: ``Depends(get_client)`` returns it, a lifespan
    that starts inside the block uses it, and it is pydynox's default client (for models without
    their own). Everything is restored on exit, ``app.dependency_overrides`` included."""
    if not isinstance(client, DynamoDBClient):
        raise TypeError(f"override_client() needs a DynamoDBClient, got {type(client).__name__}")
    overrides = app.dependency_overrides
    missing = object()
    previous = overrides.get(get_client, missing)

    async def overridden() -> DynamoDBClient:
        return client

    overrides[get_client] = overridden
    push_override(app, client)
    claim = claim_default(client)
    try:
        yield client
    finally:
        release_default(claim)
        pop_override(app, client)
        if previous is missing:
            overrides.pop(get_client, None)
        else:
            overrides[get_client] = previous  # type: ignore[assignment]


class LifespanError(RuntimeError):
    """The app's lifespan reported a failure without raising (``lifespan.*.failed``), or never
    answered."""


class _Lifespan:
    """Drives one run of an app's lifespan over the ASGI lifespan protocol."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _receive(self) -> Message:
        return await self._to_app.get()

    async def _send(self, message: Message) -> None:
        await self._from_app.put(message)

    async def _answer(self, step: str) -> None:
        """Sends ``lifespan.<step>`` and waits for the app's answer."""
        task = self._task
        assert task is not None
        await self._to_app.put({"type": f"lifespan.{step}"})
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait(
            {getter, task}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter not in done:
            getter.cancel()
            if task in done:
                task.result()  # the app's own exception, when it raised one
                raise LifespanError(f"the app returned without completing lifespan.{step}")
            task.cancel()
            raise LifespanError(f"the app did not complete lifespan.{step} within {self.timeout} s")
        message = getter.result()
        if message["type"] == f"lifespan.{step}.complete":
            return
        if message["type"] == f"lifespan.{step}.failed":
            # Starlette reports the failure, then raises the original exception: raise that one.
            finished, _ = await asyncio.wait({task}, timeout=self.timeout)
            if task in finished:
                task.result()
            else:
                task.cancel()
            raise LifespanError(f"lifespan.{step} failed: {message.get('message', '')}")
        raise LifespanError(f"unexpected lifespan message {message['type']!r} during {step}")

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}

        async def run() -> None:
            await self.app(scope, self._receive, self._send)

        self._task = asyncio.create_task(run())
        await self._answer("startup")

    async def shutdown(self) -> None:
        assert self._task is not None
        await self._answer("shutdown")
        await asyncio.wait_for(self._task, self.timeout)


@asynccontextmanager
async def run_lifespan(app: ASGIApp, *, timeout: float = 30.0) -> AsyncIterator[MutableMapping[str, Any]]:
    """Runs ``app``'s lifespan around the block and yields its state; the app's startup or shutdown
    exception is raised as it is (or :class:`LifespanError` when it only reported a failure)."""
    lifespan = _Lifespan(app, timeout)
    await lifespan.startup()
    try:
        yield lifespan.state
    finally:
        await lifespan.shutdown()


def _with_state(app: ASGIApp, state: MutableMapping[str, Any]) -> ASGIApp:
    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            # As servers do: each request gets a shallow copy of the lifespan state.
            scope = {**scope, "state": dict(state)}
        await app(scope, receive, send)

    return serve


@asynccontextmanager
async def lifespan_client(
    app: ASGIApp, *, base_url: str = "http://testserver", timeout: float = 30.0, **client_options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` calling ``app`` in-process with its lifespan running: started before
    the block, shut down after it. ``client_options`` go to ``httpx.AsyncClient`` (headers, ...)."""
    async with run_lifespan(app, timeout=timeout) as state:
        transport = httpx.ASGITransport(app=_with_state(app, state))
        async with httpx.AsyncClient(transport=transport, base_url=base_url, **client_options) as http:
            yield http
