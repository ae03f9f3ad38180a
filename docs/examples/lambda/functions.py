"""Lambda handlers with pydynox-lambda: warm runtime, per-invocation usage, deadlines, Powertools,
DynamoDB Streams into models, idempotency. Handlers are called here as Lambda calls them."""

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox_lambda import current_invocation, handler


class Order(Model):
    model_config = ModelConfig(table="lambda_orders")
    pk = StringAttribute(partition_key=True)
    total = NumberAttribute()


# --8<-- [end:setup]


# --8<-- [start:handler]
@handler
async def main(event, context):
    await Order(pk=event["order_id"], total=event["total"]).save()
    order = await Order.get(pk=event["order_id"])
    usage = current_invocation().usage
    return {"total": order.total, "dynamodb_calls": usage.calls}


class Context:  # what Lambda passes; a stand-in to call the handler here
    aws_request_id = "c0ffee"
    function_name = "orders"

    def get_remaining_time_in_millis(self):
        return 3000


# --8<-- [end:handler]


# --8<-- [start:deadline-handler]
import asyncio

from pydynox_lambda import DeadlineExceeded


@handler(deadline_margin=0.5)
async def slow(event, context):
    await asyncio.sleep(5)  # stands for a call stuck in retries


class ShortContext(Context):
    def get_remaining_time_in_millis(self):
        return 1000


# --8<-- [end:deadline-handler]


# --8<-- [start:powertools]
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydynox_lambda import EMFMetrics
from pydynox_lambda.powertools import LoggerEnrichment

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")


@handler(observers=[EMFMetrics(metrics=metrics), LoggerEnrichment(logger)])
@logger.inject_lambda_context
@metrics.log_metrics
async def create(event, context):
    await Order(pk=event["order_id"], total=event["total"]).save()
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    logger.info("order created")  # carries "dynamodb": {"calls": 1, "consumed_wcu": ..., ...}
    return {"ok": True}


class PowertoolsContext(Context):  # Logger reads these too
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"


# --8<-- [end:powertools]


# --8<-- [start:streams-setup]
from decimal import Decimal

from pydynox_lambda import decode_record, process_stream, stream_records

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/lambda_orders/stream/2026-01-01T00:00:00"


def stream_record(name, sequence, new=None, old=None, identity=None):
    change = {
        "Keys": {"pk": {"S": "o-9"}},
        "SequenceNumber": sequence,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new:
        change["NewImage"] = new
    if old:
        change["OldImage"] = old
    record = {"eventID": sequence, "eventName": name, "eventSourceARN": ARN, "dynamodb": change}
    if identity:
        record["userIdentity"] = identity
    return record


image = {"pk": {"S": "o-9"}, "total": {"N": "12.50"}}
ttl = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
event = {
    "Records": [
        stream_record("INSERT", "1", new=image),
        stream_record("MODIFY", "2", new={**image, "total": {"N": "99"}}, old=image),
        stream_record("REMOVE", "3", old=image, identity=ttl),
    ]
}
# --8<-- [end:streams-setup]


# --8<-- [start:consumer]
totals = []


async def on_change(record):
    if record.is_ttl_expiry:
        raise RuntimeError("archive is down")
    totals.append(record.new.total)


@handler
async def consume(event, context):
    return await process_stream(event, on_change, Order)


# --8<-- [end:consumer]


# --8<-- [start:idempotent-handler]
from pydynox_lambda import IdempotencyStore, idempotent

charges = []


@handler
@idempotent(store=IdempotencyStore("lambda_idempotency"), key=lambda event: event["payment_id"])
async def charge(event, context):
    charges.append(event["amount"])
    return {"charged": event["amount"]}


# --8<-- [end:idempotent-handler]


def run() -> None:
    # --8<-- [start:create-table]
    DynamoDBClient(region="us-east-1").sync_create_table(
        "lambda_orders", partition_key=("pk", "S"), wait=True
    )
    # --8<-- [end:create-table]

    # --8<-- [start:invoke]
    assert main({"order_id": "o-1", "total": 12}, Context()) == {"total": 12, "dynamodb_calls": 2}
    assert main({"order_id": "o-2", "total": 5}, Context()) == {"total": 5, "dynamodb_calls": 2}
    # --8<-- [end:invoke]

    # --8<-- [start:events]
    from pydynox import events

    seen = []

    def by_request(event):
        seen.append((event.operation, current_invocation().request_id))

    with events.subscribe(by_request):
        main({"order_id": "o-3", "total": 1}, Context())
    assert seen == [("PutItem", "c0ffee"), ("GetItem", "c0ffee")]
    # --8<-- [end:events]

    # --8<-- [start:deadline]
    try:
        slow({}, ShortContext())
        raise AssertionError("stopped half a second before Lambda's timeout")
    except DeadlineExceeded:
        pass
    # --8<-- [end:deadline]

    # --8<-- [start:powertools-invoke]
    assert create({"order_id": "o-4", "total": 3}, PowertoolsContext()) == {"ok": True}
    # --8<-- [end:powertools-invoke]

    # --8<-- [start:decode]
    inserted, modified, expired = stream_records(event, Order)
    assert isinstance(inserted.new, Order) and inserted.new.total == Decimal("12.5") and inserted.old is None
    assert (modified.old.total, modified.new.total) == (Decimal("12.5"), 99)
    assert modified.changed_attributes == {"total"}
    assert expired.event_name == "REMOVE" and expired.is_ttl_expiry and expired.table == "lambda_orders"
    assert decode_record(event["Records"][0], Order).new.pk == "o-9"
    # --8<-- [end:decode]

    # --8<-- [start:consume]
    assert consume(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "3"}]}
    assert totals == [Decimal("12.5"), 99]
    # --8<-- [end:consume]

    # --8<-- [start:idempotency]
    client = DynamoDBClient(region="us-east-1")
    client.sync_create_table("lambda_idempotency", partition_key=("id", "S"), wait=True)
    client.sync_update_time_to_live("lambda_idempotency", "expiration", enabled=True)

    assert charge({"payment_id": "p-1", "amount": 30}, Context()) == {"charged": 30}
    assert charge({"payment_id": "p-1", "amount": 30}, Context()) == {"charged": 30}  # replayed
    assert charges == [30]
    # --8<-- [end:idempotency]


if __name__ == "__main__":
    run()
