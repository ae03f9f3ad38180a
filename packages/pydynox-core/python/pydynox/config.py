"""Model configuration, and the process-wide default client used by models that name no client."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pydynox._default_client import clear_default_client, get_default_client, set_default_client

if TYPE_CHECKING:
    from pydynox.client import DynamoDBClient

__all__ = ["ModelConfig", "clear_default_client", "get_default_client", "set_default_client"]


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """How a model is stored.

    Args:
        table: the DynamoDB table.
        client: the client to use; defaults to the one given to :func:`set_default_client`.
        skip_hooks: never run lifecycle hooks (a call's ``skip_hooks=`` overrides it).
        consistent_read: strongly consistent reads by default.
        max_size: refuse to save items larger than this many bytes (DynamoDB's limit, 400 KB, always applies).
        strict_attributes: refuse attributes the model does not declare; otherwise they are kept and saved.
    """

    table: str
    client: DynamoDBClient | None = None
    skip_hooks: bool = False
    consistent_read: bool = False
    max_size: int | None = None
    strict_attributes: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.table, str) or not 3 <= len(self.table) <= 255:
            raise ValueError(
                f"ModelConfig(table=...) must be a table name of 3 to 255 characters, got {self.table!r}"
            )
        if self.max_size is not None and (
            isinstance(self.max_size, bool)
            or not isinstance(self.max_size, int)
            or not 0 < self.max_size <= MAX_ITEM_SIZE
        ):
            raise ValueError(
                f"ModelConfig(max_size=...) must be 1 to {MAX_ITEM_SIZE} bytes, got {self.max_size!r}"
            )


#: DynamoDB's item size limit, in bytes.
MAX_ITEM_SIZE = 400 * 1024
