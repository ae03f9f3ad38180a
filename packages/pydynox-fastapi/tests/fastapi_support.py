"""What the pydynox-fastapi tests share: clients of the moto server, fresh tables, a model.

Not a conftest: the root conftest already owns that module name, and the tests import this by name.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydynox import DynamoDBClient, get_default_client
from pydynox.pydantic import DynamoModel, PartitionKey, SortKey

REGION = "us-east-1"
CREDENTIALS = {"region": REGION, "access_key": "testing", "secret_key": "testing"}


def make_client(endpoint_url: str, **kwargs: Any) -> DynamoDBClient:
    return DynamoDBClient(endpoint_url=endpoint_url, **CREDENTIALS, **kwargs)


def unique_table(prefix: str = "fa") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def fresh_table(client: DynamoDBClient, sort_type: str = "S", **kwargs: Any) -> AsyncIterator[str]:
    """A new table with a string ``pk`` and a ``sk`` of ``sort_type``, deleted afterwards."""
    name = unique_table()
    await client.create_table(
        name, partition_key=("pk", "S"), sort_key=("sk", sort_type), wait=True, **kwargs
    )
    try:
        yield name
    finally:
        await client.delete_table(name)


def note_model(table: str) -> Any:
    """A pydantic model stored in ``table``, with no client of its own: it uses the default client,
    which the app's lifespan sets."""

    class Note(DynamoModel, table=table):
        pk: Annotated[str, PartitionKey()]
        sk: Annotated[str, SortKey()]
        text: str = ""
        amount: Decimal | None = None

    return Note


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connections are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def default_client_restored() -> Iterator[None]:
    """Every test leaves pydynox's default client as it found it (import this fixture to use it)."""
    before = get_default_client()
    yield
    assert get_default_client() is before, "the test left another default client behind"
