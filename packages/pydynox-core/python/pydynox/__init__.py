"""pydynox: an async-first DynamoDB ORM for Python with a Rust core.

The client is :class:`DynamoDBClient`; every I/O method is async, with a blocking ``sync_`` twin.
"""

from __future__ import annotations

import atexit
import os

from pydynox import events, exceptions
from pydynox._core import (
    OperationEvent,
    OperationMetrics,
    Page,
    _after_fork_in_child,
    _shutdown,
    configure_runtime,
    runtime_info,
)
from pydynox._core import __version__ as _core_version
from pydynox.batch import BatchWriter, SyncBatchWriter
from pydynox.client import DynamoDBClient, StatementResult
from pydynox.collection import Collection, CollectionResult
from pydynox.conditions import Condition
from pydynox.config import ModelConfig, clear_default_client, get_default_client, set_default_client
from pydynox.generators import AutoGenerate
from pydynox.integrations import dynamodb_model
from pydynox.model import Model
from pydynox.rate_limit import AdaptiveRate, FixedRate
from pydynox.transaction import SyncTransaction, Transaction, sync_transact_get, transact_get

__version__: str = _core_version

__all__ = [
    "AdaptiveRate",
    "AutoGenerate",
    "BatchWriter",
    "Collection",
    "CollectionResult",
    "Condition",
    "DynamoDBClient",
    "FixedRate",
    "Model",
    "ModelConfig",
    "OperationEvent",
    "OperationMetrics",
    "Page",
    "StatementResult",
    "SyncBatchWriter",
    "SyncTransaction",
    "Transaction",
    "__version__",
    "clear_default_client",
    "configure_runtime",
    "dynamodb_model",
    "events",
    "exceptions",
    "get_default_client",
    "runtime_info",
    "set_default_client",
    "sync_transact_get",
    "transact_get",
    "version_info",
]


def version_info() -> str:
    """A one-line description of this build, for bug reports."""
    return f"pydynox {__version__} (Rust core, aws-sdk-dynamodb, tokio)"


# Runtime threads must not enter the interpreter once it starts finalizing (see runtime.rs).
atexit.register(_shutdown)

# The runtime's threads do not survive fork(); the child builds a new runtime (and clients new
# connection pools) on first use.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
