"""What importing pydynox loads: names resolve on first use, to the very objects their modules define,
and a program that only reads and writes items never imports asyncio (checked in fresh processes)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pydynox
import pytest

HOMES = {
    "OperationEvent": "pydynox._core",
    "OperationMetrics": "pydynox._core",
    "Page": "pydynox._core",
    "configure_runtime": "pydynox._core",
    "runtime_info": "pydynox._core",
    "BatchWriter": "pydynox.batch",
    "SyncBatchWriter": "pydynox.batch",
    "DynamoDBClient": "pydynox.client",
    "StatementResult": "pydynox.client",
    "Collection": "pydynox.collection",
    "CollectionResult": "pydynox.collection",
    "Condition": "pydynox.conditions",
    "ModelConfig": "pydynox.config",
    "clear_default_client": "pydynox.config",
    "get_default_client": "pydynox.config",
    "set_default_client": "pydynox.config",
    "AutoGenerate": "pydynox.generators",
    "dynamodb_model": "pydynox.integrations",
    "Model": "pydynox.model",
    "AdaptiveRate": "pydynox.rate_limit",
    "FixedRate": "pydynox.rate_limit",
    "SyncTransaction": "pydynox.transaction",
    "Transaction": "pydynox.transaction",
    "sync_transact_get": "pydynox.transaction",
    "transact_get": "pydynox.transaction",
}


def run(code: str) -> object:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(HOMES))
def test_every_export_is_the_object_its_module_defines(name: str) -> None:
    assert getattr(pydynox, name) is getattr(importlib.import_module(HOMES[name]), name)


def test_the_public_names_are_all_reachable() -> None:
    missing = [name for name in pydynox.__all__ if not hasattr(pydynox, name)]
    assert missing == []
    assert set(HOMES) | {"__version__", "events", "exceptions", "version_info"} == set(pydynox.__all__)
    assert set(pydynox.__all__) <= set(dir(pydynox))


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Modle'"):
        pydynox.Modle  # noqa: B018
    with pytest.raises(ImportError):
        exec("from pydynox import Modle", {})


def test_star_import_and_submodules_as_attributes_in_a_fresh_process() -> None:
    code = (
        "import json\n"
        "import pydynox\n"
        "ns = {}\n"
        "exec('from pydynox import *', ns)\n"
        "star = sorted(k for k in ns if not k.startswith('__'))\n"
        "attributes, model = pydynox.attributes.__name__, pydynox.model.Model.__name__\n"
        "print(json.dumps({'star': star, 'attributes': attributes, 'model': model}))\n"
    )
    out = run(code)
    assert out == {
        "star": sorted(n for n in pydynox.__all__ if not n.startswith("__")),
        "attributes": "pydynox.attributes",
        "model": "Model",
    }


def test_a_program_that_only_uses_the_client_never_imports_asyncio(http_endpoint: str) -> None:
    code = (
        "import json, sys, uuid\n"
        "from pydynox import DynamoDBClient\n"
        f"client = DynamoDBClient(region='us-east-1', endpoint_url={http_endpoint!r},\n"
        "                        access_key='t', secret_key='t')\n"
        "table = f'imports-{uuid.uuid4().hex[:8]}'\n"
        "client.sync_create_table(table, partition_key=('pk', 'S'), wait=True)\n"
        "client.sync_put_item(table, {'pk': 'a', 'n': 1})\n"
        "item = client.sync_get_item(table, {'pk': 'a'})\n"
        "client.sync_delete_table(table)\n"
        "heavy = ('asyncio', 'pydynox.model', 'pydynox.query', 'pydynox.attributes')\n"
        "print(json.dumps({'item': item, 'loaded': sorted(m for m in heavy if m in sys.modules)}))\n"
    )
    assert run(code) == {"item": {"pk": "a", "n": 1}, "loaded": []}
