"""Runs one test body against both faces of the client: the async method, or its ``sync_`` twin."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from pydynox import DynamoDBClient


class Twin:
    """``await api.put_item(...)`` runs ``client.put_item`` or, in a worker thread (so the test's event
    loop is never blocked), ``client.sync_put_item``."""

    def __init__(self, client: DynamoDBClient, mode: str) -> None:
        self.client = client
        self.mode = mode

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.mode == "async":
                return await getattr(self.client, name)(*args, **kwargs)
            return await asyncio.to_thread(getattr(self.client, f"sync_{name}"), *args, **kwargs)

        return call
