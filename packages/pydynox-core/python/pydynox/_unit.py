"""What a unit of work over several items (a batch, a transaction) shares: it sends through one client,
the one it was given, else the first model's, else the default client."""

from __future__ import annotations

from typing import Any, ClassVar

from pydynox._crud import info_of
from pydynox._model_info import ModelInfo
from pydynox.client import DynamoDBClient
from pydynox.config import get_default_client

__all__ = ["OneClient"]


class OneClient:
    #: How errors name the unit ("a batch writer", "a transaction").
    _unit: ClassVar[str]

    def __init__(self, client: DynamoDBClient | None) -> None:
        self._client = client

    def _model_info(self, target: Any) -> ModelInfo:
        """The info of a model instance (or class), whose client the unit takes on."""
        info = info_of(target)
        client = info.client()
        if self._client is None:
            self._client = client
        elif client is not self._client:
            raise ValueError(f"{self._unit} sends through one client; {info.name} uses another")
        return info

    def client(self) -> DynamoDBClient:
        if self._client is None:
            client = get_default_client()
            if client is None:
                raise RuntimeError(f"no client: pass one to {self._unit} or call set_default_client()")
            self._client = client
        return self._client
