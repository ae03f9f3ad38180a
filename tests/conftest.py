"""Shared fixtures: a real DynamoDB API server (moto, in its own process on a loopback port), clients
of ours pointed at it, a fresh table per test, and boto3 as the independent oracle for read-backs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pydynox import DynamoDBClient
from support.aws import boto_client
from support.clients import REGION, make_client, unique_name
from support.fault_proxy import FaultProxy
from support.model_twin import ModelTwin
from support.moto_server import MotoServer
from support.twin import Twin


@pytest.fixture
def client(endpoint: str) -> DynamoDBClient:
    return make_client(endpoint)


@pytest.fixture(scope="session")
def boto(http_endpoint: str) -> Any:
    """boto3, used only to check what is really stored (the test oracle)."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=http_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def table(client: DynamoDBClient, boto: Any) -> Iterator[str]:
    """A fresh table with a string partition key ``pk`` and string sort key ``sk``."""
    name = unique_name()
    client.sync_create_table(name, partition_key=("pk", "S"), sort_key=("sk", "S"), wait=True)
    yield name
    boto.delete_table(TableName=name)


@pytest.fixture
def proxy(http_endpoint: str) -> Iterator[FaultProxy]:
    """A fault-injecting HTTP proxy in front of the moto server."""
    with FaultProxy(http_endpoint) as p:
        yield p


@pytest.fixture(params=["async", "sync"])
def mode(request: pytest.FixtureRequest) -> str:
    """Runs a test once through the async methods and once through their ``sync_`` twins."""
    return str(request.param)


@pytest.fixture
def api(client: DynamoDBClient, mode: str) -> Twin:
    return Twin(client, mode)


@pytest.fixture
def twin(mode: str) -> ModelTwin:
    """``await twin(user).save()``: the model's async method, or its ``sync_`` twin (see ``mode``)."""
    return ModelTwin(mode)


def fresh_table_name(boto: Any, prefix: str) -> Iterator[str]:
    name = unique_name(prefix)
    yield name
    try:
        boto.delete_table(TableName=name)
    except boto.exceptions.ResourceNotFoundException:
        pass


@pytest.fixture
def table_name(boto: Any) -> Iterator[str]:
    """A fresh table name for a model's table; the table is deleted afterwards if it was created."""
    yield from fresh_table_name(boto, "m")


@pytest.fixture
def other_table_name(boto: Any) -> Iterator[str]:
    """A second fresh table name, for tests that write to two tables."""
    yield from fresh_table_name(boto, "m2")


# -- KMS and S3 (encrypted and S3 attributes): always moto's, whatever the DynamoDB backend -----------


@pytest.fixture(scope="session")
def aws_url(moto_server: MotoServer) -> str:
    return moto_server.endpoint_url


@pytest.fixture(scope="session")
def kms(aws_url: str) -> Any:
    """boto3's KMS client on moto (sets up keys)."""
    return boto_client("kms", aws_url)


@pytest.fixture(scope="session")
def s3(aws_url: str) -> Any:
    """boto3's S3 client on moto (sets up buckets, checks what is stored)."""
    return boto_client("s3", aws_url)


@pytest.fixture(scope="session")
def kms_key(kms: Any) -> str:
    key_id: str = kms.create_key(Description="pydynox tests")["KeyMetadata"]["KeyId"]
    return key_id


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique_name("bkt")
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def aws_client(endpoint: str, aws_url: str) -> DynamoDBClient:
    """A client of the DynamoDB backend under test whose KMS and S3 calls go to moto (a new client,
    so a cold data-key cache, per test)."""
    return make_client(endpoint, kms_endpoint_url=aws_url, s3_endpoint_url=aws_url)
