"""AWS Lambda integration for pydynox: a warm-runtime handler decorator, DynamoDB Streams into models,
idempotency without boto3.

.. code-block:: python

    from pydynox_lambda import handler

    @handler
    async def main(event, context):
        user = await User.get(pk=event["user_id"])
        return {"name": user.name}

Names are imported on first use, so a function that only needs ``handler`` pays for nothing else at
cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydynox_lambda.handlers import event_loop, handler
    from pydynox_lambda.idempotency import IdempotencyRecord, IdempotencyStore, idempotent
    from pydynox_lambda.invocation import DeadlineExceeded, Invocation, InvocationObserver, current_invocation
    from pydynox_lambda.metrics import EMFMetrics
    from pydynox_lambda.streams import (
        StreamRecord,
        decode_record,
        process_stream,
        stream_records,
        sync_process_stream,
    )

__version__ = "0.1.0"

_EXPORTS = {
    "handler": "handlers",
    "event_loop": "handlers",
    "DeadlineExceeded": "invocation",
    "Invocation": "invocation",
    "InvocationObserver": "invocation",
    "current_invocation": "invocation",
    "StreamRecord": "streams",
    "decode_record": "streams",
    "stream_records": "streams",
    "process_stream": "streams",
    "sync_process_stream": "streams",
    "IdempotencyStore": "idempotency",
    "IdempotencyRecord": "idempotency",
    "idempotent": "idempotency",
    "EMFMetrics": "metrics",
}

__all__ = [
    "DeadlineExceeded",
    "EMFMetrics",
    "IdempotencyRecord",
    "IdempotencyStore",
    "Invocation",
    "InvocationObserver",
    "StreamRecord",
    "__version__",
    "current_invocation",
    "decode_record",
    "event_loop",
    "handler",
    "idempotent",
    "process_stream",
    "stream_records",
    "sync_process_stream",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pydynox_lambda' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pydynox_lambda.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
