"""The engine over HTTP, in this process: boto3 and pydynox on one engine."""

# --8<-- [start:example]
from decimal import Decimal

import boto3
from pydynox.local import LocalEngine

engine = LocalEngine(None)
with engine.serve(port=0) as server:  # port 0: any free port; stops when the block ends
    boto = boto3.client(
        "dynamodb",
        endpoint_url=server.endpoint_url,  # http://127.0.0.1:PORT
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    boto.create_table(
        TableName="shared",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto.put_item(TableName="shared", Item={"pk": {"S": "from-boto3"}, "n": {"N": "1.50"}})

    client = engine.make_client()  # the same engine, in process
    assert client.sync_get_item("shared", {"pk": "from-boto3"}) == {"pk": "from-boto3", "n": Decimal("1.5")}
engine.discard()
# --8<-- [end:example]
