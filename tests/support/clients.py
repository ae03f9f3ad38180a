"""Clients and names shared by the test modules (importable as ``support.clients``: several
packages have a ``conftest.py``, so test modules never import from ``conftest``)."""

from __future__ import annotations

import uuid
from typing import Any

from pydynox import DynamoDBClient

REGION = "us-east-1"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def make_client(endpoint_url: str, **kwargs: Any) -> DynamoDBClient:
    return DynamoDBClient(region=REGION, endpoint_url=endpoint_url, **CREDENTIALS, **kwargs)


def boto3_client(endpoint_url: str, **kwargs: Any) -> Any:
    """boto3's DynamoDB client for a test server, with the same region and credentials."""
    import boto3  # only the modules that compare with boto3 pay for importing it

    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        **kwargs,
    )


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
