"""KMS and S3 for the tests of encrypted and S3 attributes: always moto's server (the embedded engine
serves DynamoDB only), reached with boto3 to set up keys and buckets and to check what is stored."""

from __future__ import annotations

from typing import Any

import boto3

from support.clients import REGION


def boto_client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def object_keys(s3: Any, bucket: str) -> list[str]:
    """Every object key in ``bucket``."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return sorted(keys)
