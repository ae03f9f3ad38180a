"""Helpers for the Lambda adapter's tests (a module of its own: test modules import it by name)."""

from __future__ import annotations

import base64
import json
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


# ---------------------------------------------------------------------------------------------------
# DynamoDB Streams records, as Lambda delivers them.
#
# moto's server serves the dynamodbstreams API on the same endpoint. boto3 reads the records, and they
# are reshaped into the JSON a Lambda function receives: binary as base64 text, the creation time as
# epoch seconds, the stream's ARN as eventSourceARN. (pydynox's engine hands out that shape directly.)


def boto_kwargs(http_url: str) -> dict[str, Any]:
    return {
        "region_name": REGION,
        "endpoint_url": http_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def create_stream_table(http_url: str, table: str, view_type: str = "NEW_AND_OLD_IMAGES") -> None:
    import boto3

    boto3.client("dynamodb", **boto_kwargs(http_url)).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )


def delete_table(http_url: str, table: str) -> None:
    import boto3

    boto3.client("dynamodb", **boto_kwargs(http_url)).delete_table(TableName=table)


def _lambda_value(value: dict[str, Any]) -> dict[str, Any]:
    ((tag, payload),) = value.items()
    if tag == "B":
        return {"B": base64.b64encode(payload).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in payload]}
    if tag == "M":
        return {"M": {k: _lambda_value(v) for k, v in payload.items()}}
    if tag == "L":
        return {"L": [_lambda_value(v) for v in payload]}
    return value


def _lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if created is not None:
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = {k: _lambda_value(v) for k, v in change[image].items()}
    out = {**record, "dynamodb": change, "eventSourceARN": stream_arn}
    # Exactly the JSON types Lambda hands a function.
    return dict(json.loads(json.dumps(out)))


def stream_event(http_url: str, table: str) -> dict[str, Any]:
    """Every record of the table's stream so far, as one Lambda event, in stream order."""
    import boto3

    arn = boto3.client("dynamodb", **boto_kwargs(http_url)).describe_table(TableName=table)["Table"][
        "LatestStreamArn"
    ]
    streams = boto3.client("dynamodbstreams", **boto_kwargs(http_url))
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            if not page["Records"]:
                break
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator")
    records.sort(key=lambda r: int(r["dynamodb"]["SequenceNumber"]))
    return {"Records": [_lambda_record(r, arn) for r in records]}
