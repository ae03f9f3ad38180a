"""Fixtures for the Lambda adapter's tests: a client on the session's moto server, a Lambda context,
and a clean process state (default client, event loop) around each test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from lambda_support import make_client
from pydynox import DynamoDBClient
from pydynox.config import clear_default_client, get_default_client, set_default_client
from pydynox_lambda import handlers


@pytest.fixture
def http_url(request: pytest.FixtureRequest, endpoint: str) -> str:
    """The backend over HTTP, for fault proxies, boto3 and child processes."""
    try:
        return str(request.getfixturevalue("http_endpoint"))
    except pytest.FixtureLookupError:
        return endpoint


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    """A fresh table with a string partition key ``pk``."""
    name = f"lambda-{uuid.uuid4().hex[:10]}"
    client.sync_create_table(name, partition_key=("pk", "S"), wait=True)
    yield name
    client.sync_delete_table(name)


@pytest.fixture(autouse=True)
def process_state() -> Iterator[None]:
    """Each test starts without a default client and ends with the handlers' event loop closed (the
    next handler call builds a new one), so tests do not leak state into each other."""
    before = get_default_client()
    clear_default_client()
    yield
    loop = handlers._loop
    if loop is not None and not loop.is_closed():
        loop.close()
    if before is not None:
        set_default_client(before)
    else:
        clear_default_client()
