"""Every Python example in docs/ runs, in order, against a real DynamoDB API server.

Blocks of one page share a namespace. A block that uses ``await`` at the top level runs in a fresh
event loop; one that does not runs as plain code, as a user would run a script. The examples construct
their own ``DynamoDBClient(region=...)``: the standard ``AWS_ENDPOINT_URL_DYNAMODB`` variable points
them at the test server, and ``AWS_ENDPOINT_URL`` points their KMS and S3 calls at the same server,
where the KMS key ``alias/pydynox-docs`` and the bucket ``pydynox-docs`` the pages name exist.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.moto_server import MotoServer

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def doc_pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text()))


@pytest.fixture(scope="module")
def docs_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


def _create_key_and_bucket(endpoint_url: str) -> None:
    options: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": endpoint_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    kms = boto3.client("kms", **options)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/pydynox-docs", TargetKeyId=key_id)
    boto3.client("s3", **options).create_bucket(Bucket="pydynox-docs")


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.name)
def test_doc_examples_run(page: Path, docs_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    docs_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", docs_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", docs_server.endpoint_url)
    if "pydynox-docs" in page.read_text():
        _create_key_and_bucket(docs_server.endpoint_url)
    # A real module, registered as an import would: libraries that look the caller's module up in
    # sys.modules (pydantic does, for generic models parametrized at module level) find it.
    module = types.ModuleType(f"docs.{page.stem}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace: dict[str, Any] = module.__dict__
    for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
        source = match.group(1)
        # dont_inherit: this file's `from __future__ import annotations` must not leak into the
        # examples, which define classes (dataclasses, pydantic models) as a user's script would.
        code = compile(
            source,
            f"{page.name}[block {number}]",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        if code.co_flags & inspect.CO_COROUTINE:
            asyncio.run(eval(code, namespace))
        else:
            exec(code, namespace)
