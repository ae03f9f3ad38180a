"""Fixtures shared by every package's tests: one moto DynamoDB server per test session.

The server runs in its own process on a free loopback port (``tests/support/moto_server.py``) and is
stopped by its pid when the session ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def endpoint(moto_server: MotoServer) -> str:
    """The moto server's URL, ``http://127.0.0.1:PORT``."""
    return moto_server.endpoint_url
