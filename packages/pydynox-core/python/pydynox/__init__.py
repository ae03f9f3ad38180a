"""pydynox: an async-first DynamoDB ORM for Python with a Rust core.

The client is :class:`DynamoDBClient`; every I/O method is async, with a blocking ``sync_`` twin.

Names are imported on first use (``from pydynox import Model`` works as usual): a Lambda function or a
script that only needs the client does not pay, at cold start, for models, batches and transactions.
"""

from __future__ import annotations

import atexit
import os
from importlib import import_module
from typing import TYPE_CHECKING

from pydynox._core import __version__ as _core_version
from pydynox._core import _after_fork_in_child, _shutdown

if TYPE_CHECKING:
    from pydynox import events, exceptions
    from pydynox._core import (
        OperationEvent,
        OperationMetrics,
        Page,
        configure_runtime,
        runtime_info,
    )
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

# Where each exported name lives (its module is imported the first time the name is looked up).
_EXPORTS = {
    "OperationEvent": "_core",
    "OperationMetrics": "_core",
    "Page": "_core",
    "configure_runtime": "_core",
    "runtime_info": "_core",
    "BatchWriter": "batch",
    "SyncBatchWriter": "batch",
    "DynamoDBClient": "client",
    "StatementResult": "client",
    "Collection": "collection",
    "CollectionResult": "collection",
    "Condition": "conditions",
    "ModelConfig": "config",
    "clear_default_client": "_default_client",
    "get_default_client": "_default_client",
    "set_default_client": "_default_client",
    "AutoGenerate": "generators",
    "dynamodb_model": "integrations",
    "Model": "model",
    "AdaptiveRate": "rate_limit",
    "FixedRate": "rate_limit",
    "SyncTransaction": "transaction",
    "Transaction": "transaction",
    "sync_transact_get": "transaction",
    "transact_get": "transaction",
}
# Submodules that `import pydynox` used to load, and so are reachable as attributes of the package.
_SUBMODULES = frozenset(
    {
        "atomic",
        "attributes",
        "batch",
        "client",
        "collection",
        "conditions",
        "config",
        "events",
        "exceptions",
        "expressions",
        "generators",
        "hooks",
        "indexes",
        "integrations",
        "model",
        "query",
        "rate_limit",
        "transaction",
    }
)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(import_module(f"pydynox.{module}"), name)
    elif name in _SUBMODULES:
        value = import_module(f"pydynox.{name}")
    else:
        raise AttributeError(f"module 'pydynox' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


def version_info() -> str:
    """A one-line description of this build, for bug reports."""
    return f"pydynox {__version__} (Rust core, aws-sdk-dynamodb, tokio)"


# Runtime threads must not enter the interpreter once it starts finalizing (see runtime.rs).
atexit.register(_shutdown)

# The runtime's threads do not survive fork(); the child builds a new runtime (and clients new
# connection pools) on first use.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
