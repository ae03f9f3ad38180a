"""Fixtures shared by every package's tests: the two real DynamoDB API backends.

Integration tests run once per backend (DESIGN §9):

- ``engine``: pydynox's embedded engine. Clients reach it in process (``memory://``); boto3, the
  fault proxy and child processes reach the same engine over HTTP, through a ``pydynox local``
  server started for the session.
- ``moto``: moto's DynamoDB server in its own process on a loopback port, stopped by its pid.

``PYDYNOX_TEST_BACKENDS=engine`` (or ``moto``) limits a run to one of them.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator

import pytest
from support.backends import Backend
from support.moto_server import MotoServer

BACKENDS = [b.strip() for b in os.environ.get("PYDYNOX_TEST_BACKENDS", "engine,moto").split(",") if b.strip()]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "moto":
        server: MotoServer = request.getfixturevalue("moto_server")
        yield Backend("moto", server.endpoint_url, server.endpoint_url)
        return
    if request.param != "engine":
        raise ValueError(f"unknown test backend {request.param!r} in PYDYNOX_TEST_BACKENDS")
    from pydynox.local import LocalEngine

    engine = LocalEngine(f"suite-{uuid.uuid4().hex[:8]}")
    with engine.serve() as http:
        yield Backend("engine", engine.endpoint_url, http.endpoint_url)
    engine.discard()


@pytest.fixture(scope="session")
def endpoint(backend: Backend) -> str:
    """The endpoint pydynox clients use: ``memory://...`` or moto's ``http://127.0.0.1:PORT``."""
    return backend.endpoint_url


@pytest.fixture(scope="session")
def http_endpoint(backend: Backend) -> str:
    """The same backend over HTTP (boto3, fault proxies, child processes)."""
    return backend.http_url


@pytest.fixture(autouse=True)
def no_process_wide_listener_left() -> Iterator[None]:
    """pydynox_lambda subscribes one event listener for the life of a process (its observers'
    forwarder); tests anywhere, docs examples included, may start it. Remove it after each test so
    the core's tests, which check that no listener is left behind, see a clean slate."""
    yield
    handlers = sys.modules.get("pydynox_lambda.handlers")
    forwarding = getattr(handlers, "_forwarding", None)
    if handlers is not None and forwarding is not None:
        forwarding.unsubscribe()
        handlers._forwarding = None
