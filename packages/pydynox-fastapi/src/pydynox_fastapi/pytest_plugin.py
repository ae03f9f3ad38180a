"""pytest glue between FastAPI apps and pydynox's embedded engine fixtures.

Enable it in the root ``conftest.py`` and give the app as an ``app`` fixture::

    pytest_plugins = ["pydynox_fastapi.pytest_plugin"]

    @pytest.fixture
    def app() -> FastAPI:
        return my_app

    async def test_create(pydynox_app_client: httpx.AsyncClient) -> None:
        assert (await pydynox_app_client.post("/users", json={"name": "Ana"})).status_code == 201

``pydynox_app_client`` runs the app with its lifespan under httpx, on a fresh engine of its own
(``pydynox_memory_backend_seeded``: override ``pydynox_seed`` to create tables and items first). The
engine's client replaces the app's (``override_client``), so ``Depends(get_client)`` and models
both reach it; ``pydynox_memory_backend_seeded`` in the same test is that engine, with its fault
injection. Requires pytest-asyncio and httpx (the ``testing`` extra).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from pydynox_fastapi.testing import lifespan_client, override_client

__all__ = ["pydynox_app_client"]


@pytest_asyncio.fixture
async def pydynox_app_client(
    app: Any, pydynox_memory_backend_seeded: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` on the ``app`` fixture, lifespan running, backed by a fresh engine."""
    with override_client(app, pydynox_memory_backend_seeded.client):
        async with lifespan_client(app) as http:
            yield http
