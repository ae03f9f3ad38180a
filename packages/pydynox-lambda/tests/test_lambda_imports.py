"""What a function that uses pydynox_lambda loads: never boto3 or botocore (checked in a fresh
process that really serves invocations), and only the modules it uses."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FUNCTION = textwrap.dedent(
    """
    import json, sys, uuid
    from pydynox import DynamoDBClient
    from pydynox_lambda import IdempotencyStore, handler, idempotent, process_stream, EMFMetrics

    endpoint = sys.argv[1]
    setup = DynamoDBClient(region="us-east-1", endpoint_url=endpoint, access_key="t", secret_key="t")
    table = f"lambda-noboto-{uuid.uuid4().hex[:8]}"
    setup.sync_create_table(table, partition_key=("id", "S"), wait=True)

    class Context:
        aws_request_id = "r-1"
        function_name = "no-boto"
        def get_remaining_time_in_millis(self):
            return 10_000

    docs = []

    @handler(region="us-east-1", endpoint_url=endpoint, access_key="t", secret_key="t",
             deadline_margin=1.0, observers=[EMFMetrics("Shop", emit=docs.append)])
    @idempotent(store=IdempotencyStore(table))
    async def main(event, context):
        seen = []
        async def on_record(record):
            seen.append(record.new["id"])
        failures = await process_stream(event, on_record)
        return {"seen": seen, **failures}

    event = {"Records": [{
        "eventID": "1", "eventName": "INSERT",
        "dynamodb": {"Keys": {"id": {"S": "a"}}, "NewImage": {"id": {"S": "a"}, "b": {"B": "AAE="}},
                     "SequenceNumber": "1", "StreamViewType": "NEW_IMAGE"},
    }]}
    first, replay = main(event, Context()), main(event, Context())
    setup.sync_delete_table(table)
    heavy = ("boto3", "botocore", "aws_lambda_powertools")
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
    print(json.dumps({"first": first, "replay": replay, "loaded": loaded, "emf": len(docs)}))
    """
)


def test_a_function_using_handler_streams_and_idempotency_never_imports_boto3(http_url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", FUNCTION, http_url], capture_output=True, text=True, timeout=90, check=False
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"] == result["replay"] == {"seen": ["a"], "batchItemFailures": []}
    assert result["emf"] >= 1
    assert result["loaded"] == []


def test_importing_the_package_loads_only_what_is_used() -> None:
    code = (
        "import sys\n"
        "import pydynox_lambda\n"
        "before = {m for m in sys.modules if m.startswith('pydynox')}\n"
        "from pydynox_lambda import handler\n"
        "after = {m for m in sys.modules if m.startswith('pydynox')}\n"
        "print(sorted(before), sorted(after - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    before, added = out.stdout.strip().split("] [")
    assert before == "['pydynox_lambda'"  # the package alone imports nothing, not even pydynox
    assert "'pydynox_lambda.handlers'" in added
    for unused in ("streams", "idempotency", "metrics", "powertools"):
        assert f"pydynox_lambda.{unused}'" not in added


def test_a_sync_handler_never_imports_asyncio(http_url: str) -> None:
    # asyncio is most of an async handler's cold start; a sync one has no loop to set up.
    code = textwrap.dedent(
        f"""
        import json, sys, uuid
        from pydynox_lambda import current_invocation, handler

        @handler(region="us-east-1", endpoint_url={http_url!r}, access_key="t", secret_key="t")
        def main(event, context):
            client = current_invocation().client
            table = f"lambda-sync-{{uuid.uuid4().hex[:8]}}"
            client.sync_create_table(table, partition_key=("id", "S"), wait=True)
            client.sync_put_item(table, {{"id": event["id"]}})
            item = client.sync_get_item(table, {{"id": event["id"]}})
            client.sync_delete_table(table)
            return item

        served = [main({{"id": "a"}}, None), main({{"id": "b"}}, None)]
        print(json.dumps({{"served": served, "asyncio": "asyncio" in sys.modules}}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=90, check=False
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "served": [{"id": "a"}, {"id": "b"}],
        "asyncio": False,
    }
