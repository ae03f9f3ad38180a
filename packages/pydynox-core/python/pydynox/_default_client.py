"""The process-wide default client, used by models that name no client.

Its own module (re-exported by :mod:`pydynox.config`) so that code needing only the default client,
such as a Lambda handler at cold start, does not import the model configuration with it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydynox.client import DynamoDBClient

__all__ = ["clear_default_client", "get_default_client", "set_default_client"]

_lock = threading.Lock()
_default: DynamoDBClient | None = None


def set_default_client(client: DynamoDBClient) -> None:
    """Makes ``client`` the default for every model without ``ModelConfig(client=...)``."""
    from pydynox.client import DynamoDBClient

    if not isinstance(client, DynamoDBClient):
        raise TypeError(f"set_default_client() needs a DynamoDBClient, got {type(client).__name__}")
    global _default
    with _lock:
        _default = client


def get_default_client() -> DynamoDBClient | None:
    """The default client, or None when none was set."""
    return _default


def clear_default_client() -> None:
    """Forgets the default client."""
    global _default
    with _lock:
        _default = None
