"""An API Gateway (HTTP API) Lambda function that creates orders, exactly once per client request.

- ``@handler`` keeps one event loop and one DynamoDB client for the life of the execution environment,
  stops the handler half a second before Lambda's timeout, and writes DynamoDB metrics (EMF) per
  invocation.
- ``@idempotent`` makes a retried request (same ``Idempotency-Key`` header) return the first response
  instead of creating a second order; it needs no boto3.

Tables (names from the environment): ``ORDERS_TABLE`` (partition key ``pk``, S) and
``IDEMPOTENCY_TABLE`` (partition key ``id``, S, TTL on ``expiration``). Nothing touches the network at
import: the client connects on the first call.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

from pydynox import Model, ModelConfig
from pydynox.attributes import DecimalAttribute, StringAttribute
from pydynox.exceptions import ConditionalCheckFailedException
from pydynox_lambda import EMFMetrics, IdempotencyStore, current_invocation, handler, idempotent


class Order(Model):
    model_config = ModelConfig(table=os.environ.get("ORDERS_TABLE", "orders"))
    pk = StringAttribute(partition_key=True, template="ORDER#{order_id}")
    order_id = StringAttribute(required=True)
    customer = StringAttribute(required=True)
    total = DecimalAttribute(required=True)
    status = StringAttribute(default="NEW")


def request_key(event: dict[str, Any]) -> str | None:
    """Clients send an Idempotency-Key header; a request without one is not deduplicated."""
    return (event.get("headers") or {}).get("idempotency-key")


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


@handler(deadline_margin=0.5, observers=[EMFMetrics(os.environ.get("METRICS_NAMESPACE", "Orders"))])
@idempotent(store=IdempotencyStore(os.environ.get("IDEMPOTENCY_TABLE", "idempotency")), key=request_key)
async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        body = json.loads(event.get("body") or "{}")
        order = Order(order_id=body["order_id"], customer=body["customer"], total=Decimal(str(body["total"])))
    except (KeyError, ValueError, ArithmeticError) as exc:
        return response(400, {"error": f"invalid order: {exc}"})
    try:
        await order.save(condition=Order.pk.not_exists())
    except ConditionalCheckFailedException:
        return response(409, {"error": f"order {order.order_id} exists"})
    usage = current_invocation().usage  # type: ignore[union-attr]
    return response(201, {"order_id": order.order_id, "status": order.status, "dynamodb_calls": usage.calls})
