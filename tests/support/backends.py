"""The two DynamoDB API backends the integration tests run against (see the root conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    name: str
    """``engine`` (pydynox's embedded engine) or ``moto``."""
    endpoint_url: str
    """What pydynox clients in this process use (``memory://...`` for the engine)."""
    http_url: str
    """The same backend over HTTP, for boto3, proxies and child processes."""
