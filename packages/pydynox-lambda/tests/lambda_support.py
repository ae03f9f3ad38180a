"""Helpers for the Lambda adapter's tests (a module of its own: test modules import it by name)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydynox import DynamoDBClient

REGION = "us-east-1"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def make_client(endpoint_url: str, **kwargs: Any) -> DynamoDBClient:
    return DynamoDBClient(region=REGION, endpoint_url=endpoint_url, **CREDENTIALS, **kwargs)


class LambdaContext:
    """What the Lambda runtime passes as ``context`` (the attributes Powertools reads included)."""

    def __init__(
        self, request_id: str | None = None, timeout: float = 30.0, function_name: str = "orders"
    ) -> None:
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/01/01/[$LATEST]abc"
        self._ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._ends - time.monotonic()) * 1000), 0)
